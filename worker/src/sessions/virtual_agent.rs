//! Virtual-agent sessions: one per Genesys messaging conversation, counted toward its bot's cap
//! from before the call that starts it. Genesys reuses a customer's live conversation
//! (`useExistingActiveConversation`, `useExistingConversation`), so a bot's next message to that
//! customer is another turn of the same session, never a second session.

use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The customer a bot writes to, as Genesys finds their live conversation: address and
/// messenger type.
#[derive(Debug, Clone, Copy)]
pub struct Customer<'a> {
    /// The bot, whose cap the session counts toward.
    pub bot_id: &'a str,
    /// `toAddress`.
    pub address: &'a str,
    /// `toAddressMessengerType`.
    pub messenger_type: &'a str,
}

/// What an event holds under its bot's cap while it calls Genesys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A reservation of its own (`session_key` `pending:<eventId>`), counted toward the cap until
    /// the conversation is known.
    Reserved(i64),
    /// The customer's active session with this bot: Genesys will reuse its conversation, so the
    /// event takes no slot (a bot at its cap can still answer the customers it has).
    Continues(i64),
}

/// Finds or takes what the event needs under the bot's cap: the reservation an earlier
/// delivery of it left, else the customer's active session with this bot, else a new
/// reservation unless the bot already holds `max_active` sessions (`None`). Reservations are
/// committed before any call and counted under a per-bot transaction lock, so replicas counting
/// at once cannot overshoot.
pub async fn reserve(
    db: &PgPool,
    customer: Customer<'_>,
    event_id: Uuid,
    max_active: u32,
) -> Result<Option<Slot>, sqlx::Error> {
    let mut tx = db.begin().await?;
    lock(&mut tx, "cxrelay.virtual_agent:", customer.bot_id).await?;
    let key = format!("pending:{event_id}");
    let earlier: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM sessions
          WHERE kind = 'virtual_agent' AND session_key = $1 AND status = 'active'",
    )
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = earlier {
        tx.commit().await?;
        return Ok(Some(Slot::Reserved(id)));
    }
    let live: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM sessions
          WHERE kind = 'virtual_agent' AND status = 'active' AND conversation_id IS NOT NULL
            AND bot_id = $1 AND user_id = $2 AND messenger_type = $3
          ORDER BY last_turn_at DESC LIMIT 1",
    )
    .bind(customer.bot_id)
    .bind(customer.address)
    .bind(customer.messenger_type)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = live {
        tx.commit().await?;
        return Ok(Some(Slot::Continues(id)));
    }
    let active: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE kind = 'virtual_agent' AND bot_id = $1 AND status = 'active'",
    )
    .bind(customer.bot_id)
    .fetch_one(&mut *tx)
    .await?;
    if active >= i64::from(max_active) {
        tx.commit().await?;
        return Ok(None);
    }
    // A reservation released by an older release of cxrelay was kept as `ended`: take it again.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (kind, session_key, bot_id, user_id, messenger_type, status, started_by)
         VALUES ('virtual_agent', $1, $2, $3, $4, 'active', $5)
         ON CONFLICT (kind, session_key) DO UPDATE
            SET status = 'active', ended_at = NULL, started_at = now()
         RETURNING id",
    )
    .bind(&key)
    .bind(customer.bot_id)
    .bind(customer.address)
    .bind(customer.messenger_type)
    .bind(event_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Slot::Reserved(id)))
}

/// Gives back what an event held when its conversation could not be started: its reservation
/// is deleted (it never had a conversation); a continued session stays as it was.
pub async fn release(db: &PgPool, slot: Slot) -> Result<(), sqlx::Error> {
    if let Slot::Reserved(id) = slot {
        sqlx::query("DELETE FROM sessions WHERE id = $1 AND conversation_id IS NULL")
            .bind(id)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// One message of a bot to its customer, in Genesys conversation `conversation_id`.
pub struct Turn<'a> {
    /// Who it went to.
    pub customer: Customer<'a>,
    /// The event that carried it.
    pub event_id: Uuid,
    /// What the event held while it called Genesys.
    pub slot: Slot,
    /// The conversation Genesys sent it in (a new one, or the customer's live one).
    pub conversation_id: &'a str,
    /// `agentless` or `escalated`.
    pub path: &'a str,
    /// The bot's message: sent as the agentless `textBody`, or kept here for the human agent
    /// (an escalation's body cannot carry it).
    pub text: &'a str,
    /// The event's result, stored with the transcript row so that a redelivery finds it.
    pub result: &'a Value,
}

/// Records the turn in the session of its conversation, in one transaction: a new
/// conversation turns the reservation into its session; a conversation that already has one
/// gets a turn more (its path becomes `escalated` if this turn escalated) and the reservation
/// is dropped, so a reused conversation never holds two slots. The bot's message goes to
/// `transcripts`.
pub async fn record_turn(db: &PgPool, turn: &Turn<'_>) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    // Events of two bots (or two events of one customer at once) can land in one conversation.
    lock(
        &mut tx,
        "cxrelay.virtual_agent.conversation:",
        turn.conversation_id,
    )
    .await?;
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM sessions WHERE kind = 'virtual_agent' AND session_key = $1",
    )
    .bind(turn.conversation_id)
    .fetch_optional(&mut *tx)
    .await?;
    let session = match (existing, turn.slot) {
        (Some(session), slot) => {
            // An ended session stays ended: its conversation's end event came already and will
            // not come again, so reopening it would hold a slot for ever.
            sqlx::query(
                "UPDATE sessions
                    SET turns = turns + 1, last_turn_at = now(),
                        path = CASE WHEN $2 = 'escalated' THEN 'escalated' ELSE coalesce(path, $2) END
                  WHERE id = $1",
            )
            .bind(session)
            .bind(turn.path)
            .execute(&mut *tx)
            .await?;
            match slot {
                Slot::Reserved(reservation) => {
                    sqlx::query("DELETE FROM sessions WHERE id = $1 AND conversation_id IS NULL")
                        .bind(reservation)
                        .execute(&mut *tx)
                        .await?;
                }
                Slot::Continues(other) if other != session => supersede(&mut tx, other).await?,
                Slot::Continues(_) => {}
            }
            session
        }
        (None, Slot::Reserved(reservation)) => {
            sqlx::query(
                "UPDATE sessions
                    SET session_key = $2, conversation_id = $2, user_id = $3, messenger_type = $4,
                        path = $5, turns = 1, last_turn_at = now()
                  WHERE id = $1",
            )
            .bind(reservation)
            .bind(turn.conversation_id)
            .bind(turn.customer.address)
            .bind(turn.customer.messenger_type)
            .bind(turn.path)
            .execute(&mut *tx)
            .await?;
            reservation
        }
        (None, Slot::Continues(previous)) => {
            // Genesys started a new conversation instead of reusing the session's: that one is
            // over, and the new one takes its slot.
            supersede(&mut tx, previous).await?;
            sqlx::query_scalar(
                "INSERT INTO sessions (kind, session_key, bot_id, user_id, messenger_type,
                                       conversation_id, status, path, turns, started_by)
                 VALUES ('virtual_agent', $1, $2, $3, $4, $1, 'active', $5, 1, $6)
                 RETURNING id",
            )
            .bind(turn.conversation_id)
            .bind(turn.customer.bot_id)
            .bind(turn.customer.address)
            .bind(turn.customer.messenger_type)
            .bind(turn.path)
            .bind(turn.event_id)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    sqlx::query(
        "INSERT INTO transcripts (session_id, event_id, source, text, data)
         VALUES ($1, $2, 'bot', $3, $4)",
    )
    .bind(session)
    .bind(turn.event_id)
    .bind(turn.text)
    .bind(turn.result)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The result an earlier delivery of `event_id` recorded with its turn, if it got that far
/// (it called Genesys and recorded the turn, but its final state was not committed).
pub async fn recorded_result(db: &PgPool, event_id: Uuid) -> Result<Option<Value>, sqlx::Error> {
    let data: Option<Option<Value>> = sqlx::query_scalar(
        "SELECT t.data FROM transcripts t JOIN sessions s ON s.id = t.session_id
          WHERE s.kind = 'virtual_agent' AND t.event_id = $1
          ORDER BY t.id LIMIT 1",
    )
    .bind(event_id)
    .fetch_optional(db)
    .await?;
    Ok(data.flatten())
}

/// Ends a session whose conversation Genesys no longer uses for its customer.
async fn supersede(tx: &mut PgConnection, session: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET status = 'ended', ended_at = now() WHERE id = $1 AND status = 'active'",
    )
    .bind(session)
    .execute(tx)
    .await?;
    Ok(())
}

/// Serialises, until the transaction ends, what else takes the lock of `scope` + `key`.
async fn lock(tx: &mut PgConnection, scope: &str, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1 || $2))")
        .bind(scope)
        .bind(key)
        .execute(tx)
        .await?;
    Ok(())
}
