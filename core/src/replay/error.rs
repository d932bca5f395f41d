//! Why a replay could not run at all. Failures in the middle of a run do not come back as
//! errors: the run stops, says why in its summary, and is still recorded in the audit log.

use crate::amqp::PublishError;

use super::RequestError;

/// A replay that could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The request breaks a rule; the error names the field.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// Postgres could not be read or written.
    #[error("cannot read or write the database")]
    Database(#[from] sqlx::Error),
    /// The broker could not be reached or refused a publish.
    #[error("the broker cannot take the replayed events")]
    Publish(#[from] PublishError),
    /// The dead-letter queue could not be read.
    #[error("cannot read the dead-letter queue")]
    DeadLetterQueue(#[from] lapin::Error),
}
