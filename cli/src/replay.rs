//! `cxrelay replay`: dead events back through the pipeline, by id, by filter, or from
//! RabbitMQ's dead-letter queue. The work is `cxrelay_core::replay`, shared with the admin API;
//! this is its command line and its printout.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use chrono::SecondsFormat;
use clap::{ArgGroup, Args};
use cxrelay_core::amqp::{Publisher, Topology};
use cxrelay_core::config::Settings;
use cxrelay_core::db;
use cxrelay_core::replay::{
    Actor, ReplayProgress, ReplayRequest, ReplaySummary, Replayer, Selection,
};
use uuid::Uuid;

use crate::progress::TerminalProgress;
use crate::selection_args::{EventFilterArgs, Format};
use crate::table::{or_dash, Table};

/// The options of `cxrelay replay`.
#[derive(Debug, Clone, Args)]
#[command(group(
    ArgGroup::new("selection")
        .required(true)
        .multiple(true)
        .args(["id", "kind", "reason_class", "target", "http_status", "since", "until", "from_dlq"]),
))]
pub struct ReplayArgs {
    /// Replay these events (repeat the option, or list several ids after it).
    #[arg(long = "id", value_name = "UUID", num_args = 1.., conflicts_with_all = ["kind", "reason_class", "target", "http_status", "since", "until", "from_dlq"])]
    pub id: Vec<Uuid>,
    /// Kind, target, HTTP status and time window.
    #[command(flatten)]
    pub filter: EventFilterArgs,
    /// Only dead letters that ended with this reason class (e.g. unavailable).
    #[arg(long, value_name = "CLASS")]
    pub reason_class: Option<String>,
    /// Take the messages of RabbitMQ's dead-letter queue (<prefix>.dead) instead.
    #[arg(long, conflicts_with_all = ["kind", "reason_class", "target", "http_status", "since", "until"])]
    pub from_dlq: bool,
    /// Why you replay: required, recorded in the audit log.
    #[arg(long, value_name = "WHY")]
    pub reason: String,
    /// Who you are, for the audit log.
    #[arg(long, value_name = "NAME", env = "USER")]
    pub operator: String,
    /// Show what would be replayed (count and a sample); change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also replay events that were replayed before and are not dead again (never events in
    /// flight).
    #[arg(long)]
    pub force: bool,
    /// Events per second at most (default: replay.rate_per_sec, 5).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
    /// Replay at most this many of the selected events, oldest first.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,
    /// Output: a summary for people, or one JSON document.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

impl ReplayArgs {
    /// The request the options describe.
    pub fn request(&self) -> ReplayRequest {
        let selection = if !self.id.is_empty() {
            Selection::EventIds(self.id.clone())
        } else if self.from_dlq {
            Selection::DeadLetterQueue
        } else {
            Selection::Filter(self.filter.filter(self.reason_class.clone()))
        };
        ReplayRequest {
            selection,
            reason: self.reason.clone(),
            actor: Actor {
                name: self.operator.trim().to_owned(),
                via: "cli",
            },
            dry_run: self.dry_run,
            force: self.force,
            rate_per_sec: self.rate,
            limit: self.limit,
        }
    }
}

/// Runs the replay and prints its summary; a run that stopped early is an error (exit 1)
/// after the summary is printed.
pub async fn run(settings: &Settings, args: &ReplayArgs) -> anyhow::Result<()> {
    let progress = TerminalProgress::with_ctrl_c();
    let summary = replay(settings, &args.request(), &progress).await?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        Format::Table => println!("{}", render(&summary)),
    }
    if let Some(stopped) = &summary.stopped {
        bail!("the replay stopped: {stopped}");
    }
    Ok(())
}

/// Connects to the deployment and runs `request`, showing `progress`; what the tests drive.
/// A request that breaks a rule is refused before anything is connected.
pub async fn replay(
    settings: &Settings,
    request: &ReplayRequest,
    progress: &dyn ReplayProgress,
) -> anyhow::Result<ReplaySummary> {
    request
        .check(&settings.replay)
        .map_err(|invalid| anyhow!("{}: {}", option_of(invalid.field), invalid.problem))?;
    let db_url = settings.require_database_url()?;
    let amqp_url = settings.require_amqp_url()?;
    let pool = db::connect(db_url, &settings.database, "cxrelay-replay")
        .await
        .context("cannot connect to Postgres (DATABASE_URL)")?;
    db::ensure_schema_current(&pool).await?;
    // The exchanges and queues without retry tiers: replays publish to the events exchange
    // only, and an operator's settings need not repeat the workers' retry schedule (declaring
    // the default one would leave tiers the deployment does not use).
    let topology = Topology::new(&settings.amqp.prefix).with_delays(&[], 0.0);
    let publisher = Publisher::start(
        amqp_url.clone(),
        "cxrelay-replay",
        topology,
        Duration::from_millis(settings.ingress.confirm_timeout_ms),
    );
    let replayer = Replayer::new(pool, publisher.clone(), settings)?;
    let summary = replayer.run(request, progress).await;
    publisher.close().await;
    Ok(summary?)
}

/// The command-line option of a request field, for errors.
fn option_of(field: &str) -> &str {
    match field {
        "reason" => "--reason",
        "operator" => "--operator",
        "eventIds" => "--id",
        "ratePerSec" => "--rate",
        "limit" => "--limit",
        "filter.until" => "--until",
        "filter" => "a filter (--kind, --reason-class, --target, --http-status, --since, --until)",
        other => other,
    }
}

/// The summary as a person reads it.
pub fn render(summary: &ReplaySummary) -> String {
    let verb = if summary.dry_run {
        "would replay"
    } else {
        "replayed"
    };
    let mut lines = vec![format!(
        "replay {}{}",
        summary.replay_id,
        if summary.dry_run {
            " (dry run: nothing was changed)"
        } else {
            ""
        }
    )];
    let source = if summary.source == "dead-letter-queue" {
        "messages in the dead-letter queue"
    } else {
        "events"
    };
    lines.push(format!("  selected        {} {source}", summary.selected));
    lines.push(format!("  {verb:<14}  {}", summary.replayed));
    if summary.fresh_deliveries > 0 {
        let verb = if summary.dry_run {
            "would deliver"
        } else {
            "delivered"
        };
        lines.push(format!(
            "  {verb:<14}  {} as new events (never recorded by a worker)",
            summary.fresh_deliveries
        ));
    }
    lines.push(format!("  skipped         {}", summary.skipped_total()));
    for (why, count) in &summary.skipped {
        lines.push(format!("    {why:<20}  {count}"));
    }
    for (why, count) in &summary.undecodable {
        lines.push(format!(
            "    {:<20}  {count} (left in the dead-letter queue: {why})",
            "undecodable"
        ));
    }
    if summary.secrets_removed > 0 {
        lines.push(format!(
            "  secrets removed {}: a URLToken is stored redacted and cannot be replayed, so these events go without it (a fallback's user is not notified through Cognigy)",
            summary.secrets_removed
        ));
    }
    lines.push(format!(
        "  rate            {} events/s at most",
        summary.rate_per_sec
    ));
    if let Some(id) = summary.audit_id {
        lines.push(format!("  audit row       {id}"));
    }
    if let Some(stopped) = &summary.stopped {
        lines.push(format!(
            "  STOPPED         {stopped} ({} not attempted)",
            summary.not_attempted
        ));
    }
    if !summary.sample.is_empty() {
        let mut sample = Table::new([
            "EVENT", "KIND", "STATUS", "REASON", "HTTP", "FINISHED", "REPLAYS",
        ]);
        for event in &summary.sample {
            sample.row([
                event.event_id.to_string(),
                event.kind.clone(),
                event.status.clone(),
                or_dash(event.reason.as_ref()),
                or_dash(event.last_http_status),
                or_dash(
                    event
                        .finished_at
                        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
                ),
                event.generation.to_string(),
            ]);
        }
        lines.push(String::new());
        lines.push(format!("{} (first {}):", verb, summary.sample.len()));
        lines.push(sample.render(2));
    }
    if !summary.skipped_events.is_empty() {
        let mut skipped = Table::new(["EVENT", "WHY"]);
        for event in &summary.skipped_events {
            skipped.row([event.event_id.to_string(), event.detail.to_owned()]);
        }
        lines.push(String::new());
        lines.push("skipped:".to_owned());
        lines.push(skipped.render(2));
    }
    lines.join("\n")
}
