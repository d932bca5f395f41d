//! Postgres writes of the worker: the event row, one attempt row per call (committed before the
//! call is made), and the event's new state with its audit rows in one transaction.
//!
//! Each write is described by a value ([`NewDelivery`], [`StartCall`], [`Finish`]) so that it
//! can be made alone (this module) or together with other events' writes of the same step
//! ([`batched`], through [`crate::writes::Writes`]). Both give the same rows.

/// The conflict clause of an event's start, for [`begin_event`] and [`batched::begin_events`]:
/// a known event starts its next delivery unless it is final, was replayed into another
/// generation, or the message carries fewer retries than the event has had (a stale copy).
macro_rules! begin_on_conflict {
    () => {
        " ON CONFLICT (id) DO UPDATE
            SET status = 'processing', attempts = events.attempts + 1,
                retries = EXCLUDED.retries, next_attempt_at = NULL, updated_at = now(),
                deadline_at = COALESCE(events.deadline_at, EXCLUDED.deadline_at)
          WHERE events.status NOT IN ('succeeded', 'dead', 'expired')
            AND events.generation = EXCLUDED.generation
            AND events.retries <= EXCLUDED.retries"
    };
}

pub mod batched;
pub mod refused;

use std::time::Duration;

use chrono::{DateTime, Utc};
use cxrelay_core::envelope::EventEnvelope;
use cxrelay_core::redact::redact_payload;
use cxrelay_core::storable::{storable_json, storable_option};
use serde_json::{json, Value};
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
    /// Postgres refused a value of the event: it is recorded dead (`database_refused`, see
    /// [`refused`]) and not carried out.
    Refused {
        /// The event's `last_error`.
        detail: String,
    },
}

/// The event row of a delivery about to begin, as [`begin_event`] writes it.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// `events.id`.
    pub event_id: Uuid,
    /// `events.kind`.
    pub kind: &'static str,
    /// `events.target`.
    pub target: &'static str,
    /// `events.request_id`.
    pub request_id: Option<String>,
    /// `events.idempotency_key`.
    pub idempotency_key: Option<String>,
    /// The payload with its secrets redacted, as JSON text: copied cheaply between a write's
    /// retries and its batch, and parsed once, by Postgres, into `jsonb`.
    pub payload: String,
    /// When the ingress accepted the event.
    pub received_at: DateTime<Utc>,
    /// Retries the message carries.
    pub retries: i32,
    /// Replay generation the message carries.
    pub generation: i32,
    /// The deadline of a first sighting; an event keeps the one it was first given.
    pub deadline_at: DateTime<Utc>,
    /// Inbound source that sent it.
    pub source: Option<String>,
    /// Name of the key it was sent with.
    pub key_name: Option<String>,
}

impl NewDelivery {
    /// The row of `envelope`, whose kind may not be tried later than `deadline` after it was
    /// received.
    pub fn of(envelope: &EventEnvelope, deadline: Duration) -> Self {
        Self {
            event_id: envelope.event_id,
            kind: envelope.kind.as_str(),
            target: envelope.kind.target().as_str(),
            request_id: envelope.request_id.clone(),
            idempotency_key: envelope.idempotency_key.clone(),
            payload: redact_payload(&envelope.payload).to_string(),
            received_at: envelope.received_at,
            retries: i32::try_from(envelope.attempt).unwrap_or(i32::MAX),
            generation: i32::try_from(envelope.generation).unwrap_or(i32::MAX),
            deadline_at: envelope.received_at
                + chrono::Duration::from_std(deadline).unwrap_or(chrono::Duration::MAX),
            source: envelope.source.clone(),
            key_name: envelope.key_name.clone(),
        }
    }

    /// The `event.processing` audit row's detail for delivery `number`.
    fn audit_detail(&self, number: i32) -> Value {
        json!({
            "attempt": number,
            "retries": self.retries,
            "kind": self.kind,
            "requestId": self.request_id,
        })
    }
}

/// Marks the event `processing` (creating its row on first sight, with its deadline) and
/// counts the delivery, unless the message is a stale copy: the event is final already, or
/// the message carries fewer retries than the event has had (a repeat, a redelivery).
pub async fn begin_event(db: &PgPool, delivery: &NewDelivery) -> Result<Begun, sqlx::Error> {
    let mut tx = db.begin().await?;
    let started: Option<(i32, DateTime<Utc>)> = sqlx::query_as(concat!(
        "INSERT INTO events (id, kind, target, status, request_id, idempotency_key, payload,
                             received_at, attempts, retries, generation, deadline_at,
                             source, key_name)
         VALUES ($1, $2, $3, 'processing', $4, $5, $6::text::jsonb, $7, 1, $8, $9, $10, $11,
                 $12)",
        begin_on_conflict!(),
        " RETURNING attempts, deadline_at"
    ))
    .bind(delivery.event_id)
    .bind(delivery.kind)
    .bind(delivery.target)
    .bind(&delivery.request_id)
    .bind(&delivery.idempotency_key)
    .bind(&delivery.payload)
    .bind(delivery.received_at)
    .bind(delivery.retries)
    .bind(delivery.generation)
    .bind(delivery.deadline_at)
    .bind(&delivery.source)
    .bind(&delivery.key_name)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((number, deadline_at)) = started else {
        return stale(tx, delivery.event_id).await;
    };
    audit(
        &mut tx,
        delivery.event_id,
        "event.processing",
        delivery.audit_detail(number),
    )
    .await?;
    tx.commit().await?;
    Ok(Begun::Started {
        number,
        deadline_at,
    })
}

/// Counts a stale copy of `event_id` as a repeat and commits: what [`begin_event`] (and
/// [`refused::begin_refused`]) answer for a copy they did not start.
async fn stale(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    event_id: Uuid,
) -> Result<Begun, sqlx::Error> {
    let status: String = sqlx::query_scalar(
        "UPDATE events SET repeats = repeats + 1 WHERE id = $1 RETURNING status",
    )
    .bind(event_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Begun::Stale { status })
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

/// The attempt row of a call about to be made.
#[derive(Debug, Clone)]
pub struct StartCall {
    /// The event the call is made for.
    pub event_id: Uuid,
    /// Which delivery of the event (`attempts.attempt`).
    pub attempt: i32,
    /// The call's place in the delivery, from 1.
    pub call_seq: i32,
    /// `genesys`, `cognigy` or `crm`.
    pub target: String,
    /// The operation's name (`launchFlow`, `notify`, ...).
    pub operation: String,
    /// Chosen once by the caller: see [`start_call`].
    pub started_at: DateTime<Utc>,
}

/// Inserts and commits the attempt row of a call about to be made; returns its key.
///
/// The caller runs this again when the database went away, and the first insert may have been
/// committed with its answer lost: the row of this call (event, delivery, place in it) is then
/// taken as it is, rather than failing the delivery on the unique constraint and sending the
/// event round the broker again with an orphan row behind. The unique key of a partitioned
/// table includes the partition key, so the caller chooses `started_at` once and gives the
/// same one to every run: a second run then meets the first one's row.
pub async fn start_call(db: &PgPool, call: &StartCall) -> Result<CallRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO attempts (event_id, attempt, call_seq, target, operation, started_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ON CONSTRAINT attempts_event_attempt_call
            DO UPDATE SET started_at = attempts.started_at
         RETURNING id, started_at",
    )
    .bind(call.event_id)
    .bind(call.attempt)
    .bind(call.call_seq)
    .bind(&call.target)
    .bind(&call.operation)
    .bind(call.started_at)
    .fetch_one(db)
    .await
}

/// The outcome of one call, as its attempt row records it.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// The row.
    pub row: CallRow,
    /// From the row's start to the end of the call, in seconds.
    pub seconds: f64,
    /// `attempts.outcome`.
    pub outcome: &'static str,
    /// The answer's status, when one came.
    pub http_status: Option<i32>,
    /// The platform's error code.
    pub error_code: Option<String>,
    /// The platform's error message, or the transport error.
    pub error_message: Option<String>,
    /// Genesys `ININ-Correlation-Id` or Cognigy `traceId`.
    pub correlation_id: Option<String>,
    /// Time from sending to the full answer.
    pub latency_ms: i32,
}

/// The end of a delivery: the event's new state, each call's outcome and the audit row, as
/// [`finish_event`] writes them.
#[derive(Debug, Clone)]
pub struct Finish {
    /// The event.
    pub event_id: Uuid,
    /// The number [`begin_event`] gave this delivery: written only while it is the event's.
    pub delivery: i32,
    /// `events.status`.
    pub status: &'static str,
    /// `events.result` of a success.
    pub result: Option<Value>,
    /// `events.reason`.
    pub reason: Option<&'static str>,
    /// `events.last_error`.
    pub last_error: Option<String>,
    /// True when the delivery made calls: a delivery without any (expired on arrival) keeps
    /// what the last calls said.
    pub has_calls: bool,
    /// The reported call's status, code and correlation id.
    pub last_http_status: Option<i32>,
    /// See `last_http_status`.
    pub last_error_code: Option<String>,
    /// See `last_http_status`.
    pub last_correlation_id: Option<String>,
    /// Retries the event has had once this is recorded.
    pub retries: i32,
    /// Seconds until the retry, for `next_attempt_at`.
    pub retry_in_secs: Option<f64>,
    /// One per call of the delivery.
    pub calls: Vec<CallOutcome>,
    /// The audit row's action (`event.succeeded`, ...).
    pub audit_action: String,
    /// The audit row's detail.
    pub audit_detail: Value,
}

impl Finish {
    /// The end of delivery `delivery` of `event_id`: its `calls` (the reported one last), the
    /// `settlement`, and the retries the event has had once it is recorded.
    pub fn of(
        event_id: Uuid,
        delivery: i32,
        calls: &[(CallRow, CallResult)],
        settlement: &Settlement,
        retries: u32,
    ) -> Self {
        let last = calls.last().map(|(_, call)| call);
        let status = settlement.status();
        let retry_in_ms = match settlement {
            Settlement::Retrying { delay_ms, .. } => Some(*delay_ms),
            _ => None,
        };
        let last_http_status = last.and_then(|c| c.http_status);
        // What the vendors said is stored as Postgres can hold it (cxrelay_core::storable): a
        // NUL character in an answer must not make the outcome of a call made unrecordable.
        let last_correlation_id = last.and_then(|c| storable_option(c.correlation_id.as_deref()));
        Self {
            event_id,
            delivery,
            status,
            result: match settlement {
                Settlement::Succeeded { result } => Some(storable_json(result).into_owned()),
                _ => None,
            },
            reason: settlement.reason(),
            last_error: storable_option(
                settlement
                    .detail()
                    .or_else(|| last.and_then(|c| c.error_message.as_deref())),
            )
            .filter(|_| status != "succeeded"),
            has_calls: !calls.is_empty(),
            last_http_status: last_http_status.map(i32::from),
            last_error_code: last.and_then(|c| storable_option(c.error_code.as_deref())),
            last_correlation_id: last_correlation_id.clone(),
            retries: i32::try_from(retries).unwrap_or(i32::MAX),
            retry_in_secs: retry_in_ms.map(|ms| ms as f64 / 1_000.0),
            calls: calls
                .iter()
                .map(|(row, call)| CallOutcome {
                    row: *row,
                    seconds: (call.waited + call.latency).as_secs_f64(),
                    outcome: call.outcome.as_str(),
                    http_status: call.http_status.map(i32::from),
                    error_code: storable_option(call.error_code.as_deref()),
                    error_message: storable_option(call.error_message.as_deref()),
                    correlation_id: storable_option(call.correlation_id.as_deref()),
                    latency_ms: i32::try_from(call.latency.as_millis()).unwrap_or(i32::MAX),
                })
                .collect(),
            audit_action: format!("event.{status}"),
            audit_detail: json!({
                "reason": settlement.reason(),
                "calls": calls.len(),
                "lastHttpStatus": last_http_status,
                "correlationId": last_correlation_id,
                "retryInMs": retry_in_ms,
                "retries": retries,
            }),
        }
    }
}

/// In one transaction: the outcome of every call, the event's new state, and its audit row.
///
/// Recorded at most once per delivery: the caller runs this again when the database went away,
/// and the connection may have been lost after Postgres committed but before it said so. The
/// event row is updated only while it still shows this delivery under way; if it does not, the
/// first run committed (or a later delivery has begun) and nothing is written again, so an event
/// never gets two final audit rows.
pub async fn finish_event(db: &PgPool, finish: &Finish) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
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
    .bind(finish.event_id)
    .bind(finish.status)
    .bind(&finish.result)
    .bind(finish.reason)
    .bind(&finish.last_error)
    .bind(finish.last_http_status)
    .bind(&finish.last_error_code)
    .bind(finish.retries)
    .bind(finish.retry_in_secs)
    .bind(finish.has_calls)
    .bind(&finish.last_correlation_id)
    .bind(finish.delivery)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        not_recorded_again(finish);
        tx.rollback().await?;
        return Ok(());
    }
    for call in &finish.calls {
        sqlx::query(
            "UPDATE attempts
                SET finished_at = started_at + make_interval(secs => $2), outcome = $3,
                    http_status = $4, error_code = $5, error_message = $6, correlation_id = $7,
                    latency_ms = $8
              WHERE id = $1 AND started_at = $9",
        )
        .bind(call.row.id)
        .bind(call.seconds)
        .bind(call.outcome)
        .bind(call.http_status)
        .bind(&call.error_code)
        .bind(&call.error_message)
        .bind(&call.correlation_id)
        .bind(call.latency_ms)
        .bind(call.row.started_at)
        .execute(&mut *tx)
        .await?;
    }
    audit(
        &mut tx,
        finish.event_id,
        &finish.audit_action,
        finish.audit_detail.clone(),
    )
    .await?;
    tx.commit().await
}

/// Logs that a delivery's outcome was found recorded already.
fn not_recorded_again(finish: &Finish) {
    tracing::info!(
        event_id = %finish.event_id,
        delivery = finish.delivery,
        "the outcome of this delivery is recorded already (its commit was acknowledged late) or a later delivery has begun: not recorded again"
    );
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
