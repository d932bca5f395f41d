//! Postgres writes of the worker: the event row, one attempt row per call (committed before the
//! call is made), and the event's new state with its audit rows in one transaction.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cxrelay_core::envelope::EventEnvelope;
use cxrelay_core::redact::redact_payload;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::call::CallResult;
use crate::verdict::Settlement;

/// Actor name in `audit_log` for what the worker does.
const ACTOR: &str = "worker";

/// What [`begin_event`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Begun {
    /// Carry the event out: this is delivery `number` of it, and it may not be tried after
    /// `deadline_at`.
    Started {
        /// Deliveries of the event so far, this one included (`attempts.attempt`).
        number: i32,
        /// Past this, the event expires instead of being tried.
        deadline_at: DateTime<Utc>,
    },
    /// A copy of an event that has reached a final state or has moved on to a later retry:
    /// it is counted as a repeat and not carried out.
    Stale {
        /// The event's status.
        status: String,
    },
}

/// Marks the event `processing` (creating its row on first sight, with its deadline) and
/// counts the delivery, unless the message is a stale copy: the event is final already, or
/// the message carries fewer retries than the event has had (a repeat, a redelivery).
pub async fn begin_event(
    db: &PgPool,
    envelope: &EventEnvelope,
    deadline: Duration,
) -> Result<Begun, sqlx::Error> {
    let mut tx = db.begin().await?;
    let deadline_at = envelope.received_at
        + chrono::Duration::from_std(deadline).unwrap_or(chrono::Duration::MAX);
    let started: Option<(i32, DateTime<Utc>)> = sqlx::query_as(
        "INSERT INTO events (id, kind, target, status, request_id, idempotency_key, payload,
                             received_at, attempts, retries, generation, deadline_at,
                             source, key_name)
         VALUES ($1, $2, $3, 'processing', $4, $5, $6, $7, 1, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE
            SET status = 'processing', attempts = events.attempts + 1,
                retries = EXCLUDED.retries, next_attempt_at = NULL, updated_at = now(),
                deadline_at = COALESCE(events.deadline_at, EXCLUDED.deadline_at)
          WHERE events.status NOT IN ('succeeded', 'dead', 'expired')
            AND events.generation = EXCLUDED.generation
            AND events.retries <= EXCLUDED.retries
         RETURNING attempts, deadline_at",
    )
    .bind(envelope.event_id)
    .bind(envelope.kind.as_str())
    .bind(envelope.kind.target().as_str())
    .bind(&envelope.request_id)
    .bind(&envelope.idempotency_key)
    .bind(redact_payload(&envelope.payload))
    .bind(envelope.received_at)
    .bind(i32::try_from(envelope.attempt).unwrap_or(i32::MAX))
    .bind(i32::try_from(envelope.generation).unwrap_or(i32::MAX))
    .bind(deadline_at)
    .bind(&envelope.source)
    .bind(&envelope.key_name)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((number, deadline_at)) = started else {
        let status: String = sqlx::query_scalar(
            "UPDATE events SET repeats = repeats + 1 WHERE id = $1 RETURNING status",
        )
        .bind(envelope.event_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Begun::Stale { status });
    };
    audit(
        &mut tx,
        envelope.event_id,
        "event.processing",
        json!({
            "attempt": number,
            "retries": envelope.attempt,
            "kind": envelope.kind.as_str(),
            "requestId": envelope.request_id,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(Begun::Started {
        number,
        deadline_at,
    })
}

/// The key of an attempt row. `attempts` is partitioned by `started_at`, so the row is found
/// by both: the update of its outcome then reads one partition, not every day's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct CallRow {
    /// `attempts.id`.
    pub id: i64,
    /// `attempts.started_at`, the partition key.
    pub started_at: DateTime<Utc>,
}

/// Inserts and commits the attempt row of a call about to be made, started at `started_at`;
/// returns its key.
///
/// The caller runs this again when the database went away, and the first insert may have been
/// committed with its answer lost: the row of this call (event, delivery, place in it) is then
/// taken as it is, rather than failing the delivery on the unique constraint and sending the
/// event round the broker again with an orphan row behind. The unique key of a partitioned
/// table includes the partition key, so the caller chooses `started_at` once and gives the
/// same one to every run: a second run then meets the first one's row.
pub async fn start_call(
    db: &PgPool,
    event_id: Uuid,
    attempt: i32,
    call_seq: i32,
    target: &str,
    operation: &str,
    started_at: DateTime<Utc>,
) -> Result<CallRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO attempts (event_id, attempt, call_seq, target, operation, started_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ON CONSTRAINT attempts_event_attempt_call
            DO UPDATE SET started_at = attempts.started_at
         RETURNING id, started_at",
    )
    .bind(event_id)
    .bind(attempt)
    .bind(call_seq)
    .bind(target)
    .bind(operation)
    .bind(started_at)
    .fetch_one(db)
    .await
}

/// In one transaction: the outcome of every call, the event's new state, and its audit row.
/// `delivery` is the number [`begin_event`] gave this delivery; `retries` the number of retries
/// the event has had once this settlement is recorded.
///
/// Recorded at most once per delivery: the caller runs this again when the database went away,
/// and the connection may have been lost after Postgres committed but before it said so. The
/// event row is updated only while it still shows this delivery under way; if it does not, the
/// first run committed (or a later delivery has begun) and nothing is written again, so an event
/// never gets two final audit rows.
pub async fn finish_event(
    db: &PgPool,
    event_id: Uuid,
    delivery: i32,
    calls: &[(CallRow, CallResult)],
    settlement: &Settlement,
    retries: u32,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let last = calls.last().map(|(_, call)| call);
    let status = settlement.status();
    let result = match settlement {
        Settlement::Succeeded { result } => Some(result.clone()),
        _ => None,
    };
    let delay_ms = match settlement {
        Settlement::Retrying { delay_ms, .. } => Some(*delay_ms),
        _ => None,
    };
    let updated = sqlx::query(
        "UPDATE events
            SET status = $2, result = $3, reason = $4, last_error = $5,
                last_http_status = CASE WHEN $10 THEN $6 ELSE last_http_status END,
                last_error_code = CASE WHEN $10 THEN $7 ELSE last_error_code END,
                last_correlation_id = CASE WHEN $10 THEN $11 ELSE last_correlation_id END,
                retries = $8, updated_at = now(),
                next_attempt_at = now() + make_interval(secs => $9),
                finished_at = CASE WHEN $2 = 'retrying' THEN NULL ELSE now() END
          WHERE id = $1 AND status = 'processing' AND attempts = $12",
    )
    .bind(event_id)
    .bind(status)
    .bind(&result)
    .bind(settlement.reason())
    .bind(
        settlement
            .detail()
            .map(str::to_owned)
            .or_else(|| last.and_then(|c| c.error_message.clone()))
            .filter(|_| status != "succeeded"),
    )
    .bind(last.and_then(|c| c.http_status).map(i32::from))
    .bind(last.and_then(|c| c.error_code.clone()))
    .bind(i32::try_from(retries).unwrap_or(i32::MAX))
    .bind(delay_ms.map(|ms| ms as f64 / 1_000.0))
    // A delivery without calls (expired on arrival) keeps what the last calls said.
    .bind(!calls.is_empty())
    .bind(last.and_then(|c| c.correlation_id.clone()))
    .bind(delivery)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        tracing::info!(
            delivery,
            "the outcome of this delivery is recorded already (its commit was acknowledged late) or a later delivery has begun: not recorded again"
        );
        tx.rollback().await?;
        return Ok(());
    }
    for (row, call) in calls {
        sqlx::query(
            "UPDATE attempts
                SET finished_at = started_at + make_interval(secs => $2), outcome = $3,
                    http_status = $4, error_code = $5, error_message = $6, correlation_id = $7,
                    latency_ms = $8
              WHERE id = $1 AND started_at = $9",
        )
        .bind(row.id)
        .bind((call.waited + call.latency).as_secs_f64())
        .bind(call.outcome.as_str())
        .bind(call.http_status.map(i32::from))
        .bind(&call.error_code)
        .bind(&call.error_message)
        .bind(&call.correlation_id)
        .bind(i32::try_from(call.latency.as_millis()).unwrap_or(i32::MAX))
        .bind(row.started_at)
        .execute(&mut *tx)
        .await?;
    }
    audit(
        &mut tx,
        event_id,
        &format!("event.{status}"),
        json!({
            "reason": settlement.reason(),
            "calls": calls.len(),
            "lastHttpStatus": last.and_then(|c| c.http_status),
            "correlationId": last.and_then(|c| c.correlation_id.clone()),
            "retryInMs": delay_ms,
            "retries": retries,
        }),
    )
    .await?;
    tx.commit().await
}

async fn audit(
    tx: &mut sqlx::PgConnection,
    event_id: Uuid,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (event_id, actor, action, detail) VALUES ($1, $2, $3, $4)")
        .bind(event_id)
        .bind(ACTOR)
        .bind(action)
        .bind(detail)
        .execute(tx)
        .await?;
    Ok(())
}
