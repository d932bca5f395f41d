//! What every event handler of a worker process shares.

use sqlx::PgPool;

use crate::genesys::GenesysClient;

/// Shared by all in-flight events of one worker process.
#[derive(Clone)]
pub struct WorkerContext {
    /// Attempt and event records.
    pub db: PgPool,
    /// The Genesys org.
    pub genesys: GenesysClient,
    /// Workflow launched for `cognigy.fallback`.
    pub fallback_flow_id: String,
}
