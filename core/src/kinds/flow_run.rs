//! `cognigy.flow_run`: any backend runs one turn of a Cognigy flow.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validation::{FieldError, Fields};

/// Longest Endpoint name.
const MAX_ENDPOINT_CHARS: usize = 128;
/// Cognigy snapshot ids are 24-character object ids; room for other forms.
const MAX_SNAPSHOT_CHARS: usize = 64;
/// Cognigy's limit on userId and sessionId.
const MAX_ID_CHARS: usize = 256;
/// Cognigy's limit on a turn's text.
const MAX_TEXT_CHARS: usize = 10_000;

/// A validated flow-run turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowRunEvent {
    /// Name of a configured Cognigy Endpoint.
    pub endpoint: String,
    /// Snapshot the Endpoint must serve, if the caller cares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_snapshot: Option<String>,
    /// Cognigy userId.
    pub user_id: String,
    /// Cognigy sessionId; a new session when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The user's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Data for the Flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
}

impl FlowRunEvent {
    /// Validates a request body: an Endpoint name, a user, and text or data.
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        let fields = Fields::of(body)?;
        let endpoint = fields.required_str(&["endpoint"], MAX_ENDPOINT_CHARS)?;
        if !endpoint
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(FieldError::new(
                "endpoint",
                "format",
                "endpoint must be a configured Endpoint name: letters, digits, '-' or '_'",
            ));
        }
        let event = Self {
            endpoint,
            expected_snapshot: fields.optional_str(&["expectedSnapshot"], MAX_SNAPSHOT_CHARS)?,
            user_id: fields.required_str(&["userId"], MAX_ID_CHARS)?,
            session_id: fields.optional_str(&["sessionId"], MAX_ID_CHARS)?,
            text: fields.optional_str(&["text"], MAX_TEXT_CHARS)?,
            data: fields.optional_object(&["data"])?,
        };
        if event.text.is_none() && event.data.is_none() {
            return Err(FieldError::new(
                "text",
                "required",
                "text or data is required",
            ));
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_turn_needs_an_endpoint_name_a_user_and_text_or_data() {
        assert!(
            FlowRunEvent::parse(&json!({"endpoint": "support", "userId": "u", "data": {}})).is_ok()
        );
        let err = FlowRunEvent::parse(&json!({"endpoint": "support", "userId": "u"})).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("text", "required"));
        let err =
            FlowRunEvent::parse(&json!({"endpoint": "https://x/y", "userId": "u", "text": "t"}))
                .unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("endpoint", "format"));
        let err = FlowRunEvent::parse(&json!({"endpoint": "e", "text": "t"})).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("userId", "required"));
    }
}
