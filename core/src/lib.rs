//! Shared core of cxrelay: the event envelope and kinds, configuration, telemetry, RabbitMQ
//! topology and the Postgres schema, used by the ingress, the worker, the CLI and the simulator.

pub mod amqp;
pub mod batch;
pub mod carried_secret;
pub mod config;
pub mod db;
pub mod dead_letters;
pub mod envelope;
pub mod health;
pub mod idempotency;
pub mod kinds;
pub mod metrics;
pub mod redact;
pub mod replay;
pub mod retention;
pub mod startup;
pub mod storable;
pub mod telemetry;
pub mod text_values;
pub mod validation;
