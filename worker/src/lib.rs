//! cxrelay's worker: consumes the work queues, carries each event out against Genesys and
//! Cognigy, recording every call in Postgres before making it and acking only after the outcome
//! is committed. Failures are classified, then retried through the broker's delay queues within
//! each kind's deadline; targets are rate-limited, paused by `Retry-After` and guarded by a
//! circuit breaker.

pub mod app;
pub mod attempt;
pub mod broker_link;
pub mod call;
pub mod claims;
pub mod cognigy;
pub mod consumer;
pub mod context;
pub mod crm;
pub mod db_health;
pub mod genesys;
pub mod handlers;
pub mod http_client;
pub mod outcome;
pub mod process;
pub mod queue_depths;
pub mod record;
pub mod replicas;
pub mod resolution;
pub mod retention;
pub mod retry_policy;
pub mod sequencer;
pub mod sessions;
pub mod target;
pub mod verdict;
pub mod writes;

pub use app::Worker;
