//! The settings the benchmarks start cxrelay's processes with, as the environment variables
//! the binaries read: the services, a prefix and database of the run's own, the simulator's
//! credentials (those of `scripts/up`'s demo), and the keys the load generator presents.

use std::net::SocketAddr;

/// The inbound key of source `cognigy` the load generator sends as `X-API-Key`.
pub const INBOUND_KEY: &str = "bench-cognigy-inbound-key";
/// The name of that key (recorded with each event).
pub const INBOUND_KEY_NAME: &str = "bench";
/// The admin token the benchmarks ask `/readyz` with.
pub const ADMIN_TOKEN: &str = "bench-admin-token";
/// OAuth client the simulator accepts and the worker logs in with.
const CLIENT_ID: &str = "bench-client";
const CLIENT_SECRET: &str = "bench-secret";
/// The workflow the worker launches for each fallback.
const FLOW_ID: &str = "7b0e1c9a-5d3f-4e2a-9c41-0f6d2a8b3e57";
/// The fallback deadline the worker gets: a backlog of 100,000 events takes minutes to drain,
/// and events past the two-minute default would end `expired` instead of being carried out.
const FALLBACK_DEADLINE_SECS: u64 = 86_400;
/// Log level of the processes: the default of a deployment, so the cost of its logging counts.
pub const LOG_LEVEL: &str = "info";

/// Where a run's cxrelay processes find their services.
#[derive(Debug, Clone)]
pub struct Services {
    /// Postgres URL of the run's own database.
    pub database_url: String,
    /// RabbitMQ URL.
    pub amqp_url: String,
    /// The run's own exchange and queue prefix.
    pub prefix: String,
}

/// A rate limit for the worker's calls to Genesys (`CXRELAY_GENESYS__RATE__*`).
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Requests per second.
    pub per_sec: f64,
    /// Requests at once after a quiet spell.
    pub burst: u32,
}

impl Rate {
    /// So high that the limiter never waits: the drain measures cxrelay, not the limit.
    pub const OFF: Rate = Rate {
        per_sec: 1_000_000.0,
        burst: 1_000_000,
    };
}

fn pair(name: &str, value: impl ToString) -> (String, String) {
    (name.to_owned(), value.to_string())
}

fn common(services: &Services) -> Vec<(String, String)> {
    vec![
        pair("DATABASE_URL", &services.database_url),
        pair("AMQP_URL", &services.amqp_url),
        pair("CXRELAY_AMQP__PREFIX", &services.prefix),
        pair("CXRELAY_LOG__LEVEL", LOG_LEVEL),
        pair("NO_COLOR", "1"),
    ]
}

/// The ingress listening on `addr` (admin on `admin_addr`), accepting [`INBOUND_KEY`].
pub fn ingress(
    services: &Services,
    addr: SocketAddr,
    admin_addr: SocketAddr,
) -> Vec<(String, String)> {
    let mut env = common(services);
    env.extend([
        pair("CXRELAY_INGRESS__ADDR", addr),
        pair("CXRELAY_INGRESS__ADMIN_ADDR", admin_addr),
        pair(
            "CXRELAY_INGRESS__SOURCES__COGNIGY__KEYS",
            format!("{INBOUND_KEY_NAME}:{INBOUND_KEY}"),
        ),
        pair(
            "CXRELAY_INGRESS__ADMIN_TOKENS",
            format!("bench:{ADMIN_TOKEN}"),
        ),
    ]);
    env
}

/// The simulator on `addr`, accepting the worker's client.
pub fn sim(addr: SocketAddr) -> Vec<(String, String)> {
    vec![
        pair("CXRELAY_SIM__ADDR", addr),
        pair("CXRELAY_GENESYS__CLIENT_ID", CLIENT_ID),
        pair("CXRELAY_GENESYS__CLIENT_SECRET", CLIENT_SECRET),
        pair("CXRELAY_LOG__LEVEL", "warn"),
        pair("NO_COLOR", "1"),
    ]
}

/// The worker (admin on `admin_addr`) calling the simulator at `sim_addr` at `rate`.
pub fn worker(
    services: &Services,
    admin_addr: SocketAddr,
    sim_addr: SocketAddr,
    rate: Rate,
) -> Vec<(String, String)> {
    let sim = format!("http://{sim_addr}");
    let mut env = common(services);
    env.extend([
        pair("CXRELAY_WORKER__ADMIN_ADDR", admin_addr),
        pair(
            "CXRELAY_WORKER__DEADLINES__FALLBACK_SECS",
            FALLBACK_DEADLINE_SECS,
        ),
        pair("CXRELAY_GENESYS__API_BASE_URL", &sim),
        pair("CXRELAY_GENESYS__LOGIN_BASE_URL", &sim),
        pair("CXRELAY_GENESYS__CLIENT_ID", CLIENT_ID),
        pair("CXRELAY_GENESYS__CLIENT_SECRET", CLIENT_SECRET),
        pair("CXRELAY_GENESYS__FALLBACK_FLOW_ID", FLOW_ID),
        pair("CXRELAY_GENESYS__RATE__PER_SEC", rate.per_sec),
        pair("CXRELAY_GENESYS__RATE__BURST", rate.burst),
        pair("CXRELAY_COGNIGY__API_BASE_URL", &sim),
        // The simulator is plain http on this machine.
        pair("CXRELAY_OUTBOUND__ALLOW_HTTP_HOSTS", sim_addr.ip()),
    ]);
    env
}

/// A `NAME=VALUE` argument (`--ingress-env`, `--worker-env`): a setting to try.
pub fn parse_setting(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))
}
