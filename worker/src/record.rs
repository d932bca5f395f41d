//! Postgres writes of the worker: the event row, one attempt row per call (committed before the
//! call is made), and the final state with its audit rows in one transaction.

use cxrelay_core::envelope::EventEnvelope;
use cxrelay_core::redact::redact_payload;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::call::CallResult;
use crate::verdict::Verdict;

/// Actor name in `audit_log` for what the worker does.
const ACTOR: &str = "worker";

/// Marks the event `processing` (creating its row on first sight) and counts the attempt.
/// `None` when the event already reached a final state: a redelivery after the outcome was
/// committed but before the ack, which must not call anyone again.
pub async fn begin_event(
    db: &PgPool,
    envelope: &EventEnvelope,
) -> Result<Option<i32>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let attempt: Option<i32> = sqlx::query_scalar(
        "INSERT INTO events (id, kind, target, status, request_id, idempotency_key, payload,
                             received_at, attempts)
         VALUES ($1, $2, $3, 'processing', $4, $5, $6, $7, 1)
         ON CONFLICT (id) DO UPDATE
            SET status = 'processing', attempts = events.attempts + 1, updated_at = now()
          WHERE events.status NOT IN ('succeeded', 'dead', 'expired')
         RETURNING attempts",
    )
    .bind(envelope.event_id)
    .bind(envelope.kind.as_str())
    .bind(envelope.kind.target().as_str())
    .bind(&envelope.request_id)
    .bind(&envelope.idempotency_key)
    .bind(redact_payload(&envelope.payload))
    .bind(envelope.received_at)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(attempt) = attempt {
        audit(
            &mut tx,
            envelope.event_id,
            "event.processing",
            json!({
                "attempt": attempt,
                "kind": envelope.kind.as_str(),
                "requestId": envelope.request_id,
            }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(attempt)
}

/// Inserts and commits the attempt row of a call about to be made; returns its id.
pub async fn start_call(
    db: &PgPool,
    event_id: Uuid,
    attempt: i32,
    call_seq: i32,
    target: &str,
    operation: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO attempts (event_id, attempt, call_seq, target, operation)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(event_id)
    .bind(attempt)
    .bind(call_seq)
    .bind(target)
    .bind(operation)
    .fetch_one(db)
    .await
}

/// In one transaction: the outcome of every call, the event's final state, and its audit row.
pub async fn finish_event(
    db: &PgPool,
    event_id: Uuid,
    calls: &[(i64, CallResult)],
    verdict: &Verdict,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for (id, call) in calls {
        sqlx::query(
            "UPDATE attempts
                SET finished_at = started_at + make_interval(secs => $2), outcome = $3,
                    http_status = $4, error_code = $5, error_message = $6, correlation_id = $7,
                    latency_ms = $8
              WHERE id = $1",
        )
        .bind(id)
        .bind(call.latency.as_secs_f64())
        .bind(call.outcome.as_str())
        .bind(call.http_status.map(i32::from))
        .bind(&call.error_code)
        .bind(&call.error_message)
        .bind(&call.correlation_id)
        .bind(i32::try_from(call.latency.as_millis()).unwrap_or(i32::MAX))
        .execute(&mut *tx)
        .await?;
    }
    let last = calls.last().map(|(_, call)| call);
    let (status, result, reason, detail) = match verdict {
        Verdict::Succeeded { result } => ("succeeded", Some(result.clone()), None, None),
        Verdict::Retry { reason, detail, .. } => {
            ("retrying", None, Some(*reason), Some(detail.clone()))
        }
        Verdict::Dead { reason, detail } => ("dead", None, Some(*reason), Some(detail.clone())),
    };
    sqlx::query(
        "UPDATE events
            SET status = $2, result = $3, reason = $4, last_error = $5, last_http_status = $6,
                last_error_code = $7, updated_at = now(),
                finished_at = CASE WHEN $2 = 'retrying' THEN NULL ELSE now() END
          WHERE id = $1",
    )
    .bind(event_id)
    .bind(status)
    .bind(&result)
    .bind(reason)
    .bind(
        detail
            .or_else(|| last.and_then(|c| c.error_message.clone()))
            .filter(|_| status != "succeeded"),
    )
    .bind(last.and_then(|c| c.http_status).map(i32::from))
    .bind(last.and_then(|c| c.error_code.clone()))
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        event_id,
        &format!("event.{status}"),
        json!({
            "reason": reason,
            "calls": calls.len(),
            "lastHttpStatus": last.and_then(|c| c.http_status),
            "correlationId": last.and_then(|c| c.correlation_id.clone()),
            "retryInMs": match verdict {
                Verdict::Retry { delay_ms, .. } => Some(*delay_ms),
                _ => None,
            },
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
