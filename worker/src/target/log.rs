//! The `target_events` history: every pause and breaker transition, for operators and the ops
//! views. Written in the background: a slow or absent database never holds up a call.

use std::time::Duration;

use chrono::Utc;
use cxrelay_core::kinds::Target;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// Writes `target_events` rows on behalf of one worker.
#[derive(Clone)]
pub struct TargetLog {
    db: PgPool,
    worker_id: Uuid,
}

impl TargetLog {
    /// A log writing with `db`, naming `worker_id` as the witness.
    pub fn new(db: PgPool, worker_id: Uuid) -> Self {
        Self { db, worker_id }
    }

    /// Records `event` (`paused`, `breaker_opened`, ...) of `target`, lasting `lasts` if known.
    pub fn record(
        &self,
        target: Target,
        event: &'static str,
        reason: Option<&'static str>,
        lasts: Option<Duration>,
        detail: Value,
    ) {
        let until = lasts
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| Utc::now() + d);
        let db = self.db.clone();
        let worker_id = self.worker_id;
        tokio::spawn(async move {
            let written = sqlx::query(
                "INSERT INTO target_events (target, worker_id, event, reason, until, detail)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(target.as_str())
            .bind(worker_id)
            .bind(event)
            .bind(reason)
            .bind(until)
            .bind(detail)
            .execute(&db)
            .await;
            if let Err(error) = written {
                tracing::warn!(%error, event, "could not record a target event");
            }
        });
    }
}
