//! Final events past their retention, deleted in bounded batches.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Events deleted per statement. Each batch is its own short transaction, so no lock is held
/// for long and autovacuum reclaims the space as it goes; the benchmark in `bench/` measures
/// how many events a second this deletes.
pub const EVENT_BATCH: i64 = 1_000;

/// What [`delete_final_events`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deleted {
    /// Events deleted.
    pub events: u64,
    /// Statements it took.
    pub batches: u32,
}

/// Deletes events in a final state (succeeded, dead, expired) that finished before `cutoff`,
/// oldest first, [`EVENT_BATCH`] at a time. An event that still has attempt rows is kept until
/// they are gone (they refer to it), and one that is locked (being replayed) is skipped.
pub async fn delete_final_events(
    conn: &mut PgConnection,
    cutoff: DateTime<Utc>,
) -> Result<Deleted, sqlx::Error> {
    let mut deleted = Deleted::default();
    loop {
        let batch = sqlx::query(
            "DELETE FROM events WHERE id IN (
                 SELECT id FROM events e
                  WHERE status IN ('succeeded', 'dead', 'expired') AND finished_at < $1
                    AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.event_id = e.id)
                  ORDER BY finished_at
                  LIMIT $2
                    FOR UPDATE SKIP LOCKED)",
        )
        .bind(cutoff)
        .bind(EVENT_BATCH)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        deleted.events += batch;
        deleted.batches += 1;
        if batch < u64::try_from(EVENT_BATCH).unwrap_or(u64::MAX) {
            return Ok(deleted);
        }
    }
}
