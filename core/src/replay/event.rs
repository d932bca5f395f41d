//! Replaying one event, so that it interlocks with the worker's rule.
//!
//! The worker carries a message out only if the event is not final, the message's generation
//! equals `events.generation` and its retry count is not behind `events.retries`
//! (`begin_event`); any other copy is stale and dropped. A replay therefore, in ONE transaction:
//!
//! 1. locks the event row (`FOR UPDATE`) and checks it is still eligible (see
//!    [`check_eligible`](super::check_eligible)), so two replays, or a replay and a worker, never
//!    both act on the same state;
//! 2. starts a new generation: `retrying`, `generation + 1`, `retries = 0`, reason `replayed`,
//!    due now, not finished, and a deadline counted from now with the kind's deadline in the
//!    current settings (the one from intake has long passed);
//! 3. writes the event's `event.replayed` audit row;
//! 4. publishes the envelope (same event id, the new generation, attempt 0) and waits for the
//!    broker's confirm;
//! 5. commits only after the confirm.
//!
//! A worker fast enough to take the message before the commit blocks on the row lock in
//! `begin_event` until the commit, and then sees the new generation: the message is carried out
//! once. If the publish fails, the transaction rolls back and nothing changed. If the commit
//! fails after the confirm, the queued message carries a generation the row does not have, so
//! the worker drops it as stale: the event stays dead, never half-replayed.

use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::audit;
use super::payload::without_redacted_secrets;
use super::{check_eligible, Actor, SkipReason};
use crate::amqp::{PublishError, Publisher};
use crate::config::DeadlineSettings;
use crate::envelope::{EventEnvelope, QueueMessage};
use crate::kinds::EventKind;

/// What every event of one run shares.
pub(crate) struct RunContext<'a> {
    /// The record.
    pub db: &'a PgPool,
    /// Confirmed publishing to the events exchange.
    pub publisher: &'a Publisher,
    /// The current deadlines, per kind.
    pub deadlines: &'a DeadlineSettings,
    /// The run's id, in every audit row it writes.
    pub replay_id: Uuid,
    /// Who asked.
    pub actor: &'a Actor,
    /// Why.
    pub reason: &'a str,
    /// Replay events that were replayed before and are not dead again.
    pub force: bool,
    /// Where the run took the event from (`events`, `dead-letter-queue`).
    pub source: &'static str,
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventOutcome {
    /// Published in a new generation.
    Replayed {
        /// The event's generation now.
        generation: i32,
        /// Redacted secret fields left out of the payload.
        secrets_removed: Vec<String>,
    },
    /// Not replayed.
    Skipped(SkipReason),
}

/// Why one event's replay failed; the run stops on it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EventError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the broker did not take it: {0}")]
    Publish(#[from] PublishError),
}

/// The event row as a replay needs it.
#[derive(sqlx::FromRow)]
struct StoredEvent {
    kind: String,
    status: String,
    reason: Option<String>,
    generation: i32,
    payload: Value,
    /// The payload exactly as it came, when Postgres refused to store it as `jsonb`.
    payload_raw: Option<Vec<u8>>,
    received_at: chrono::DateTime<chrono::Utc>,
    request_id: Option<String>,
    idempotency_key: Option<String>,
    source: Option<String>,
    key_name: Option<String>,
}

impl StoredEvent {
    /// The payload to send again: as it came when Postgres could not store it as `jsonb`
    /// (`database_refused`: each NUL became U+FFFD in `payload`), else as stored.
    fn sent_payload(&self) -> Value {
        self.payload_raw
            .as_deref()
            .and_then(|raw| serde_json::from_slice(raw).ok())
            .unwrap_or_else(|| self.payload.clone())
    }
}

/// Replays event `event_id` if it is eligible (see the module documentation).
pub(crate) async fn replay_event(
    run: &RunContext<'_>,
    event_id: Uuid,
) -> Result<EventOutcome, EventError> {
    let mut tx = run.db.begin().await?;
    // The lock is held until commit or rollback: a worker's begin_event on this event waits.
    let stored: Option<StoredEvent> = sqlx::query_as(
        "SELECT kind, status, reason, generation, payload, payload_raw, received_at, request_id,
                idempotency_key, source, key_name
           FROM events WHERE id = $1 FOR UPDATE",
    )
    .bind(event_id)
    .fetch_optional(&mut *tx)
    .await?;
    // Returning early drops the transaction, which rolls it back and releases the lock.
    let Some(stored) = stored else {
        return Ok(EventOutcome::Skipped(SkipReason::NotFound));
    };
    if let Err(why) = check_eligible(&stored.status, stored.generation, run.force) {
        return Ok(EventOutcome::Skipped(why));
    }
    let Ok(kind) = serde_json::from_value::<EventKind>(Value::String(stored.kind.clone())) else {
        return Ok(EventOutcome::Skipped(SkipReason::UnknownKind));
    };
    let deadline = run.deadlines.of(kind);
    let generation: i32 = sqlx::query_scalar(
        "UPDATE events
            SET status = 'retrying', generation = generation + 1, retries = 0,
                reason = 'replayed', next_attempt_at = now(), finished_at = NULL,
                deadline_at = now() + make_interval(secs => $2), updated_at = now()
          WHERE id = $1
      RETURNING generation",
    )
    .bind(event_id)
    .bind(deadline.as_secs_f64())
    .fetch_one(&mut *tx)
    .await?;
    let (payload, secrets_removed) = without_redacted_secrets(&stored.sent_payload());
    audit::event_replayed(
        &mut tx,
        run,
        event_id,
        audit::Replayed {
            generation,
            previous_status: &stored.status,
            previous_reason: stored.reason.as_deref(),
            secrets_removed: &secrets_removed,
            fresh: false,
        },
    )
    .await?;
    let envelope = EventEnvelope {
        event_id,
        kind,
        received_at: stored.received_at,
        request_id: stored.request_id,
        idempotency_key: stored.idempotency_key,
        attempt: 0,
        generation: u32::try_from(generation).unwrap_or(u32::MAX),
        // Who sent it first stays on the event; the replay's actor is in the audit log.
        source: stored.source,
        key_name: stored.key_name,
        payload,
    };
    publish(run.publisher, &envelope).await?;
    tx.commit().await?;
    Ok(EventOutcome::Replayed {
        generation,
        secrets_removed,
    })
}

/// Delivers an envelope whose event was never recorded (a message of the dead-letter queue
/// that no worker could begin) as a new event: attempt 0, its generation as it was. There is
/// no row to lock; the worker creates it.
pub(crate) async fn deliver_fresh(
    run: &RunContext<'_>,
    mut envelope: EventEnvelope,
) -> Result<(), EventError> {
    envelope.attempt = 0;
    publish(run.publisher, &envelope).await?;
    let mut conn = run.db.acquire().await?;
    audit::event_replayed(
        &mut conn,
        run,
        envelope.event_id,
        audit::Replayed {
            generation: i32::try_from(envelope.generation).unwrap_or(i32::MAX),
            previous_status: "unrecorded",
            previous_reason: None,
            secrets_removed: &[],
            fresh: true,
        },
    )
    .await?;
    Ok(())
}

async fn publish(publisher: &Publisher, envelope: &EventEnvelope) -> Result<(), PublishError> {
    let body = QueueMessage::current(envelope.clone()).to_bytes();
    publisher
        .publish_confirmed(
            envelope.kind.as_str(),
            &body,
            &envelope.event_id.to_string(),
        )
        .await
}
