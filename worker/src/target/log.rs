//! The `target_events` history: every pause and breaker transition, for operators and the ops
//! views. Written in the background: a slow or absent database never holds up a call. It is
//! also how a pause reaches the other workers: a `Retry-After` is the target's word to every
//! client of the org, not only to the worker it happened to answer.

use std::time::Duration;

use chrono::Utc;
use cxrelay_core::kinds::Target;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// How far back [`TargetLog::pauses_of_others`] looks for pauses still running: longer than any
/// `Retry-After` a target sends (a daily quota), and a bound that keeps the read on the `at`
/// index however long the history grows.
const PAUSE_LOOKBACK_SECS: f64 = 86_400.0;

/// A pause that another worker recorded and that is not over yet.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedPause {
    /// The target's name (`genesys`, `cognigy`).
    pub target: String,
    /// Time left, by the database's clock.
    pub left: Duration,
    /// `rate_limited` or `quota`.
    pub reason: Option<String>,
}

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

    /// The longest pause of each target that another worker recorded and that is still running.
    pub async fn pauses_of_others(&self) -> Result<Vec<RecordedPause>, sqlx::Error> {
        let rows: Vec<(String, Option<String>, f64)> = sqlx::query_as(
            "SELECT DISTINCT ON (target) target, reason,
                    extract(epoch FROM until - now())::float8
               FROM target_events
              WHERE event = 'paused' AND until > now() AND worker_id IS DISTINCT FROM $1
                AND at > now() - make_interval(secs => $2)
              ORDER BY target, until DESC",
        )
        .bind(self.worker_id)
        .bind(PAUSE_LOOKBACK_SECS)
        .fetch_all(&self.db)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(target, reason, left_secs)| RecordedPause {
                target,
                left: Duration::try_from_secs_f64(left_secs).unwrap_or_default(),
                reason,
            })
            .collect())
    }
}
