//! Riding out a database outage: no call may be made without its attempt row, and no outcome may
//! be lost, so a worker that cannot reach Postgres holds the events it has (unacked, in memory),
//! stops taking new ones, and carries on by itself once the database answers again.

use std::future::Future;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

/// How often an unreachable database is asked again.
const PROBE_INTERVAL: Duration = Duration::from_millis(500);

pub use cxrelay_core::db::is_transient;

/// The worker's view of the database: up or down, shared by every consumer.
#[derive(Clone)]
pub struct DbHealth {
    db: PgPool,
    up: watch::Sender<bool>,
}

impl DbHealth {
    /// Starts as up.
    pub fn new(db: PgPool) -> Self {
        Self {
            db,
            up: watch::Sender::new(true),
        }
    }

    /// True while the database answers; consumers take deliveries only then.
    pub fn watch(&self) -> watch::Receiver<bool> {
        self.up.subscribe()
    }

    /// Runs `op` until it succeeds or fails for a reason other than an outage. Between tries
    /// the database is marked down and probed; `what` names the operation in the logs.
    pub async fn retry<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, sqlx::Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, sqlx::Error>>,
    {
        loop {
            match op().await {
                Err(error) if is_transient(&error) => {
                    tracing::warn!(%error, what, "the database is unreachable: holding the event until it is back");
                    self.mark_down();
                    self.wait_up().await;
                }
                other => return other,
            }
        }
    }

    /// Marks the database down and, if nobody does yet, probes it until it answers.
    pub fn mark_down(&self) {
        let newly_down = self.up.send_if_modified(|up| std::mem::replace(up, false));
        if newly_down {
            let health = self.clone();
            tokio::spawn(async move { health.probe_until_up().await });
        }
    }

    async fn wait_up(&self) {
        let mut up = self.up.subscribe();
        // The sender lives as long as `self`: `wait_for` cannot fail here.
        let _ = up.wait_for(|up| *up).await;
    }

    async fn probe_until_up(&self) {
        loop {
            tokio::time::sleep(PROBE_INTERVAL).await;
            if sqlx::query("SELECT 1").execute(&self.db).await.is_ok() {
                tracing::info!("the database answers again: resuming");
                self.up.send_replace(true);
                return;
            }
        }
    }
}
