//! `genesys.virtual_agent`: a bot conversation on a Genesys messaging channel.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::text_values::Interval;
use crate::validation::{FieldError, Fields};

/// Messenger types Genesys takes in `toAddressMessengerType` of both an agentless message and a
/// queue conversation: the request enums of the Genesys SDKs list these three only (other
/// messenger types appear in answers, not in these requests).
pub const MESSENGER_TYPES: &[&str] = &["sms", "whatsapp", "open"];
/// Genesys limit on an agentless SMS body.
pub const MAX_SMS_CHARS: usize = 765;
/// Genesys limit on other agentless message bodies.
pub const MAX_MESSAGE_CHARS: usize = 2_000;
/// Largest `attributes` object, serialized (Genesys participant attributes stay well under it).
pub const MAX_ATTRIBUTES_BYTES: usize = 40 * 1024;
/// Longest bot id and address.
const MAX_LABEL_CHARS: usize = 256;

/// A validated virtual-agent request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualAgentEvent {
    /// The bot, for the per-bot session cap.
    pub bot_id: String,
    /// Customer address (phone number, open-messaging id, ...).
    pub to_address: String,
    /// Channel: one of [`MESSENGER_TYPES`].
    pub to_address_messenger_type: String,
    /// The org's sending address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_address: Option<String>,
    /// The bot's message.
    pub text: String,
    /// How sure the bot is (0..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent_score: Option<f64>,
    /// The customer's sentiment (-1..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<f64>,
    /// Attributes for the conversation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Map<String, Value>>,
    /// WhatsApp template (required there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging_template: Option<Map<String, Value>>,
}

impl VirtualAgentEvent {
    /// Validates a request body, including the channel's message limit.
    pub fn parse(body: &Value) -> Result<Self, FieldError> {
        let fields = Fields::of(body)?;
        let messenger = fields.required_str(&["toAddressMessengerType"], 32)?;
        if !MESSENGER_TYPES.contains(&messenger.as_str()) {
            return Err(FieldError::new(
                "toAddressMessengerType",
                "one_of",
                format!(
                    "toAddressMessengerType must be one of {}",
                    MESSENGER_TYPES.join(", ")
                ),
            ));
        }
        let limit = if messenger == "sms" {
            MAX_SMS_CHARS
        } else {
            MAX_MESSAGE_CHARS
        };
        let text = fields.required_str(&["text"], usize::MAX)?;
        if text.chars().count() > limit {
            return Err(FieldError::new(
                "text",
                "max_length",
                format!("text must be at most {limit} characters for {messenger} messages"),
            ));
        }
        let attributes = fields.optional_object(&["attributes"])?;
        if let Some(attributes) = &attributes {
            let size = serde_json::to_vec(attributes).map_or(usize::MAX, |b| b.len());
            if size > MAX_ATTRIBUTES_BYTES {
                return Err(FieldError::new(
                    "attributes",
                    "max_size",
                    format!("attributes must be at most {MAX_ATTRIBUTES_BYTES} bytes of JSON"),
                ));
            }
        }
        let messaging_template = fields.optional_object(&["messagingTemplate"])?;
        if messenger == "whatsapp" && messaging_template.is_none() {
            return Err(FieldError::new(
                "messagingTemplate",
                "required",
                "messagingTemplate is required for whatsapp messages",
            ));
        }
        Ok(Self {
            bot_id: fields.required_str(&["botId"], MAX_LABEL_CHARS)?,
            to_address: fields.required_str(&["toAddress"], MAX_LABEL_CHARS)?,
            to_address_messenger_type: messenger,
            from_address: fields.optional_str(&["fromAddress"], MAX_LABEL_CHARS)?,
            text,
            intent_score: fields.optional_number(&["intentScore"], Interval::Unit)?,
            sentiment: fields.optional_number(&["sentiment"], Interval::SignedUnit)?,
            attributes,
            messaging_template,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(messenger: &str, text: &str) -> Value {
        json!({"botId": "b", "toAddress": "+1", "toAddressMessengerType": messenger, "text": text})
    }

    fn rule(body: Value) -> (String, &'static str) {
        let err = VirtualAgentEvent::parse(&body).unwrap_err();
        (err.field, err.rule)
    }

    #[test]
    fn the_channel_sets_the_message_limit() {
        assert!(VirtualAgentEvent::parse(&body("sms", &"x".repeat(765))).is_ok());
        assert_eq!(
            rule(body("sms", &"x".repeat(766))),
            ("text".into(), "max_length")
        );
        assert!(VirtualAgentEvent::parse(&body("open", &"x".repeat(2_000))).is_ok());
        assert_eq!(
            rule(body("open", &"x".repeat(2_001))),
            ("text".into(), "max_length")
        );
        assert_eq!(
            rule(body("pigeon", "hi")),
            ("toAddressMessengerType".into(), "one_of")
        );
        assert_eq!(
            rule(body("whatsapp", "hi")),
            ("messagingTemplate".into(), "required")
        );
    }

    #[test]
    fn attributes_scores_and_sentiment_are_bounded() {
        let mut big = body("open", "hi");
        big["attributes"] = json!({"k": "v".repeat(MAX_ATTRIBUTES_BYTES)});
        assert_eq!(rule(big), ("attributes".into(), "max_size"));
        let mut sad = body("open", "hi");
        sad["sentiment"] = json!(-1.5);
        assert_eq!(rule(sad), ("sentiment".into(), "range"));
        let mut missing = body("open", "hi");
        missing.as_object_mut().unwrap().remove("botId");
        assert_eq!(rule(missing), ("botId".into(), "required"));
    }
}
