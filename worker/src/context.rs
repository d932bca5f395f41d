//! What every event handler of a worker process shares.

use std::sync::Arc;

use cxrelay_core::amqp::{Publisher, Topology};
use cxrelay_core::config::Settings;
use sqlx::PgPool;

use crate::cognigy::{CognigyClient, EndpointStatusCache};
use crate::genesys::GenesysClient;

/// Shared by all in-flight events of one worker process.
#[derive(Clone)]
pub struct WorkerContext {
    /// Attempt and event records.
    pub db: PgPool,
    /// The Genesys org.
    pub genesys: GenesysClient,
    /// The Cognigy tenant.
    pub cognigy: CognigyClient,
    /// Endpoint active/snapshot answers, cached.
    pub endpoint_status: Arc<EndpointStatusCache>,
    /// Policy settings (flows, queues, thresholds, Endpoints, templates).
    pub settings: Arc<Settings>,
    /// Confirmed publishing into the retry tiers.
    pub publisher: Publisher,
    /// The AMQP names, retry tiers included.
    pub topology: Topology,
    /// HTTP client for other targets (the CRM webhook).
    pub http: reqwest::Client,
}
