//! `cxrelay dead-letters`: the dead and expired events Postgres records, counted by kind,
//! reason and target, and listed newest first.

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use cxrelay_core::config::Settings;
use cxrelay_core::db;
use cxrelay_core::dead_letters::{list_dead_letters, DeadLetterFilter, DeadLetterReport};
use std::collections::BTreeMap;

use crate::selection_args::{EventFilterArgs, Format};
use crate::table::{or_dash, Table};

/// Events listed unless `--limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 50;

/// What to list.
#[derive(Debug, Clone, Args)]
pub struct DeadLettersArgs {
    /// Kind, target, HTTP status and time window.
    #[command(flatten)]
    pub filter: EventFilterArgs,
    /// Only events that ended with this reason class (e.g. unavailable, rejected).
    #[arg(long, value_name = "CLASS", visible_alias = "reason-class")]
    pub reason: Option<String>,
    /// Output: aligned tables, or one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Events listed (the counts always cover them all).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT)]
    pub limit: u32,
}

impl DeadLettersArgs {
    /// The filter the options describe.
    pub fn filter(&self) -> DeadLetterFilter {
        self.filter.filter(self.reason.clone())
    }
}

/// Reads the dead letters the options select and prints them.
pub async fn run(settings: &Settings, args: &DeadLettersArgs) -> anyhow::Result<()> {
    let url = settings.require_database_url()?;
    let pool = db::connect(url, &settings.database, "cxrelay-dead-letters")
        .await
        .context("cannot connect to Postgres (DATABASE_URL)")?;
    db::ensure_schema_current(&pool).await?;
    let report = list_dead_letters(&pool, &args.filter(), args.limit)
        .await
        .context("cannot read the dead letters")?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => println!("{}", render(&report)),
    }
    Ok(())
}

/// The report as a person reads it: counts, then the newest events.
pub fn render(report: &DeadLetterReport) -> String {
    let mut out = format!(
        "{} dead letter{}{}",
        report.total,
        if report.total == 1 { "" } else { "s" },
        describe(&report.filter)
    );
    if report.total == 0 {
        return out;
    }
    for (title, counts) in [
        ("KIND", &report.by_kind),
        ("REASON", &report.by_reason),
        ("TARGET", &report.by_target),
    ] {
        out.push_str("\n\n");
        out.push_str(&counts_table(title, counts).render(2));
    }
    let mut events = Table::new([
        "EVENT",
        "KIND",
        "STATUS",
        "REASON",
        "HTTP",
        "ERROR CODE",
        "CORRELATION ID",
        "ATTEMPTS",
        "REPLAYS",
        "FINISHED",
    ]);
    for event in &report.events {
        events.row([
            event.event_id.to_string(),
            event.kind.clone(),
            event.status.clone(),
            or_dash(event.reason.as_ref()),
            or_dash(event.last_http_status),
            or_dash(event.last_error_code.as_ref()),
            or_dash(event.correlation_id.as_ref()),
            event.attempts.to_string(),
            event.generation.to_string(),
            or_dash(
                event
                    .finished_at
                    .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            ),
        ]);
    }
    out.push_str("\n\n");
    out.push_str(&events.render(0));
    let shown = report.events.len() as i64;
    if shown < report.total {
        out.push_str(&format!(
            "\n(the newest {shown} of {}; --limit shows more, --format json shows payloads and errors)",
            report.total
        ));
    }
    out
}

fn counts_table(title: &str, counts: &BTreeMap<String, i64>) -> Table {
    let mut sorted: Vec<(&String, &i64)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut table = Table::new([title, "COUNT"]);
    for (key, count) in sorted {
        table.row([key.clone(), count.to_string()]);
    }
    table
}

/// ` (kind cognigy.fallback, since ...)`, or nothing for no filter.
fn describe(filter: &DeadLetterFilter) -> String {
    let mut parts = Vec::new();
    if let Some(kind) = filter.kind {
        parts.push(format!("kind {kind}"));
    }
    if let Some(reason) = &filter.reason {
        parts.push(format!("reason {reason}"));
    }
    if let Some(target) = filter.target {
        parts.push(format!("target {target}"));
    }
    if let Some(status) = filter.http_status {
        parts.push(format!("HTTP {status}"));
    }
    let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    if let Some(since) = filter.since {
        parts.push(format!("ended since {}", time(since)));
    }
    if let Some(until) = filter.until {
        parts.push(format!("ended before {}", time(until)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}
