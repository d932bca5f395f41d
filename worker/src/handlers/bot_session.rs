//! `genesys.bot_session`: a Genesys flow starts a Cognigy bot for its caller; the session
//! exists from the first message (Cognigy has no "start session" call).

use cxrelay_core::kinds::BotSessionEvent;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::attempt::{Attempt, AttemptError};
use crate::handlers::decode;
use crate::handlers::turn::{endpoint, run_turn, TurnInput};
use crate::verdict::Verdict;

/// Sends the first turn with the flow variables as `data`; the result has the sessionId and
/// the bot's messages.
pub async fn handle(attempt: &mut Attempt<'_>, payload: &Value) -> Result<Verdict, AttemptError> {
    let event: BotSessionEvent = match decode(payload) {
        Ok(event) => event,
        Err(verdict) => return Ok(verdict),
    };
    let settings = attempt.ctx.settings.clone();
    let requested = event
        .endpoint
        .as_deref()
        .or(settings.cognigy.default_endpoint.as_deref());
    let (name, endpoint) = match endpoint(&settings.cognigy.endpoints, requested) {
        Ok(found) => found,
        Err(verdict) => return Ok(verdict),
    };
    let session_id = event
        .session_id
        .clone()
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    let input = TurnInput {
        endpoint_name: &name,
        endpoint,
        user_id: &event.user_id,
        session_id: &session_id,
        // Cognigy needs text or data; data always carries `source`, so text may be empty.
        text: Some(event.text.as_deref().unwrap_or("")),
        data: Some(event.cognigy_data()),
        conversation_id: event.conversation_id.as_deref(),
    };
    Ok(match run_turn(attempt, input).await? {
        Ok(messages) => Verdict::Succeeded {
            result: json!({"sessionId": session_id, "endpoint": name, "messages": messages}),
        },
        Err(verdict) => verdict,
    })
}
