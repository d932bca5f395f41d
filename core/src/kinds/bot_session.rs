//! `genesys.bot_session`: a Genesys Architect data action starts a Cognigy bot for a caller.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::validation::{FieldError, Fields};

/// Cognigy's limit on userId and sessionId.
const MAX_ID_CHARS: usize = 256;
/// Cognigy's limit on a turn's text.
const MAX_TEXT_CHARS: usize = 10_000;
/// Longest label (queue name, intent, endpoint name, conversation id).
const MAX_LABEL_CHARS: usize = 256;

/// A validated bot-session request, in camelCase whatever the caller used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BotSessionEvent {
    /// Cognigy userId (the caller).
    pub user_id: String,
    /// Cognigy sessionId; the worker makes one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// First thing the caller said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Genesys queue the call came through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
    /// Intent Genesys detected, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// Caller's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Genesys conversation of the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Name of the configured Cognigy Endpoint; the default one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// More flow variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
}

impl BotSessionEvent {
    /// Validates a data action's body; camelCase and the tutorial's snake_case names both work.
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        let fields = Fields::of(body)?;
        Ok(Self {
            user_id: fields.required_str(&["userId", "user_id"], MAX_ID_CHARS)?,
            session_id: fields.optional_str(&["sessionId", "session_id"], MAX_ID_CHARS)?,
            text: fields.optional_str(&["text", "message"], MAX_TEXT_CHARS)?,
            queue_name: fields.optional_str(&["queueName", "queue_name"], MAX_LABEL_CHARS)?,
            intent: fields.optional_str(&["intent"], MAX_LABEL_CHARS)?,
            language: fields.optional_str(&["language", "locale"], 64)?,
            conversation_id: fields
                .optional_str(&["conversationId", "conversation_id"], MAX_LABEL_CHARS)?,
            endpoint: fields.optional_str(&["endpoint"], MAX_LABEL_CHARS)?,
            data: fields.optional_object(&["data", "variables"])?,
        })
    }

    /// The `data` of the Cognigy turn: the given data, the flow variables, and
    /// `source: "genesys"` so the Flow knows who started it.
    pub fn cognigy_data(&self) -> Map<String, Value> {
        let mut data = self.data.clone().unwrap_or_default();
        let variables = [
            ("queueName", &self.queue_name),
            ("intent", &self.intent),
            ("language", &self.language),
            ("conversationId", &self.conversation_id),
        ];
        for (name, value) in variables {
            if let Some(value) = value {
                data.insert(name.to_owned(), json!(value));
            }
        }
        data.insert("source".to_owned(), json!("genesys"));
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names_are_accepted_and_become_flow_data() {
        let body = json!({"user_id": "u", "queue_name": "Billing", "intent": "pay", "data": {"source": "x", "k": 1}});
        let event = BotSessionEvent::parse(&body).unwrap();
        assert_eq!(event.user_id, "u");
        let data = event.cognigy_data();
        assert_eq!(data["queueName"], "Billing");
        assert_eq!(data["intent"], "pay");
        assert_eq!(data["source"], "genesys");
        assert_eq!(data["k"], 1);
        assert!(!data.contains_key("language"));
    }

    #[test]
    fn the_user_is_required_and_names_the_alias_used() {
        let err = BotSessionEvent::parse(&json!({"text": "hi"})).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("userId", "required"));
        let err = BotSessionEvent::parse(&json!({"user_id": 5})).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("user_id", "type"));
    }
}
