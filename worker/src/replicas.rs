//! The live worker replicas of a deployment, known through Postgres: each worker keeps a row in
//! `worker_replicas` fresh, and counts the fresh rows to take its share of every target's rate.

use std::sync::Arc;
use std::time::Duration;

use cxrelay_core::metrics::WORKER_REPLICAS;
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::target::Targets;

/// A replica counts as live while its last heartbeat is younger than this many intervals: one
/// late heartbeat (a slow query, a pause) does not make the others raise their share.
const LIVENESS_INTERVALS: f64 = 3.0;

/// Rows of replicas gone this long are deleted when a worker starts.
const FORGET_AFTER_SECS: f64 = 3_600.0;

/// This worker's registration.
pub struct Replicas {
    db: PgPool,
    id: Uuid,
    interval: Duration,
    live: watch::Sender<u32>,
}

impl Replicas {
    /// Registers this process (host, pid) and counts the live replicas, itself included.
    pub async fn register(db: PgPool, interval: Duration) -> Result<Arc<Self>, sqlx::Error> {
        let id = Uuid::now_v7();
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "unknown".to_owned());
        sqlx::query(
            "DELETE FROM worker_replicas WHERE seen_at < now() - make_interval(secs => $1)",
        )
        .bind(FORGET_AFTER_SECS)
        .execute(&db)
        .await?;
        sqlx::query("INSERT INTO worker_replicas (id, host, pid) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(host)
            .bind(i32::try_from(std::process::id()).unwrap_or(i32::MAX))
            .execute(&db)
            .await?;
        let replicas = Arc::new(Self {
            db,
            id,
            interval,
            live: watch::Sender::new(1),
        });
        let count = replicas.count().await?;
        replicas.publish(count);
        Ok(replicas)
    }

    /// This worker's id (`worker_replicas.id`, `target_events.worker_id`).
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Live replicas as last counted.
    pub fn live(&self) -> u32 {
        *self.live.borrow()
    }

    /// How long a new replica waits before it consumes, so that the replicas already running
    /// have counted it and lowered their share first: the rate is never exceeded, even while
    /// the deployment grows.
    pub fn join_delay(&self) -> Duration {
        if self.live() > 1 {
            self.interval + self.interval / 2
        } else {
            Duration::ZERO
        }
    }

    /// Refreshes this replica's row and recounts every interval, re-sharing the targets' rates
    /// and taking up the pauses other replicas were asked for, until `stop` fires.
    pub async fn heartbeat(self: Arc<Self>, targets: Targets, mut stop: watch::Receiver<()>) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stop.changed() => return,
            }
            match self.beat().await {
                Ok(count) => {
                    self.publish(count);
                    targets.set_replicas(count);
                    targets.follow_others_pauses().await;
                }
                // The database is away: keep the last count (a share never rises by itself).
                Err(error) => tracing::debug!(%error, "worker heartbeat failed"),
            }
        }
    }

    /// Removes this replica's row, so the others raise their share at their next heartbeat.
    pub async fn deregister(&self) {
        let removed = sqlx::query("DELETE FROM worker_replicas WHERE id = $1")
            .bind(self.id)
            .execute(&self.db)
            .await;
        if let Err(error) = removed {
            tracing::warn!(%error, "could not deregister this worker; it ages out by itself");
        }
    }

    async fn beat(&self) -> Result<u32, sqlx::Error> {
        // An upsert: after a long database outage the row may have been forgotten.
        sqlx::query(
            "INSERT INTO worker_replicas (id, host, pid) VALUES ($1, 'unknown', $2)
             ON CONFLICT (id) DO UPDATE SET seen_at = now()",
        )
        .bind(self.id)
        .bind(i32::try_from(std::process::id()).unwrap_or(i32::MAX))
        .execute(&self.db)
        .await?;
        self.count().await
    }

    async fn count(&self) -> Result<u32, sqlx::Error> {
        let window = self.interval.as_secs_f64() * LIVENESS_INTERVALS;
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM worker_replicas
              WHERE seen_at > now() - make_interval(secs => $1) OR id = $2",
        )
        .bind(window)
        .bind(self.id)
        .fetch_one(&self.db)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX).max(1))
    }

    fn publish(&self, count: u32) {
        metrics::gauge!(WORKER_REPLICAS).set(f64::from(count));
        self.live.send_if_modified(|current| {
            let changed = *current != count;
            *current = count;
            changed
        });
    }
}
