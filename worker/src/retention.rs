//! The worker's retention task: a pass at start, then one every `retention.interval_secs`.
//! Every replica runs the task; the pass's advisory lock lets one of them do the work.

use std::time::Duration;

use chrono::Utc;
use cxrelay_core::config::RetentionSettings;
use cxrelay_core::retention;
use sqlx::PgPool;
use tokio::sync::watch;

/// Runs retention passes until `stop` fires. A failed pass (the database away, a lock) is
/// logged and tried again at the next interval: retention is never urgent.
pub async fn run(db: PgPool, settings: RetentionSettings, mut stop: watch::Receiver<()>) {
    let interval = Duration::from_secs(settings.interval_secs.max(1));
    loop {
        match retention::run_pass(&db, &settings, Utc::now()).await {
            Ok(Some(report)) if report.is_empty() => {
                tracing::debug!("retention pass: nothing to do");
            }
            Ok(Some(report)) => tracing::info!(
                created = report.created.len(),
                dropped = ?report.dropped,
                busy = ?report.busy,
                strays_deleted = report.strays_deleted,
                events_deleted = report.events.events,
                "retention pass done"
            ),
            Ok(None) => tracing::debug!("another process is running a retention pass"),
            Err(error) => tracing::warn!(%error, "retention pass failed; trying again later"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
    }
}
