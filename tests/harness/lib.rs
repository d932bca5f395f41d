//! Test harness of cxrelay: each test gets its own Postgres database, its own RabbitMQ prefix,
//! its own simulator, and the real ingress and worker on free ports, all in-process.

pub mod app;
pub mod broker;
pub mod crm_receiver;
pub mod database;
pub mod proxy;
pub mod wait;

pub use app::{spawn_app, AppOptions, TestApp};
pub use broker::drain_event_ids;
