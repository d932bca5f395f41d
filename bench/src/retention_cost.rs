//! What retention costs at this size: a day of attempts removed by a batched DELETE (the way
//! not taken) against a retention pass that drops the oldest day's partitions, and the rate of
//! the batched delete of final events.

use std::time::{Duration, Instant};

use chrono::{DateTime, Days, Utc};
use cxrelay_core::config::RetentionSettings;
use cxrelay_core::retention::{self, Report, ATTEMPTS};
use sqlx::{PgConnection, PgPool};

/// Rows per statement of the batched DELETE compared with dropping a partition.
pub const DELETE_BATCH: i64 = 10_000;

/// The figures of [`measure`].
pub struct RetentionCost {
    /// The partition emptied by DELETE, its rows, and how long that took.
    pub deleted_day: (String, u64, Duration),
    /// The pass that dropped the oldest day's partitions, and how long it took.
    pub drop_pass: (Report, Duration),
    /// The pass that deleted the expired final events, and how long it took.
    pub events_pass: (Report, Duration),
}

/// Deletes the second-oldest day of attempts in batches, then runs a pass that keeps
/// `days - 1` days (dropping the oldest day's partitions), then a pass that deletes the events
/// finished before then.
pub async fn measure(
    db: &PgPool,
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    days: u32,
) -> anyhow::Result<RetentionCost> {
    let second_oldest = now
        .date_naive()
        .checked_sub_days(Days::new(u64::from(days) - 1))
        .unwrap_or_default();
    let partition = ATTEMPTS.partition_name(second_oldest);
    let started = Instant::now();
    let mut rows = 0;
    loop {
        let batch = sqlx::raw_sql(&format!(
            "DELETE FROM {partition} WHERE id IN (SELECT id FROM {partition} LIMIT {DELETE_BATCH})"
        ))
        .execute(&mut *conn)
        .await?
        .rows_affected();
        rows += batch;
        if batch == 0 {
            break;
        }
    }
    let deleted_day = (partition, rows, started.elapsed());

    let keep = days.saturating_sub(1).max(1);
    let partitions_only = RetentionSettings {
        attempts_days: keep,
        audit_days: keep,
        events_days: 36_500,
        interval_secs: 3_600,
    };
    let drop_pass = timed_pass(db, &partitions_only, now).await?;
    let events = RetentionSettings {
        events_days: keep,
        ..partitions_only
    };
    let events_pass = timed_pass(db, &events, now).await?;
    Ok(RetentionCost {
        deleted_day,
        drop_pass,
        events_pass,
    })
}

async fn timed_pass(
    db: &PgPool,
    settings: &RetentionSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<(Report, Duration)> {
    let started = Instant::now();
    let report = retention::run_pass(db, settings, now)
        .await?
        .ok_or_else(|| anyhow::anyhow!("another process holds the retention lock"))?;
    Ok((report, started.elapsed()))
}
