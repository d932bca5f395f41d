//! The writes of [`super`] for many events at once: each step of a batch is one statement over
//! arrays (`unnest`), and the batch is one transaction, so a batch of 100 deliveries costs the
//! database one commit instead of 100. The rows written are the ones the single writes give.
//!
//! Each function takes writes of distinct events (at most one per event id):
//! [`crate::writes::Writes`] makes a batch that has two writes of one event one by one instead.
//!
//! The updates that join a table to the arrays are not prepared statements
//! (`.persistent(false)`): Postgres plans each with the batch it is given. A prepared one
//! switches to a generic plan after five runs, made for an array of ten and for the table as
//! it was then; planned on an empty table (a new deployment, a benchmark) that plan hashes the
//! arrays and reads the whole table, and it stays cached on the connection while the table
//! grows. In `scripts/bench-drain` the outcome update read all of the day's attempts for each
//! batch (495 scans, 12 million rows, for 55,000 events); planned per batch it looks each row
//! up by its key, at about 0.5 ms of planning a batch.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::{not_recorded_again, Begun, CallRow, Finish, NewDelivery, StartCall, ACTOR};

/// [`super::begin_event`] for each delivery, in one transaction; the answers are in the order
/// of `deliveries`.
pub async fn begin_events(
    db: &PgPool,
    deliveries: &[NewDelivery],
) -> Result<Vec<Begun>, sqlx::Error> {
    let column =
        |f: fn(&NewDelivery) -> Option<String>| deliveries.iter().map(f).collect::<Vec<_>>();
    let mut tx = db.begin().await?;
    let started: Vec<(Uuid, i32, DateTime<Utc>)> = sqlx::query_as(concat!(
        "INSERT INTO events (id, kind, target, status, request_id, idempotency_key, payload,
                             received_at, attempts, retries, generation, deadline_at,
                             source, key_name)
         SELECT id, kind, target, 'processing', request_id, idempotency_key, payload::jsonb,
                received_at, 1, retries, generation, deadline_at, source, key_name
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::timestamptz[], $8::int4[], $9::int4[], $10::timestamptz[],
                       $11::text[], $12::text[])
                AS u(id, kind, target, request_id, idempotency_key, payload, received_at,
                     retries, generation, deadline_at, source, key_name)",
        begin_on_conflict!(),
        " RETURNING id, attempts, deadline_at"
    ))
    .bind(deliveries.iter().map(|d| d.event_id).collect::<Vec<_>>())
    .bind(deliveries.iter().map(|d| d.kind).collect::<Vec<_>>())
    .bind(deliveries.iter().map(|d| d.target).collect::<Vec<_>>())
    .bind(column(|d| d.request_id.clone()))
    .bind(column(|d| d.idempotency_key.clone()))
    .bind(
        deliveries
            .iter()
            .map(|d| d.payload.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(deliveries.iter().map(|d| d.received_at).collect::<Vec<_>>())
    .bind(deliveries.iter().map(|d| d.retries).collect::<Vec<_>>())
    .bind(deliveries.iter().map(|d| d.generation).collect::<Vec<_>>())
    .bind(deliveries.iter().map(|d| d.deadline_at).collect::<Vec<_>>())
    .bind(column(|d| d.source.clone()))
    .bind(column(|d| d.key_name.clone()))
    .fetch_all(&mut *tx)
    .await?;
    let started: HashMap<Uuid, (i32, DateTime<Utc>)> = started
        .into_iter()
        .map(|(id, number, deadline_at)| (id, (number, deadline_at)))
        .collect();
    let stale: Vec<Uuid> = deliveries
        .iter()
        .map(|d| d.event_id)
        .filter(|id| !started.contains_key(id))
        .collect();
    let stale: HashMap<Uuid, String> = if stale.is_empty() {
        HashMap::new()
    } else {
        sqlx::query_as(
            "UPDATE events e SET repeats = e.repeats + 1
               FROM unnest($1::uuid[]) AS u(id)
              WHERE e.id = u.id
             RETURNING e.id, e.status",
        )
        .persistent(false)
        .bind(&stale)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect()
    };
    let mut begun = Vec::with_capacity(deliveries.len());
    let mut audited = (Vec::new(), Vec::new());
    for delivery in deliveries {
        if let Some(&(number, deadline_at)) = started.get(&delivery.event_id) {
            audited.0.push(delivery.event_id);
            audited.1.push(delivery.audit_detail(number));
            begun.push(Begun::Started {
                number,
                deadline_at,
            });
        } else {
            let Some(status) = stale.get(&delivery.event_id) else {
                // Neither inserted, updated nor found: cannot be, short of a concurrent delete.
                return Err(sqlx::Error::RowNotFound);
            };
            begun.push(Begun::Stale {
                status: status.clone(),
            });
        }
    }
    audit_many(&mut tx, &audited.0, "event.processing", &audited.1).await?;
    tx.commit().await?;
    Ok(begun)
}

/// [`super::start_call`] for each call, in one statement; the keys are in the order of `calls`.
pub async fn start_calls(db: &PgPool, calls: &[StartCall]) -> Result<Vec<CallRow>, sqlx::Error> {
    let rows: Vec<(Uuid, i32, i32, i64, DateTime<Utc>)> = sqlx::query_as(
        "INSERT INTO attempts (event_id, attempt, call_seq, target, operation, started_at)
         SELECT * FROM unnest($1::uuid[], $2::int4[], $3::int4[], $4::text[], $5::text[],
                              $6::timestamptz[])
         ON CONFLICT ON CONSTRAINT attempts_event_attempt_call
            DO UPDATE SET started_at = attempts.started_at
         RETURNING event_id, attempt, call_seq, id, started_at",
    )
    .bind(calls.iter().map(|c| c.event_id).collect::<Vec<_>>())
    .bind(calls.iter().map(|c| c.attempt).collect::<Vec<_>>())
    .bind(calls.iter().map(|c| c.call_seq).collect::<Vec<_>>())
    .bind(calls.iter().map(|c| c.target.as_str()).collect::<Vec<_>>())
    .bind(
        calls
            .iter()
            .map(|c| c.operation.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(calls.iter().map(|c| c.started_at).collect::<Vec<_>>())
    .fetch_all(db)
    .await?;
    let rows: HashMap<(Uuid, i32, i32), CallRow> = rows
        .into_iter()
        .map(|(event_id, attempt, call_seq, id, started_at)| {
            ((event_id, attempt, call_seq), CallRow { id, started_at })
        })
        .collect();
    calls
        .iter()
        .map(|c| {
            rows.get(&(c.event_id, c.attempt, c.call_seq))
                .copied()
                .ok_or(sqlx::Error::RowNotFound)
        })
        .collect()
}

/// [`super::finish_event`] for each delivery, in one transaction. A delivery whose outcome is
/// recorded already (or that a later delivery replaced) is skipped, as alone.
pub async fn finish_events(db: &PgPool, finishes: &[Finish]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let updated: HashSet<Uuid> = sqlx::query_scalar(
        "UPDATE events e
            SET status = u.status, result = u.result, reason = u.reason,
                last_error = u.last_error,
                last_http_status = CASE WHEN u.has_calls THEN u.http_status
                                        ELSE e.last_http_status END,
                last_error_code = CASE WHEN u.has_calls THEN u.error_code
                                       ELSE e.last_error_code END,
                last_correlation_id = CASE WHEN u.has_calls THEN u.correlation_id
                                           ELSE e.last_correlation_id END,
                retries = u.retries, updated_at = now(),
                next_attempt_at = now() + make_interval(secs => u.retry_in_secs),
                finished_at = CASE WHEN u.status = 'retrying' THEN NULL ELSE now() END
           FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::text[], $6::int4[],
                       $7::text[], $8::text[], $9::int4[], $10::float8[], $11::bool[],
                       $12::int4[])
                AS u(id, status, result, reason, last_error, http_status, error_code,
                     correlation_id, retries, retry_in_secs, has_calls, delivery)
          WHERE e.id = u.id AND e.status = 'processing' AND e.attempts = u.delivery
         RETURNING e.id",
    )
    .persistent(false)
    .bind(finishes.iter().map(|f| f.event_id).collect::<Vec<_>>())
    .bind(finishes.iter().map(|f| f.status).collect::<Vec<_>>())
    .bind(
        finishes
            .iter()
            .map(|f| f.result.clone())
            .collect::<Vec<Option<Value>>>(),
    )
    .bind(finishes.iter().map(|f| f.reason).collect::<Vec<_>>())
    .bind(
        finishes
            .iter()
            .map(|f| f.last_error.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        finishes
            .iter()
            .map(|f| f.last_http_status)
            .collect::<Vec<_>>(),
    )
    .bind(
        finishes
            .iter()
            .map(|f| f.last_error_code.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        finishes
            .iter()
            .map(|f| f.last_correlation_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind(finishes.iter().map(|f| f.retries).collect::<Vec<_>>())
    .bind(finishes.iter().map(|f| f.retry_in_secs).collect::<Vec<_>>())
    .bind(finishes.iter().map(|f| f.has_calls).collect::<Vec<_>>())
    .bind(finishes.iter().map(|f| f.delivery).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let recorded: Vec<&Finish> = finishes
        .iter()
        .filter(|f| {
            let now = updated.contains(&f.event_id);
            if !now {
                not_recorded_again(f);
            }
            now
        })
        .collect();
    let calls: Vec<_> = recorded.iter().flat_map(|f| &f.calls).collect();
    if !calls.is_empty() {
        // `attempts` is partitioned by started_at: the join on (id, started_at) lets Postgres
        // look each row up in its own partition's primary key.
        sqlx::query(
            "UPDATE attempts a
                SET finished_at = a.started_at + make_interval(secs => u.seconds),
                    outcome = u.outcome, http_status = u.http_status, error_code = u.error_code,
                    error_message = u.error_message, correlation_id = u.correlation_id,
                    latency_ms = u.latency_ms
               FROM unnest($1::int8[], $2::timestamptz[], $3::float8[], $4::text[], $5::int4[],
                           $6::text[], $7::text[], $8::text[], $9::int4[])
                    AS u(id, started_at, seconds, outcome, http_status, error_code,
                         error_message, correlation_id, latency_ms)
              WHERE a.id = u.id AND a.started_at = u.started_at",
        )
        .persistent(false)
        .bind(calls.iter().map(|c| c.row.id).collect::<Vec<_>>())
        .bind(calls.iter().map(|c| c.row.started_at).collect::<Vec<_>>())
        .bind(calls.iter().map(|c| c.seconds).collect::<Vec<_>>())
        .bind(calls.iter().map(|c| c.outcome).collect::<Vec<_>>())
        .bind(calls.iter().map(|c| c.http_status).collect::<Vec<_>>())
        .bind(
            calls
                .iter()
                .map(|c| c.error_code.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            calls
                .iter()
                .map(|c| c.error_message.clone())
                .collect::<Vec<_>>(),
        )
        .bind(
            calls
                .iter()
                .map(|c| c.correlation_id.clone())
                .collect::<Vec<_>>(),
        )
        .bind(calls.iter().map(|c| c.latency_ms).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    }
    let ids: Vec<Uuid> = recorded.iter().map(|f| f.event_id).collect();
    let actions: Vec<&str> = recorded.iter().map(|f| f.audit_action.as_str()).collect();
    let details: Vec<Value> = recorded.iter().map(|f| f.audit_detail.clone()).collect();
    if !ids.is_empty() {
        sqlx::query(
            "INSERT INTO audit_log (event_id, actor, action, detail)
             SELECT id, $2, action, detail
               FROM unnest($1::uuid[], $3::text[], $4::jsonb[]) AS u(id, action, detail)",
        )
        .bind(&ids)
        .bind(ACTOR)
        .bind(&actions)
        .bind(&details)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// One audit row per event, all with `action`.
async fn audit_many(
    tx: &mut sqlx::PgConnection,
    event_ids: &[Uuid],
    action: &str,
    details: &[Value],
) -> Result<(), sqlx::Error> {
    if event_ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO audit_log (event_id, actor, action, detail)
         SELECT id, $2, $3, detail FROM unnest($1::uuid[], $4::jsonb[]) AS u(id, detail)",
    )
    .bind(event_ids)
    .bind(ACTOR)
    .bind(action)
    .bind(details)
    .execute(tx)
    .await?;
    Ok(())
}
