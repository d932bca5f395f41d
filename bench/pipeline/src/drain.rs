//! Watching a backlog drain in Postgres: how many events are final, and whether every one of
//! them has its attempt and audit rows.

use std::time::{Duration, Instant};

use sqlx::PgPool;

/// How often the database is asked how far the drain got.
const POLL: Duration = Duration::from_millis(200);
/// How often progress is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// The rows a drained backlog left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows {
    /// Events in a final state.
    pub final_events: i64,
    /// Of them, succeeded.
    pub succeeded: i64,
    /// Attempt rows with their outcome recorded.
    pub finished_attempts: i64,
    /// Audit rows.
    pub audit: i64,
}

/// Events in a final state (succeeded, dead, expired).
pub async fn final_events(db: &PgPool) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE status IN ('succeeded', 'dead', 'expired')",
    )
    .fetch_one(db)
    .await?)
}

/// Counts the rows a drain left.
pub async fn rows(db: &PgPool) -> anyhow::Result<Rows> {
    let (final_events, succeeded, finished_attempts, audit): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM events
                      WHERE status IN ('succeeded', 'dead', 'expired')),
                    (SELECT count(*) FROM events WHERE status = 'succeeded'),
                    (SELECT count(*) FROM attempts WHERE outcome IS NOT NULL),
                    (SELECT count(*) FROM audit_log)",
    )
    .fetch_one(db)
    .await?;
    Ok(Rows {
        final_events,
        succeeded,
        finished_attempts,
        audit,
    })
}

/// Waits until `count` events are final, at most `within`; calls `alive` between polls (to
/// stop early when a process died). Returns when the last one became final, counted from
/// `since`, or `None` if they were not all final in time.
pub async fn wait_all_final(
    db: &PgPool,
    count: u64,
    since: Instant,
    within: Duration,
    mut alive: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Option<Duration>> {
    let target = i64::try_from(count)?;
    let mut last_progress = Instant::now();
    loop {
        let done = final_events(db).await?;
        if done >= target {
            return Ok(Some(since.elapsed()));
        }
        if since.elapsed() >= within {
            return Ok(None);
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            let rate = done as f64 / since.elapsed().as_secs_f64();
            crate::report::say(&format!(
                "  {} of {} final after {:.0} s ({rate:.0} events/s)",
                crate::report::count(u64::try_from(done).unwrap_or(0)),
                crate::report::count(count),
                since.elapsed().as_secs_f64()
            ));
            last_progress = Instant::now();
        }
        alive()?;
        tokio::time::sleep(POLL).await;
    }
}
