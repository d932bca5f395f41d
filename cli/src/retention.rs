//! `cxrelay retention`: one retention pass by hand, the same as the worker's hourly one.

use anyhow::Context;
use chrono::Utc;
use cxrelay_core::config::Settings;
use cxrelay_core::{db, retention};

/// What `cxrelay retention` found to do.
#[derive(Debug)]
pub enum Outcome {
    /// The pass ran.
    Done(retention::Report),
    /// Another process (a worker) was running a pass; nothing was done.
    Busy,
}

/// Runs one pass with the configured retention on a migrated database.
pub async fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    settings.retention.check()?;
    let url = settings.require_database_url()?;
    let pool = db::connect(url, &settings.database, "cxrelay-retention")
        .await
        .context("cannot connect to Postgres (DATABASE_URL)")?;
    db::ensure_schema_current(&pool).await?;
    let report = retention::run_pass(&pool, &settings.retention, Utc::now())
        .await
        .context("the retention pass failed")?;
    Ok(report.map_or(Outcome::Busy, Outcome::Done))
}

/// What the command prints: the settings it applied, then what the pass did.
pub fn describe(settings: &Settings, outcome: &Outcome) -> String {
    let retention = &settings.retention;
    let applied = format!(
        "retention: attempts {} days, audit {} days, final events {} days",
        retention.attempts_days, retention.audit_days, retention.events_days
    );
    match outcome {
        Outcome::Done(report) => format!("{applied}\n{report}"),
        Outcome::Busy => format!(
            "{applied}\nanother process (a worker) is running a retention pass; nothing done"
        ),
    }
}
