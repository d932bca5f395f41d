//! End-to-end tests: real RabbitMQ, real Postgres, the simulator over real HTTP.

// Helpers outside `#[test]` functions unwrap too: in a test binary a panic is the report.
#![allow(clippy::unwrap_used)]

mod admin_replay;
mod batched_writes;
mod bot_failure;
mod bot_session;
mod broker_outage;
mod check;
mod compose;
mod concurrency;
mod conversation_end;
mod dashboard;
mod delivery;
mod delivery_policy;
mod flow_run;
mod genesys_failures;
mod idempotency;
mod inbound_auth;
mod install_trigger;
mod intake_bodies;
mod intake_rejections;
mod metrics;
mod openapi;
mod ops_views;
mod oracles;
mod outbound_https;
mod replay;
mod replay_from_dlq;
mod replay_rules;
mod retention;
mod schema;
mod tutorial_endpoints;
mod unstorable_values;
mod virtual_agent;
