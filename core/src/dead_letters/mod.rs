//! Dead letters: Postgres is their store of record. Every event that ended `dead` or `expired`
//! keeps its row (payload with secrets redacted, kind, target, reason class, last HTTP status,
//! error code and correlation id, attempts); RabbitMQ's dead-letter queue holds only what could
//! not be recorded (undecodable messages, messages over the delivery limit).

mod filter;
mod listing;
mod time_bound;

pub use filter::DeadLetterFilter;
pub use listing::{list_dead_letters, DeadLetter, DeadLetterReport, DEAD_LETTER_STATUSES};
pub use time_bound::{parse_time_bound, AGE_PATTERN};
