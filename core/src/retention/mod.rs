//! Retention: the call history (`attempts`, `audit_log`) is kept `retention.attempts_days` and
//! `retention.audit_days` by dropping whole daily partitions, and events in a final state are
//! deleted in small batches `retention.events_days` after they finished.
//!
//! One pass creates the partitions of today and the next [`DAYS_AHEAD`] days, drops the
//! partitions whose every row is past retention, clears expired strays from the default
//! partitions, then deletes the expired final events (their attempts are gone by then). The
//! worker runs a pass at start and every `retention.interval_secs`; `cxrelay retention` runs
//! one by hand. Only one process runs a pass at a time (a Postgres advisory lock).

mod events;
mod partitions;

use std::fmt;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use crate::config::RetentionSettings;

pub use events::{delete_final_events, Deleted, EVENT_BATCH};
pub use partitions::{day_bounds, Created, PartitionedTable, ATTEMPTS, AUDIT_LOG, LOCK_TIMEOUT};

/// Days after today that get their partition in advance: rows of a day only land in the
/// default partition if no pass ran for a week.
pub const DAYS_AHEAD: u64 = 7;

/// The advisory lock of a retention pass (`pg_try_advisory_lock(a, b)`), in the two-key form:
/// a key space apart from the one-key locks by which workers claim events.
pub const LOCK_KEYS: (i32, i32) = (0x6378_7274, 1);

/// SQLSTATE `lock_not_available`: a partition change gave up waiting for its lock.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Partitions created, with the rows each took over from the default partition.
    pub created: Vec<(String, u64)>,
    /// Partitions dropped whole.
    pub dropped: Vec<String>,
    /// Partitions left for the next pass because their table was busy past [`LOCK_TIMEOUT`].
    pub busy: Vec<String>,
    /// Expired rows deleted from the default partitions.
    pub strays_deleted: u64,
    /// Final events deleted.
    pub events: Deleted,
}

impl Report {
    /// Whether the pass changed anything.
    pub fn is_empty(&self) -> bool {
        self.created.is_empty()
            && self.dropped.is_empty()
            && self.busy.is_empty()
            && self.strays_deleted == 0
            && self.events.events == 0
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |names: Vec<String>| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        let created = self
            .created
            .iter()
            .map(|(name, moved)| match moved {
                0 => name.clone(),
                n => format!("{name} ({n} rows moved from the default partition)"),
            })
            .collect();
        writeln!(f, "partitions created: {}", list(created))?;
        writeln!(f, "partitions dropped: {}", list(self.dropped.clone()))?;
        if !self.busy.is_empty() {
            writeln!(
                f,
                "left for the next pass (table busy over {LOCK_TIMEOUT}): {}",
                list(self.busy.clone())
            )?;
        }
        writeln!(
            f,
            "expired rows deleted from the default partitions: {}",
            self.strays_deleted
        )?;
        let batches = match self.events.batches {
            1 => "1 statement".to_owned(),
            n => format!("{n} statements"),
        };
        write!(
            f,
            "final events deleted: {} ({batches} of at most {EVENT_BATCH})",
            self.events.events
        )
    }
}

/// Runs one retention pass as of `now`, unless another process is running one: then `None`.
pub async fn run_pass(
    db: &PgPool,
    settings: &RetentionSettings,
    now: DateTime<Utc>,
) -> Result<Option<Report>, sqlx::Error> {
    // A session lock lives on one connection: the whole pass runs on this one.
    let mut conn = db.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(LOCK_KEYS.0)
        .bind(LOCK_KEYS.1)
        .fetch_one(&mut *conn)
        .await?;
    if !locked {
        return Ok(None);
    }
    let report = pass(&mut conn, settings, now).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(LOCK_KEYS.0)
        .bind(LOCK_KEYS.1)
        .execute(&mut *conn)
        .await;
    if unlocked.is_err() {
        // The lock must not outlive the pass on a pooled connection: close it instead.
        let _ = conn.detach();
    }
    report.map(Some)
}

async fn pass(
    conn: &mut PgConnection,
    settings: &RetentionSettings,
    now: DateTime<Utc>,
) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    for (table, days) in [
        (ATTEMPTS, settings.attempts_days),
        (AUDIT_LOG, settings.audit_days),
    ] {
        let cutoff = now - chrono::Duration::days(i64::from(days));
        keep_partitions(conn, table, now.date_naive(), cutoff, &mut report).await?;
        report.strays_deleted += table.delete_expired_strays(conn, cutoff).await?;
    }
    let cutoff = now - chrono::Duration::days(i64::from(settings.events_days));
    report.events = delete_final_events(conn, cutoff).await?;
    Ok(report)
}

/// Creates the partitions from `today` to [`DAYS_AHEAD`] days on, and drops those past `cutoff`.
async fn keep_partitions(
    conn: &mut PgConnection,
    table: PartitionedTable,
    today: NaiveDate,
    cutoff: DateTime<Utc>,
    report: &mut Report,
) -> Result<(), sqlx::Error> {
    let existing = table.partition_days(conn).await?;
    let wanted = (0..=DAYS_AHEAD).filter_map(|ahead| today.checked_add_days(Days::new(ahead)));
    for day in wanted.filter(|day| !existing.contains(day)) {
        let name = table.partition_name(day);
        match busy_or(table.create_day(conn, day).await)? {
            Some(Created::Empty) => report.created.push((name, 0)),
            Some(Created::WithRowsFromDefault(moved)) => report.created.push((name, moved)),
            None => report.busy.push(name),
        }
    }
    for day in existing
        .into_iter()
        .filter(|day| partitions::expired(*day, cutoff))
    {
        let name = table.partition_name(day);
        match busy_or(table.drop_day(conn, day).await)? {
            Some(()) => report.dropped.push(name),
            None => report.busy.push(name),
        }
    }
    Ok(())
}

/// `None` when the statement gave up waiting for its lock, which the next pass retries.
fn busy_or<T>(result: Result<T, sqlx::Error>) -> Result<Option<T>, sqlx::Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(sqlx::Error::Database(error))
            if error.code().as_deref() == Some(LOCK_NOT_AVAILABLE) =>
        {
            Ok(None)
        }
        Err(error) => Err(error),
    }
}
