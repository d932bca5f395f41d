//! What a binary under test is started with: the settings the in-process pipeline gets from
//! `settings_for`, as the environment variables the binaries read, and free ports.

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Mutex, PoisonError};

use cxrelay_core::config::{env_name, Settings};
use secrecy::ExposeSecret;

use crate::app::{ADMIN_TOKEN, API_KEY};

/// Level filter of the processes' logs when the test's own `RUST_LOG` sets none: enough to
/// follow each event, without the dependencies' chatter.
pub const LOG_LEVEL: &str = "info";

/// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read, released, so a
/// process can be told its listener's address before it starts. Never the same port twice in
/// one test binary; another program could still take it in between, and the process then
/// fails to start and its log says so.
pub fn free_port() -> SocketAddr {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("the bound address");
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(PoisonError::into_inner);
        if handed_out.insert(addr.port()) {
            return addr;
        }
    }
}

/// The environment that gives a binary `settings`: every field `settings_for` sets (so the
/// simulator accepts the processes' credentials exactly as it accepts the in-process
/// pipeline's), plus logging that is useful in a file.
pub fn settings_env(settings: &Settings) -> Vec<(String, String)> {
    let mut env = Env::default();
    if let Some(url) = &settings.database.url {
        env.set("DATABASE_URL", url.expose_secret());
    }
    env.set(
        "CXRELAY_DATABASE__MAX_CONNECTIONS",
        settings.database.max_connections,
    );
    if let Some(url) = &settings.amqp.url {
        env.set("AMQP_URL", url.expose_secret());
    }
    env.set("CXRELAY_AMQP__PREFIX", &settings.amqp.prefix);

    let ingress = &settings.ingress;
    env.set("CXRELAY_INGRESS__ADDR", ingress.addr);
    env.set("CXRELAY_INGRESS__ADMIN_ADDR", ingress.admin_addr);
    // `ApiKeys` keeps its keys secret and does not give them back; `settings_for` sets this one.
    env.set("CXRELAY_INGRESS__API_KEYS", API_KEY);
    env.set(
        "CXRELAY_INGRESS__ADMIN_TOKENS",
        format!("harness:{ADMIN_TOKEN}"),
    );
    env.set(
        "CXRELAY_INGRESS__CONFIRM_TIMEOUT_MS",
        ingress.confirm_timeout_ms,
    );

    let worker = &settings.worker;
    env.set("CXRELAY_WORKER__ADMIN_ADDR", worker.admin_addr);
    env.set(
        "CXRELAY_WORKER__RETRY_DELAYS_MS",
        joined(&worker.retry_delays_ms),
    );
    env.set("CXRELAY_WORKER__RETRY_JITTER", worker.retry_jitter);
    env.set(
        "CXRELAY_WORKER__HEARTBEAT_INTERVAL_MS",
        worker.heartbeat_interval_ms,
    );
    env.set(
        "CXRELAY_WORKER__SHUTDOWN_GRACE_SECS",
        worker.shutdown_grace_secs,
    );
    env.set(
        "CXRELAY_GENESYS__RATE__PER_SEC",
        settings.genesys.rate.per_sec,
    );
    env.set("CXRELAY_GENESYS__RATE__BURST", settings.genesys.rate.burst);
    env.set(
        "CXRELAY_COGNIGY__RATE__PER_SEC",
        settings.cognigy.rate.per_sec,
    );
    env.set("CXRELAY_COGNIGY__RATE__BURST", settings.cognigy.rate.burst);

    env.set(
        "CXRELAY_OUTBOUND__ALLOW_HTTP_HOSTS",
        settings.outbound.allow_http_hosts.join(","),
    );

    let genesys = &settings.genesys;
    env.set_some(
        "CXRELAY_GENESYS__API_BASE_URL",
        genesys.api_base_url.as_ref(),
    );
    env.set_some(
        "CXRELAY_GENESYS__LOGIN_BASE_URL",
        genesys.login_base_url.as_ref(),
    );
    env.set_some("CXRELAY_GENESYS__CLIENT_ID", genesys.client_id.as_ref());
    if let Some(secret) = &genesys.client_secret {
        env.set("CXRELAY_GENESYS__CLIENT_SECRET", secret.expose_secret());
    }
    env.set_some(
        "CXRELAY_GENESYS__FALLBACK_FLOW_ID",
        genesys.fallback_flow_id.as_ref(),
    );
    env.set(
        "CXRELAY_GENESYS__REQUEST_TIMEOUT_MS",
        genesys.request_timeout_ms,
    );
    env.set_some(
        "CXRELAY_GENESYS__FALLBACK_QUEUE_ID",
        genesys.fallback_queue_id.as_ref(),
    );
    env.set_some(
        "CXRELAY_GENESYS__HUMAN_QUEUE_ID",
        genesys.human_queue_id.as_ref(),
    );
    env.set(
        "CXRELAY_GENESYS__VIRTUAL_AGENT__MAX_ACTIVE_SESSIONS_PER_BOT",
        genesys.virtual_agent.max_active_sessions_per_bot,
    );
    for (_, key, from) in genesys.messaging_from.by_type() {
        env.set_some(&env_name(key), from);
    }

    let cognigy = &settings.cognigy;
    env.set_some(
        "CXRELAY_COGNIGY__API_BASE_URL",
        cognigy.api_base_url.as_ref(),
    );
    if let Some(key) = &cognigy.api_key {
        env.set("CXRELAY_COGNIGY__API_KEY", key.expose_secret());
    }
    env.set_some(
        "CXRELAY_COGNIGY__DEFAULT_ENDPOINT",
        cognigy.default_endpoint.as_ref(),
    );
    for (name, endpoint) in &cognigy.endpoints {
        // The loader lower-cases names, so `SUPPORT` is the endpoint `support`.
        let prefix = format!("CXRELAY_COGNIGY__ENDPOINTS__{}", name.to_ascii_uppercase());
        env.set(&format!("{prefix}__ID"), &endpoint.id);
        env.set(
            &format!("{prefix}__URL_TOKEN"),
            endpoint.url_token.expose_secret(),
        );
        env.set(&format!("{prefix}__BASE_URL"), &endpoint.base_url);
    }

    let crm = &settings.crm;
    env.set_some("CXRELAY_CRM__WEBHOOK_URL", crm.webhook_url.as_ref());
    if let Some(secret) = &crm.webhook_secret {
        env.set("CXRELAY_CRM__WEBHOOK_SECRET", secret.expose_secret());
    }

    // RUST_LOG wins over CXRELAY_LOG__LEVEL in the binaries: a developer's RUST_LOG turns the
    // processes' logs up too.
    env.set("CXRELAY_LOG__LEVEL", LOG_LEVEL);
    if let Ok(filter) = std::env::var("RUST_LOG") {
        env.set("RUST_LOG", filter);
    }
    // The logs go to files that people read with `less` and CI prints: no colour codes.
    env.set("NO_COLOR", "1");
    env.set("RUST_BACKTRACE", "1");
    env.0
}

fn joined(values: &[u64]) -> String {
    values
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Default)]
struct Env(Vec<(String, String)>);

impl Env {
    fn set(&mut self, name: &str, value: impl ToString) {
        self.0.push((name.to_owned(), value.to_string()));
    }

    fn set_some(&mut self, name: &str, value: Option<impl ToString>) {
        if let Some(value) = value {
            self.set(name, value);
        }
    }
}
