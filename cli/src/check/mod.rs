//! `cxrelay check`: everything a deployment needs, checked at once, one line per check.
//!
//! The settings first, every problem of them (missing, malformed, unknown region, variables
//! that set nothing); then, each with the settings it needs and side by side: Postgres (and
//! whether migrations are pending), RabbitMQ (and the deployment's queues), a Genesys token
//! and the org's fallback workflow and queues, the senders of agentless messages, and each
//! Cognigy Endpoint. Nothing is changed
//! anywhere. A check whose settings have a problem is skipped, saying so.

pub mod cognigy;
pub mod configuration;
pub mod genesys;
pub mod messaging_from;
pub mod postgres;
pub mod rabbitmq;
pub mod report;
pub mod target;

use std::path::Path;

use cxrelay_core::config::load_checked;

use configuration::has_problem;
pub use report::{Line, Report, Status};

/// The Genesys settings a token and the reads need.
const GENESYS_KEYS: &[&str] = &[
    "genesys.region",
    "genesys.api_base_url",
    "genesys.login_base_url",
    "genesys.client_id",
    "genesys.client_secret",
    "genesys.request_timeout_ms",
];
/// The Cognigy settings the Endpoint reads need.
const COGNIGY_KEYS: &[&str] = &[
    "cognigy.api_base_url",
    "cognigy.api_key",
    "cognigy.endpoints",
    "cognigy.request_timeout_ms",
];

/// Runs every check with the settings of `file` (when given) and the environment; with
/// `config_only`, only the settings are checked and nothing is connected to.
pub async fn run(file: Option<&Path>, config_only: bool) -> Report {
    let checked = load_checked(file);
    let mut report = Report::default();
    report.extend(configuration::lines(&checked, file));
    if config_only {
        return report;
    }
    let blocked = |keys: &[&str], what: &str| {
        has_problem(&checked, keys)
            .then(|| format!("not tried: fix {what} first (see the config lines)"))
    };
    let database = blocked(&["database"], "DATABASE_URL");
    let broker = blocked(
        &["amqp"],
        "the broker's settings (AMQP_URL, CXRELAY_AMQP__PREFIX)",
    );
    let genesys = blocked(GENESYS_KEYS, "the Genesys org's settings");
    let flow = blocked(
        &["genesys.fallback_flow_id"],
        "CXRELAY_GENESYS__FALLBACK_FLOW_ID",
    );
    let cognigy = blocked(COGNIGY_KEYS, "the Cognigy settings");
    let settings = &checked.settings;
    let (postgres, rabbitmq, genesys, cognigy) = tokio::join!(
        postgres::line(settings, database.as_deref()),
        rabbitmq::line(settings, broker.as_deref()),
        genesys::lines(settings, genesys.as_deref(), flow.as_deref()),
        cognigy::lines(settings, cognigy.as_deref()),
    );
    report.extend([postgres, rabbitmq]);
    report.extend(genesys);
    report.extend([messaging_from::line(settings)]);
    report.extend(cognigy);
    report
}
