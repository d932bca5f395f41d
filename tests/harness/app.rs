//! `spawn_app`: the whole pipeline on free ports, isolated per test.

use std::net::SocketAddr;
use std::time::Duration;

use cxrelay_core::amqp::Topology;
use cxrelay_core::config::{AdminTokens, ApiKeys, CognigyEndpoint, RateSettings, Settings};
use cxrelay_core::kinds::Target;
use cxrelay_sim::{RunningSim, SimConfig};
use reqwest::Response;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::proxy::TcpProxy;
use crate::{broker, database, wait};

/// The inbound key every test app accepts.
pub const API_KEY: &str = "test-key-0f3c9a";
/// The admin bearer token every test app accepts (name `harness`): readiness and metrics need it.
pub const ADMIN_TOKEN: &str = "test-admin-token-5d2b";
/// The OAuth client the simulator accepts.
pub const CLIENT_ID: &str = "test-client";
/// Its secret.
pub const CLIENT_SECRET: &str = "test-secret-7d41";
/// The fallback workflow id configured in the worker.
pub const FLOW_ID: &str = "8a2f6e8c-55d9-4d38-9d7e-1c2b3a4d5e6f";
/// The Cognigy management API key the simulator accepts.
pub const COGNIGY_API_KEY: &str = "test-cognigy-key-51";
/// Name of the Cognigy Endpoint configured in every test app.
pub const ENDPOINT: &str = "support";
/// Its management-API id.
pub const ENDPOINT_ID: &str = "64f1a0c0ffee000000000001";
/// Its URLToken (a secret).
pub const URL_TOKEN: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
/// The snapshot it serves when seeded with [`TestApp::seed_endpoint`].
pub const SNAPSHOT_ID: &str = "65aa00000000000000000001";
/// Queue bot failures are transferred to by default.
pub const FALLBACK_QUEUE_ID: &str = "0d3b2a1c-1111-4a4a-9b9b-000000000001";
/// Queue of human agents for virtual-agent escalations.
pub const HUMAN_QUEUE_ID: &str = "0d3b2a1c-2222-4a4a-9b9b-000000000002";
/// The org's SMS number, the sender of agentless SMS (`genesys.messaging_from.sms`).
pub const SMS_FROM: &str = "+15550001";
/// The Open Messaging integration, the sender of agentless `open` messages.
pub const OPEN_FROM: &str = "0d3b2a1c-3333-4a4a-9b9b-000000000003";
/// The WhatsApp integration, the sender of agentless WhatsApp messages.
pub const WHATSAPP_FROM: &str = "0d3b2a1c-4444-4a4a-9b9b-000000000004";
/// Active sessions a bot may hold in tests.
pub const MAX_SESSIONS_PER_BOT: u32 = 2;
/// How long a test waits for the pipeline to do something before failing.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Changes a test makes to the settings before the processes start.
pub type Customize = std::sync::Arc<dyn Fn(&mut Settings) + Send + Sync>;

/// What to start.
#[derive(Clone)]
pub struct AppOptions {
    /// Applied to the settings of every process.
    pub customize: Option<Customize>,
    /// Worker processes to start (0: events stay in the queue, where a test can count them).
    pub workers: usize,
    /// Route the ingress's broker connection through a [`TcpProxy`] the test controls.
    pub broker_proxy: bool,
}

impl Default for AppOptions {
    fn default() -> Self {
        Self {
            customize: None,
            workers: 1,
            broker_proxy: false,
        }
    }
}

/// A running pipeline and handles on its parts.
pub struct TestApp {
    /// Base URL of the public listener.
    pub public_url: String,
    /// Base URL of the ingress admin listener.
    pub admin_url: String,
    /// Base URLs of the workers' admin listeners.
    pub worker_admin_urls: Vec<String>,
    /// Client for all requests.
    pub http: reqwest::Client,
    /// The test's own database.
    pub db: PgPool,
    /// Its name.
    pub db_name: String,
    /// The test's own exchanges and queues.
    pub topology: Topology,
    /// The simulated Genesys.
    pub sim: RunningSim,
    /// The proxy in front of the broker, if asked for.
    pub proxy: Option<TcpProxy>,
    /// The settings the processes run with.
    pub settings: Settings,
    tasks: Vec<JoinHandle<()>>,
}

/// Settings for a pipeline on `db_url`, under AMQP prefix `prefix`, calling the simulator.
pub fn settings_for(db_url: &str, amqp_url: &str, prefix: &str, sim_url: &str) -> Settings {
    let mut settings = Settings::default();
    let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.database.url = Some(SecretString::from(db_url.to_owned()));
    settings.database.max_connections = 20;
    settings.amqp.url = Some(SecretString::from(amqp_url.to_owned()));
    settings.amqp.prefix = prefix.to_owned();
    settings.ingress.addr = any_port;
    settings.ingress.admin_addr = any_port;
    settings.ingress.api_keys = ApiKeys::new([API_KEY]);
    settings.ingress.admin_tokens =
        AdminTokens::parse([format!("harness:{ADMIN_TOKEN}")]).expect("the harness admin token");
    settings.ingress.confirm_timeout_ms = 2_000;
    settings.worker.admin_addr = any_port;
    // Short retry tiers keep retry tests fast; the mechanism is the same.
    settings.worker.retry_delays_ms = vec![200, 500, 1_000];
    settings.worker.heartbeat_interval_ms = 200;
    // Tests measure behaviour, not the production rates; rate tests set their own.
    let unlimited = RateSettings {
        per_sec: 10_000.0,
        burst: 1_000,
    };
    settings.genesys.rate = unlimited;
    settings.cognigy.rate = unlimited;
    let sim: url::Url = sim_url.parse().expect("simulator URL");
    // The simulator (and the tests' CRM receiver) listen on plain http on this host.
    settings.outbound.allow_http_hosts = vec![sim.host_str().unwrap_or("127.0.0.1").to_owned()];
    settings.genesys.api_base_url = Some(sim.clone());
    settings.genesys.login_base_url = Some(sim);
    settings.genesys.client_id = Some(CLIENT_ID.to_owned());
    settings.genesys.client_secret = Some(SecretString::from(CLIENT_SECRET));
    settings.genesys.fallback_flow_id = Some(FLOW_ID.to_owned());
    settings.genesys.request_timeout_ms = 5_000;
    settings.genesys.fallback_queue_id = Some(FALLBACK_QUEUE_ID.to_owned());
    settings.genesys.human_queue_id = Some(HUMAN_QUEUE_ID.to_owned());
    settings.genesys.virtual_agent.max_active_sessions_per_bot = MAX_SESSIONS_PER_BOT;
    settings.genesys.messaging_from.sms = Some(SMS_FROM.to_owned());
    settings.genesys.messaging_from.open = Some(OPEN_FROM.to_owned());
    settings.genesys.messaging_from.whatsapp = Some(WHATSAPP_FROM.to_owned());
    let sim_base = sim_url.trim_end_matches('/');
    settings.cognigy.api_base_url = Some(sim_base.parse().expect("simulator URL"));
    settings.cognigy.api_key = Some(SecretString::from(COGNIGY_API_KEY));
    settings.cognigy.default_endpoint = Some(ENDPOINT.to_owned());
    settings.cognigy.endpoints.insert(
        ENDPOINT.to_owned(),
        CognigyEndpoint {
            id: ENDPOINT_ID.to_owned(),
            url_token: SecretString::from(URL_TOKEN),
            base_url: format!("{sim_base}/endpoint")
                .parse()
                .expect("endpoint URL"),
        },
    );
    settings
}

/// Starts a simulator on a free port, accepting the harness's credentials.
pub async fn start_sim() -> RunningSim {
    start_sim_on(
        bind_sim().await,
        SimConfig {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            token_expires_in_secs: 86_400,
            cognigy_api_key: COGNIGY_API_KEY.to_owned(),
            ..SimConfig::default()
        },
    )
    .await
}

/// A listener on a free port of 127.0.0.1 for a simulator, so that its URL is known before the
/// settings it must accept are final.
pub async fn bind_sim() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the simulator")
}

/// Starts a simulator on `listener` with `config`.
pub async fn start_sim_on(listener: tokio::net::TcpListener, config: SimConfig) -> RunningSim {
    cxrelay_sim::start(listener, config)
        .await
        .expect("start the simulator")
}

/// A simulator configuration that accepts the credentials of `settings`: its Genesys OAuth
/// client and its Cognigy API key.
pub fn sim_config_for(settings: &Settings) -> SimConfig {
    SimConfig {
        client_id: settings.genesys.client_id.clone().unwrap_or_default(),
        client_secret: settings
            .genesys
            .client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
            .unwrap_or_default(),
        token_expires_in_secs: 86_400,
        cognigy_api_key: settings
            .cognigy
            .api_key
            .as_ref()
            .map(|k| k.expose_secret().to_owned())
            .unwrap_or_default(),
        ..SimConfig::default()
    }
}

/// A fresh database, prefix and simulator, with the ingress (and by default a worker) serving.
pub async fn spawn_app(options: AppOptions) -> TestApp {
    let id = Uuid::new_v4().simple().to_string()[..12].to_owned();
    let db_name = format!("cxrelay_test_{id}");
    let db = database::create(&db_name, true).await;
    let sim = start_sim().await;
    let proxy = if options.broker_proxy {
        let upstream = crate::proxy::upstream_of(&broker::amqp_url(), broker::DEFAULT_PORT);
        Some(TcpProxy::start(upstream).await)
    } else {
        None
    };
    let prefix = format!("test-{id}");
    let mut settings = settings_for(
        &database::url_of(&db_name),
        &broker::amqp_url(),
        &prefix,
        &sim.base_url(),
    );
    if let Some(customize) = &options.customize {
        customize(&mut settings);
    }
    let mut ingress_settings = settings.clone();
    if let Some(proxy) = &proxy {
        ingress_settings.amqp.url =
            Some(SecretString::from(proxy.url_through(&broker::amqp_url())));
    }

    let ingress = cxrelay_ingress::Application::build(&ingress_settings)
        .await
        .expect("build the ingress");
    let public_url = format!("http://{}", ingress.public_addr());
    let publisher = ingress.publisher();
    let admin_url = format!("http://{}", ingress.admin_addr());
    let mut tasks = vec![tokio::spawn(async move {
        let _ = ingress.run_until_stopped(std::future::pending()).await;
    })];
    let mut worker_admin_urls = Vec::new();
    for _ in 0..options.workers {
        let worker = cxrelay_worker::Worker::build(&settings)
            .await
            .expect("build the worker");
        worker_admin_urls.push(format!("http://{}", worker.admin_addr()));
        tasks.push(tokio::spawn(async move {
            let _ = worker.run_until_stopped(std::future::pending()).await;
        }));
    }
    let app = TestApp {
        public_url,
        admin_url,
        worker_admin_urls,
        http: reqwest::Client::new(),
        db,
        db_name,
        topology: settings.topology(),
        sim,
        proxy,
        settings,
        tasks,
    };
    if app.settings.ingress.admin_tokens.is_empty() {
        // Without admin tokens /readyz is closed too: wait for what it would report.
        wait::until("the ingress's broker connection", PATIENCE, || async {
            publisher.is_connected().then_some(())
        })
        .await;
    } else {
        app.wait_ready(&app.admin_url).await;
    }
    // A standby consumer of the single-active-consumer queue counts as consuming: every
    // worker reports ready once all its consumers are registered.
    for url in &app.worker_admin_urls {
        app.wait_ready(url).await;
    }
    app
}

impl TestApp {
    /// Waits until `{base}/readyz` answers 200.
    pub async fn wait_ready(&self, base: &str) {
        let url = format!("{base}/readyz");
        wait::until(&format!("{url} to be ready"), PATIENCE, || async {
            let response = self.admin_get(&url).send().await.ok()?;
            response.status().is_success().then_some(())
        })
        .await;
    }

    /// A GET of an admin listener's `url` with the harness's admin token.
    pub fn admin_get(&self, url: &str) -> reqwest::RequestBuilder {
        self.http.get(url).bearer_auth(ADMIN_TOKEN)
    }

    /// POSTs `body` to `path` with the test key.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(format!("{}{path}", self.public_url))
            .header("X-API-Key", API_KEY)
            .json(body)
            .send()
            .await
            .expect("the ingress answers")
    }

    /// POSTs a fallback event with the test key.
    pub async fn post_fallback(&self, body: &Value) -> Response {
        self.post("/v1/cognigy/fallback", body).await
    }

    /// `GET /v1/events/{id}` with the test key.
    pub async fn get_event(&self, id: &str) -> Response {
        self.http
            .get(format!("{}/v1/events/{id}", self.public_url))
            .header("X-API-Key", API_KEY)
            .send()
            .await
            .expect("the ingress answers")
    }

    /// Waits until event `id` reached a final state and returns its status document.
    pub async fn wait_for_final(&self, id: &str) -> Value {
        wait::until(&format!("event {id} to finish"), PATIENCE, || async {
            let response = self.get_event(id).await;
            if !response.status().is_success() {
                return None;
            }
            let event: Value = response.json().await.ok()?;
            matches!(
                event["status"].as_str(),
                Some("succeeded" | "dead" | "expired")
            )
            .then_some(event)
        })
        .await
    }

    /// Calls the simulator received, via its own HTTP API.
    pub async fn sim_calls(&self) -> Vec<Value> {
        self.http
            .get(format!("{}/_sim/calls", self.sim.base_url()))
            .send()
            .await
            .expect("the simulator answers")
            .json()
            .await
            .expect("calls are JSON")
    }

    /// The simulator calls to `method` `path`.
    pub async fn sim_calls_to(&self, method: &str, path: &str) -> Vec<Value> {
        self.sim_calls()
            .await
            .into_iter()
            .filter(|call| call["method"] == method && call["path"] == path)
            .collect()
    }

    /// Asks the simulator to answer the next matching calls with a fault.
    pub async fn inject_fault(&self, fault: &Value) {
        let response = self
            .http
            .post(format!("{}/_sim/faults", self.sim.base_url()))
            .json(fault)
            .send()
            .await
            .expect("the simulator answers");
        assert!(
            response.status().is_success(),
            "fault refused: {}",
            response.status()
        );
    }

    /// POSTs `body` to a simulator control route and returns its JSON answer.
    pub async fn sim_post(&self, path: &str, body: &Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.sim.base_url()))
            .json(body)
            .send()
            .await
            .expect("the simulator answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// Seeds the configured Endpoint in the simulator.
    pub async fn seed_endpoint(&self, active: bool, entrypoint: &str) {
        self.sim_post(
            "/_sim/cognigy/snapshots",
            &serde_json::json!({"_id": SNAPSHOT_ID, "name": "release 1"}),
        )
        .await;
        self.sim_post(
            "/_sim/cognigy/endpoints",
            &serde_json::json!({
                "_id": ENDPOINT_ID, "name": ENDPOINT, "URLToken": URL_TOKEN,
                "active": active, "entrypoint": entrypoint,
            }),
        )
        .await;
    }

    /// Seeds a Genesys conversation with a customer and a bot (`ivr`) participant; returns
    /// (conversation id, bot participant id).
    pub async fn seed_conversation(&self) -> (String, String) {
        let conversation = self
            .sim_post(
                "/_sim/genesys/conversations",
                &serde_json::json!({"participants": [
                    {"purpose": "customer", "state": "connected"},
                    {"purpose": "ivr", "state": "connected"},
                ]}),
            )
            .await;
        let id = conversation["id"]
            .as_str()
            .expect("conversation id")
            .to_owned();
        let bot = conversation["participants"][1]["id"]
            .as_str()
            .expect("participant id")
            .to_owned();
        (id, bot)
    }

    /// Posts `body` to `path`, expects 202 and waits for the event's final state.
    pub async fn post_and_finish(&self, path: &str, body: &Value) -> Value {
        let response = self.post(path, body).await;
        assert_eq!(response.status(), 202, "{path}");
        let accepted: Value = response.json().await.expect("202 body");
        self.wait_for_final(accepted["eventId"].as_str().expect("eventId"))
            .await
    }

    /// Messages waiting in the work queue of `target`.
    pub async fn queue_depth(&self, target: Target) -> u32 {
        broker::queue_depth(&self.topology.work_queue(target)).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        crate::cleanup::remove_isolation(&self.topology, &self.db_name);
        crate::contract::assert_no_departures(&self.sim);
    }
}
