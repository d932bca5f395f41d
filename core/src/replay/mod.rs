//! Replay of dead events: one implementation behind `cxrelay replay` and the admin API's
//! `POST /admin/v1/replay`.
//!
//! A run selects events (by id, by a [`DeadLetterFilter`](crate::dead_letters::DeadLetterFilter),
//! or the messages of RabbitMQ's dead-letter queue), checks each against the eligibility rule
//! ([`check_eligible`]), and replays the eligible ones through the same pipeline as new events:
//! same event id, a new generation, the current settings, at a capped rate. A dry run changes
//! no event and publishes nothing. Every run writes one audit row, and every replayed event one
//! more in its own history.

mod audit;
mod candidates;
mod dlq;
mod eligibility;
mod error;
mod event;
mod payload;
mod request;
mod run;
mod summary;

pub use audit::{EVENT_ACTION, RUN_ACTION};
pub use eligibility::{check_eligible, SkipReason};
pub use error::ReplayError;
pub use payload::without_redacted_secrets;
pub use request::{Actor, ReplayRequest, RequestError, Selection, MAX_EVENT_IDS, MAX_REASON_CHARS};
pub use run::Replayer;
pub use summary::{
    NoProgress, ReplayProgress, ReplaySummary, SampleEvent, SkippedEvent, MAX_LISTED_SKIPS,
};
