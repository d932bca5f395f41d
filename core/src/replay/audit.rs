//! The audit rows of a replay: one per run (who, when, why, which selection, how many) and one
//! per replayed event, so that each event's history shows its replays. Never a secret: the
//! actor is a name, the selection holds ids and criteria, payloads are not copied.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::event::RunContext;
use super::{ReplayRequest, ReplaySummary};

/// `audit_log.action` of a run.
pub const RUN_ACTION: &str = "replay";
/// `audit_log.action` of each replayed event.
pub const EVENT_ACTION: &str = "event.replayed";

/// What the per-event row says.
pub(crate) struct Replayed<'a> {
    pub generation: i32,
    pub previous_status: &'a str,
    pub previous_reason: Option<&'a str>,
    pub secrets_removed: &'a [String],
    /// The event was never recorded: its dead-letter-queue message was delivered as new.
    pub fresh: bool,
}

/// Writes the `event.replayed` row of one event (inside the replay's transaction).
pub(crate) async fn event_replayed(
    conn: &mut PgConnection,
    run: &RunContext<'_>,
    event_id: Uuid,
    replayed: Replayed<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (event_id, actor, action, detail) VALUES ($1, $2, $3, $4)")
        .bind(event_id)
        .bind(&run.actor.name)
        .bind(EVENT_ACTION)
        .bind(json!({
            "replayId": run.replay_id,
            "via": run.actor.via,
            "reason": run.reason,
            "source": run.source,
            "generation": replayed.generation,
            "previousStatus": replayed.previous_status,
            "previousReason": replayed.previous_reason,
            "secretsRemoved": replayed.secrets_removed,
            "fresh": replayed.fresh,
            "force": run.force,
        }))
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes the run's row; returns its id.
pub(crate) async fn run_recorded(
    db: &PgPool,
    request: &ReplayRequest,
    summary: &ReplaySummary,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO audit_log (actor, action, detail) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&request.actor.name)
    .bind(RUN_ACTION)
    .bind(json!({
        "replayId": summary.replay_id,
        "via": request.actor.via,
        "reason": request.reason.trim(),
        "selection": request.selection,
        "source": summary.source,
        "dryRun": request.dry_run,
        "force": request.force,
        "ratePerSec": summary.rate_per_sec,
        "limit": request.limit,
        "selected": summary.selected,
        "replayed": summary.replayed,
        "freshDeliveries": summary.fresh_deliveries,
        "skipped": summary.skipped,
        "undecodable": summary.undecodable,
        "secretsRemoved": summary.secrets_removed,
        "stopped": summary.stopped,
        "notAttempted": summary.not_attempted,
    }))
    .fetch_one(db)
    .await
}
