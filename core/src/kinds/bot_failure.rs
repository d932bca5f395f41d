//! `cognigy.bot_failure`: a Cognigy flow's error path during a Genesys call.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::validation::{FieldError, Fields};

/// Longest free-text reason kept.
pub const MAX_REASON_CHARS: usize = 1_000;
/// Longest Cognigy session id (Cognigy's own limit).
const MAX_SESSION_CHARS: usize = 256;

/// A validated bot-failure event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BotFailureEvent {
    /// Genesys conversation of the failed call.
    pub conversation_id: String,
    /// The bot's participant in it (the one to transfer).
    pub participant_id: String,
    /// Cognigy session, for correlation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// What failed, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Queue to transfer to instead of the configured fallback queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
}

impl BotFailureEvent {
    /// Validates a request body; the Genesys ids must be UUIDs.
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        let fields = Fields::of(body)?;
        Ok(Self {
            conversation_id: fields.required_uuid(&["conversationId"])?,
            participant_id: fields.required_uuid(&["participantId"])?,
            session_id: fields.optional_str(&["sessionId"], MAX_SESSION_CHARS)?,
            reason: fields.optional_str(&["reason"], MAX_REASON_CHARS)?,
            queue_id: fields.optional_uuid(&["queueId"])?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const C: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    #[test]
    fn ids_must_be_uuids_and_are_required() {
        let ok = json!({"conversationId": C, "participantId": C, "queueId": C, "reason": "x"});
        assert_eq!(
            BotFailureEvent::parse(&ok).unwrap().queue_id.as_deref(),
            Some(C)
        );
        let err = BotFailureEvent::parse(&json!({"participantId": C})).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("conversationId", "required")
        );
        let err = BotFailureEvent::parse(&json!({"conversationId": C, "participantId": "p1"}))
            .unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("participantId", "format"));
        let long = json!({"conversationId": C, "participantId": C, "reason": "r".repeat(1_001)});
        assert_eq!(
            BotFailureEvent::parse(&long).unwrap_err().rule,
            "max_length"
        );
    }
}
