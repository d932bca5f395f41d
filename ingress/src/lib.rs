//! cxrelay's ingress: authenticates and validates webhooks, makes each one durable in RabbitMQ
//! (publisher confirms) and answers 202 with its event id.

pub mod admin_auth;
pub mod app;
pub mod auth;
pub mod body;
pub mod drain;
pub mod idempotency_header;
pub mod intake;
pub mod intake_metrics;
pub mod openapi;
pub mod problem;
pub mod repeats;
pub mod routes;
pub mod state;

pub use app::Application;
