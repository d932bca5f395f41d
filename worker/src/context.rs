//! What every event handler of a worker process shares.

use std::sync::Arc;

use cxrelay_core::amqp::{Publisher, Topology};
use cxrelay_core::config::Settings;
use sqlx::PgPool;

use crate::claims::Claims;
use crate::cognigy::{CognigyClient, EndpointStatusCache};
use crate::db_health::DbHealth;
use crate::genesys::GenesysClient;
use crate::target::Targets;
use crate::writes::Writes;

/// Shared by all in-flight events of one worker process.
#[derive(Clone)]
pub struct WorkerContext {
    /// Attempt and event records.
    pub db: PgPool,
    /// The event, attempt and audit writes, batched across events.
    pub writes: Writes,
    /// Whether the database answers; outages are waited out.
    pub db_health: DbHealth,
    /// One delivery of an event at a time, across workers.
    pub claims: Arc<Claims>,
    /// Pauses, circuit breakers and rate shares of Genesys and Cognigy.
    pub targets: Targets,
    /// The Genesys org.
    pub genesys: GenesysClient,
    /// The Cognigy tenant.
    pub cognigy: CognigyClient,
    /// Endpoint active/snapshot answers, cached.
    pub endpoint_status: Arc<EndpointStatusCache>,
    /// Policy settings (flows, queues, thresholds, Endpoints, templates).
    pub settings: Arc<Settings>,
    /// Confirmed publishing into the delay queues and the dead-letter exchange.
    pub publisher: Publisher,
    /// The AMQP names, delay queues included.
    pub topology: Topology,
    /// HTTP client for other targets (the CRM webhook).
    pub http: reqwest::Client,
}
