//! Timing the `ops` views, and the same queries on the baseline: the data without the indexes
//! the migrations added for the views.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

/// Every view of the schema `ops`, in the README's order.
pub const VIEWS: [&str; 9] = [
    "ops.throughput_per_minute",
    "ops.error_rate_last_hour",
    "ops.call_latency_last_hour",
    "ops.backlog",
    "ops.dead_letters_last_7d",
    "ops.target_incidents_per_hour",
    "ops.bot_sessions_last_24h",
    "ops.escalations_last_24h",
    "ops.conversation_resolution_per_day",
];

/// The indexes added for the views (migrations 0004 and 0005), which the baseline goes
/// without. The baseline keeps the partitions and every index of the first three migrations.
pub const VIEW_INDEXES: [&str; 5] = [
    "attempts_started_idx",
    "events_final_finished_idx",
    "events_dead_idx",
    "sessions_started_idx",
    "conversation_metrics_end_idx",
];

/// The runs of one view.
#[derive(Debug, Clone)]
pub struct Timing {
    /// The view.
    pub view: &'static str,
    /// Rows it answered.
    pub rows: usize,
    /// Each timed run: the query sent and every row received.
    pub runs: Vec<Duration>,
}

impl Timing {
    /// The median run.
    pub fn median(&self) -> Duration {
        let mut runs = self.runs.clone();
        runs.sort_unstable();
        match runs.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => runs[n / 2],
            n => (runs[n / 2 - 1] + runs[n / 2]) / 2,
        }
    }

    /// The slowest run.
    pub fn max(&self) -> Duration {
        self.runs.iter().copied().max().unwrap_or_default()
    }
}

/// Times each view: one warm-up run, then `runs` runs. Each run is a simple query, planned
/// afresh as a dashboard's ad-hoc query is.
pub async fn time_all(conn: &mut PgConnection, runs: usize) -> Result<Vec<Timing>, sqlx::Error> {
    let mut timings = Vec::new();
    for view in VIEWS {
        let sql = format!("SELECT * FROM {view}");
        sqlx::raw_sql(&sql).fetch_all(&mut *conn).await?;
        let mut timing = Timing {
            view,
            rows: 0,
            runs: Vec::with_capacity(runs),
        };
        for _ in 0..runs {
            let started = Instant::now();
            let rows = sqlx::raw_sql(&sql).fetch_all(&mut *conn).await?;
            timing.runs.push(started.elapsed());
            timing.rows = rows.len();
        }
        timings.push(timing);
    }
    Ok(timings)
}

/// Times each view as [`time_all`] does, with [`VIEW_INDEXES`] dropped inside a transaction
/// that is then rolled back: the same data and statistics, without those indexes.
pub async fn time_baseline(
    conn: &mut PgConnection,
    runs: usize,
) -> Result<Vec<Timing>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    for index in VIEW_INDEXES {
        sqlx::raw_sql(&format!("DROP INDEX {index}"))
            .execute(&mut *tx)
            .await?;
    }
    let timings = time_all(&mut tx, runs).await;
    tx.rollback().await?;
    timings
}
