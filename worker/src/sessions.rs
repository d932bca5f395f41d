//! Sessions and transcripts in Postgres: Cognigy sessions with their idle TTL, what a
//! conversation's end does to its sessions, and (in [`virtual_agent`]) virtual-agent sessions
//! under a per-bot cap.

pub mod virtual_agent;

use chrono::{DateTime, Utc};
use cxrelay_core::storable::{storable_json, storable_option};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// A Cognigy session as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CognigySession {
    /// Row id.
    pub id: i64,
    /// `active`, `ended` or `expired`.
    pub status: String,
    /// When it expires if no turn comes.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The stored Cognigy session `session_id`, if any.
pub async fn find_cognigy(
    db: &PgPool,
    session_id: &str,
) -> Result<Option<CognigySession>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, status, expires_at FROM sessions WHERE kind = 'cognigy' AND session_key = $1",
    )
    .bind(session_id)
    .fetch_optional(db)
    .await
}

/// Marks an idle session expired.
pub async fn expire(db: &PgPool, session: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET status = 'expired', ended_at = now() WHERE id = $1 AND status = 'active'")
        .bind(session)
        .execute(db)
        .await?;
    Ok(())
}

/// One turn of a Cognigy session: what the user said and what the bot answered.
pub struct TurnRecord<'a> {
    /// Cognigy sessionId.
    pub session_id: &'a str,
    /// Endpoint name.
    pub endpoint: &'a str,
    /// Cognigy userId.
    pub user_id: &'a str,
    /// Genesys conversation, when a Genesys flow started the session.
    pub conversation_id: Option<&'a str>,
    /// Idle time after which the session expires, in seconds.
    pub ttl_secs: u64,
    /// The event that carried the turn.
    pub event_id: Uuid,
    /// The user's text and data.
    pub input: (Option<&'a str>, Option<&'a Value>),
    /// The bot's `outputStack`.
    pub outputs: &'a [Value],
}

/// Creates or extends the session (TTL from now, one more turn) and stores the transcript rows
/// of the turn, in one transaction.
pub async fn record_turn(db: &PgPool, turn: &TurnRecord<'_>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let ttl = i64::try_from(turn.ttl_secs).unwrap_or(i64::MAX);
    let session: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (kind, session_key, endpoint, user_id, conversation_id, status,
                               turns, expires_at, started_by)
         VALUES ('cognigy', $1, $2, $3, $4, 'active', 1, now() + make_interval(secs => $5), $6)
         ON CONFLICT (kind, session_key) DO UPDATE
            SET status = 'active', turns = sessions.turns + 1, last_turn_at = now(),
                expires_at = now() + make_interval(secs => $5), ended_at = NULL, ended_by = NULL,
                conversation_id = COALESCE(EXCLUDED.conversation_id, sessions.conversation_id)
         RETURNING id",
    )
    .bind(turn.session_id)
    .bind(turn.endpoint)
    .bind(turn.user_id)
    .bind(turn.conversation_id)
    .bind(ttl as f64)
    .bind(turn.event_id)
    .fetch_one(&mut *tx)
    .await?;
    let (text, data) = turn.input;
    sqlx::query("INSERT INTO transcripts (session_id, event_id, source, text, data) VALUES ($1, $2, 'user', $3, $4)")
        .bind(session)
        .bind(turn.event_id)
        .bind(text)
        .bind(data)
        .execute(&mut *tx)
        .await?;
    for output in turn.outputs {
        sqlx::query(
            "INSERT INTO transcripts (session_id, event_id, source, text, data, trace_id)
             VALUES ($1, $2, 'bot', $3, $4, $5)",
        )
        .bind(session)
        .bind(turn.event_id)
        // The bot's words are stored as Postgres can hold them (cxrelay_core::storable).
        .bind(storable_option(output.get("text").and_then(Value::as_str)))
        .bind(
            output
                .get("data")
                .map(|data| storable_json(data).into_owned()),
        )
        .bind(storable_option(
            output.get("traceId").and_then(Value::as_str),
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Ends every active session of Genesys conversation `conversation_id` on behalf of end event
/// `event_id`, and returns how many sessions that event has ended, on this delivery and on
/// earlier ones (a delivery retried while analytics lag finds them ended already).
pub async fn end_conversation(
    db: &PgPool,
    conversation_id: &str,
    event_id: Uuid,
) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE sessions SET status = 'ended', ended_at = now(), ended_by = $2
          WHERE conversation_id = $1 AND status = 'active'",
    )
    .bind(conversation_id)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    let ended = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE conversation_id = $1 AND ended_by = $2",
    )
    .bind(conversation_id)
    .bind(event_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Whether a virtual agent escalated conversation `conversation_id` to a human.
pub async fn was_escalated(db: &PgPool, conversation_id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE conversation_id = $1 AND path = 'escalated')",
    )
    .bind(conversation_id)
    .fetch_one(db)
    .await
}
