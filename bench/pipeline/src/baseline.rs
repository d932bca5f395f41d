//! The drain's database baseline: the rows a drained fallback leaves (its event, final; its
//! attempt, finished; its two audit rows) written straight with sqlx, one event per
//! transaction, by as many concurrent writers as the worker has database connections. No
//! broker, no HTTP call: what the database alone costs at one commit per event.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::bodies;

/// Writes `count` events' rows into `db` with `writers` concurrent transactions; returns how
/// long it took.
pub async fn run(db: &PgPool, run: &str, count: u64, writers: usize) -> anyhow::Result<Duration> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(writers);
    for _ in 0..writers {
        let db = db.clone();
        let next = Arc::clone(&next);
        let run = run.to_owned();
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return anyhow::Ok(());
                }
                write_one(&db, &run, n).await?;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(started.elapsed())
}

/// One event's rows in one transaction, as the worker leaves a fallback that succeeded.
async fn write_one(db: &PgPool, run: &str, n: u64) -> anyhow::Result<()> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO events (id, kind, target, status, request_id, payload, result, received_at,
                             attempts, retries, generation, deadline_at, source, key_name,
                             last_http_status, last_correlation_id, finished_at)
         VALUES ($1, 'cognigy.fallback', 'genesys', 'succeeded', $2, $3, $4, $5, 1, 0, 0,
                 $5 + interval '2 minutes', 'cognigy', 'bench', 200, $6, now())",
    )
    .bind(id)
    .bind(format!("bench-{run}-{n}"))
    .bind(bodies::fallback(run, n, false))
    .bind(
        json!({"flowExecutionId": Uuid::new_v4(), "flowExecutionName": "fallback",
                 "notified": "no URLToken in the event"}),
    )
    .bind(now)
    .bind(Uuid::new_v4().to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO attempts (event_id, attempt, call_seq, target, operation, started_at,
                               finished_at, outcome, http_status, correlation_id, latency_ms)
         VALUES ($1, 1, 1, 'genesys', 'genesys.flows.executions.create', $2,
                 $2 + interval '3 milliseconds', 'success', 200, $3, 3)",
    )
    .bind(id)
    .bind(now)
    .bind(Uuid::new_v4().to_string())
    .execute(&mut *tx)
    .await?;
    for (action, detail) in [
        (
            "event.processing",
            json!({"attempt": 1, "retries": 0, "kind": "cognigy.fallback"}),
        ),
        (
            "event.succeeded",
            json!({"reason": null, "calls": 1, "lastHttpStatus": 200, "retries": 0}),
        ),
    ] {
        sqlx::query(
            "INSERT INTO audit_log (event_id, actor, action, detail) VALUES ($1, 'worker', $2, $3)",
        )
        .bind(id)
        .bind(action)
        .bind(detail)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
