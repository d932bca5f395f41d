//! Test harness of cxrelay: each test gets its own Postgres database, its own RabbitMQ prefix,
//! its own simulator, and the real ingress and worker on free ports: in-process
//! ([`spawn_app`]), or as the real binaries in child processes ([`ProcessPipeline`]) for
//! tests that kill, stop or cut them off.

pub mod app;
pub mod broker;
pub mod cleanup;
pub mod cli;
pub mod contract;
pub mod crm_receiver;
pub mod database;
pub mod metrics_text;
pub mod processes;
pub mod proxy;
pub mod reconcile;
pub mod wait;

pub use app::{spawn_app, AppOptions, TestApp};
pub use broker::drain_event_ids;
pub use metrics_text::metric_sum;
pub use processes::{BrokerProxies, PipelineOptions, ProcessPipeline};
pub use reconcile::{reconcile, Reconciliation};
