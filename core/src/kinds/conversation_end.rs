//! `genesys.conversation_end`: Genesys tells, through a workflow's data action on the trigger
//! `v2.detail.events.conversation.{id}.customer.end`, that a customer left a conversation.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::validation::{FieldError, Fields};

/// Longest label field (addresses, types, ids other than UUIDs).
const MAX_LABEL_CHARS: usize = 256;

/// A validated conversation-end event (the trigger's top-level fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationEndEvent {
    /// When the customer left, epoch milliseconds.
    pub event_time: i64,
    /// The conversation.
    pub conversation_id: String,
    /// The customer's participant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// The customer's session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// How it ended (`client`, `peer`, `system`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnect_type: Option<String>,
    /// `MESSAGE`, `VOICE`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// `inbound` or `outbound`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Caller number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ani: Option<String>,
    /// Dialled number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnis: Option<String>,
    /// Messaging sender.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_from: Option<String>,
    /// Messaging recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_to: Option<String>,
    /// Time the customer interacted, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interacting_duration_ms: Option<i64>,
    /// Genesys division.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub division_id: Option<String>,
    /// Genesys external contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_contact_id: Option<String>,
}

impl ConversationEndEvent {
    /// Validates the data action's body; numbers may arrive as strings.
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        let fields = Fields::of(body)?;
        let label = |name: &'static str| fields.optional_str(&[name], MAX_LABEL_CHARS);
        Ok(Self {
            event_time: fields
                .optional_whole_number(&["eventTime"])?
                .ok_or_else(|| FieldError::new("eventTime", "required", "eventTime is required"))?,
            conversation_id: fields.required_uuid(&["conversationId"])?,
            participant_id: fields.optional_uuid(&["participantId"])?,
            session_id: label("sessionId")?,
            disconnect_type: label("disconnectType")?,
            media_type: label("mediaType")?,
            direction: label("direction")?,
            ani: label("ani")?,
            dnis: label("dnis")?,
            address_from: label("addressFrom")?,
            address_to: label("addressTo")?,
            interacting_duration_ms: fields.optional_whole_number(&["interactingDurationMs"])?,
            division_id: label("divisionId")?,
            external_contact_id: label("externalContactId")?,
        })
    }

    /// `conversationId:participantId:eventTime`: the same end reported twice has the same key.
    pub fn natural_key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.conversation_id,
            self.participant_id.as_deref().unwrap_or(""),
            self.event_time
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const C: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    #[test]
    fn numbers_may_come_as_strings_and_the_key_names_the_end() {
        let body = json!({"eventTime": "1767225600000", "conversationId": C, "interactingDurationMs": 5000, "mediaType": "MESSAGE"});
        let event = ConversationEndEvent::parse(&body).unwrap();
        assert_eq!(event.event_time, 1_767_225_600_000);
        assert_eq!(event.natural_key(), format!("{C}::1767225600000"));
    }

    #[test]
    fn time_and_conversation_are_required() {
        let err = ConversationEndEvent::parse(&json!({"conversationId": C})).unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("eventTime", "required"));
        let err = ConversationEndEvent::parse(&json!({"eventTime": "soon", "conversationId": C}))
            .unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("eventTime", "type"));
        let err = ConversationEndEvent::parse(&json!({"eventTime": 1, "conversationId": "c"}))
            .unwrap_err();
        assert_eq!((err.field.as_str(), err.rule), ("conversationId", "format"));
    }
}
