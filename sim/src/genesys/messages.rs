//! Starting messaging conversations: `POST /api/v2/conversations/messages` (to a queue) and
//! `POST /api/v2/conversations/messages/agentless` (a bot or notification message).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Map, Value};

use super::body::{json_object, optional_bool, optional_string, required_string};
use super::conversation::{
    new_id, Conversation, MediaType, MessagingAddress, Participant, ParticipantState, Purpose,
};
use super::errors::GenesysError;
use crate::state::SimState;
use crate::timestamps::iso;

/// Longest agentless `textBody` on SMS, in characters.
pub const SMS_TEXT_LIMIT: usize = 765;
/// Longest agentless `textBody` on every other messenger, in characters.
pub const TEXT_LIMIT: usize = 2000;

/// A checked agentless message. The fields the SDK model requires, and the enum of
/// `toAddressMessengerType`, are checked before (`crate::contract`); what is checked here is
/// what the model cannot say: the text limits, the WhatsApp template, `toAddress` (the model
/// makes it optional beside `externalContactId`, which the simulator does not serve).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentlessRequest {
    /// `fromAddress` (the org's number or integration id).
    pub from_address: String,
    /// The customer's address and messenger.
    pub to: MessagingAddress,
    /// `textBody`; may be absent only with a `messagingTemplate`.
    pub text_body: Option<String>,
    /// `useExistingActiveConversation`.
    pub use_existing: bool,
}

/// Parses an agentless body; the error names the field, or the length limit broken.
pub fn parse_agentless(fields: &Map<String, Value>) -> Result<AgentlessRequest, GenesysError> {
    let to = messaging_address(fields)?;
    let template = match fields.get("messagingTemplate") {
        None | Some(Value::Null) => None,
        Some(Value::Object(template)) => Some(template),
        Some(_) => {
            return Err(GenesysError::bad_request(
                "messagingTemplate must be a JSON object",
            ))
        }
    };
    if to.messenger_type == "whatsapp" && template.is_none() {
        return Err(GenesysError::bad_request(
            "messagingTemplate is required to start a whatsapp conversation",
        ));
    }
    let text_body = match template {
        Some(_) => optional_string(fields, "textBody")?,
        None => Some(required_string(fields, "textBody")?),
    };
    if let Some(text) = &text_body {
        let limit = if to.messenger_type == "sms" {
            SMS_TEXT_LIMIT
        } else {
            TEXT_LIMIT
        };
        let length = text.chars().count();
        if length > limit {
            return Err(GenesysError::bad_request(format!(
                "textBody is {length} characters long; the limit for {} is {limit}",
                to.messenger_type
            )));
        }
    }
    Ok(AgentlessRequest {
        from_address: required_string(fields, "fromAddress")?,
        to,
        text_body,
        use_existing: optional_bool(fields, "useExistingActiveConversation")?.unwrap_or(false),
    })
}

fn messaging_address(fields: &Map<String, Value>) -> Result<MessagingAddress, GenesysError> {
    let to_address = required_string(fields, "toAddress")?;
    // Genesys answers in lower case whatever case the request used (the SDK's enums are).
    let messenger_type = required_string(fields, "toAddressMessengerType")?.to_ascii_lowercase();
    Ok(MessagingAddress {
        to_address,
        messenger_type,
    })
}

fn participant(purpose: Purpose, queue_id: Option<String>) -> Participant {
    Participant::new(purpose, ParticipantState::Connected, queue_id)
}

/// `POST /api/v2/conversations/messages`: a conversation between the customer and a queue.
/// With `useExistingConversation`, a live conversation to the same address is reused (the
/// queue joins it if it is not there yet). Answers `{id, selfUri}`, the id the conversation's
/// (SDK model `CreateOutboundMessagingConversationResponse`).
pub async fn start_queue_conversation(
    State(state): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = json_object(&headers, &body).and_then(|fields| {
        let queue_id = required_string(&fields, "queueId")?;
        let to = messaging_address(&fields)?;
        let reuse = optional_bool(&fields, "useExistingConversation")?.unwrap_or(false);
        Ok((queue_id, to, reuse))
    });
    let (queue_id, to, reuse) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return error.into_response(),
    };
    let conversation = state.conversations().reuse_or_create(
        &to,
        reuse,
        |existing| {
            let queued = existing
                .participants
                .iter()
                .any(|p| p.queue_id.as_deref() == Some(queue_id.as_str()));
            if !queued {
                let queue = participant(Purpose::Acd, Some(queue_id.clone()));
                existing.participants.push(queue);
            }
        },
        || {
            let customer = participant(Purpose::Customer, None);
            let queue = participant(Purpose::Acd, Some(queue_id.clone()));
            Conversation::started_now(vec![customer, queue], MediaType::Message)
        },
    );
    Json(json!({
        "id": conversation.id,
        "selfUri": format!("/api/v2/conversations/{}", conversation.id),
    }))
    .into_response()
}

/// `POST /api/v2/conversations/messages/agentless`: sends one message to the customer, in a
/// new conversation or (with `useExistingActiveConversation`) the live one to that address.
pub async fn send_agentless(
    State(state): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = match json_object(&headers, &body).and_then(|fields| parse_agentless(&fields)) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let conversation = state.conversations().reuse_or_create(
        &request.to,
        request.use_existing,
        |_| {},
        || {
            let customer = participant(Purpose::Customer, None);
            Conversation::started_now(vec![customer], MediaType::Message)
        },
    );
    let message_id = new_id();
    let now = iso(Utc::now());
    // SDK model `SendAgentlessOutboundMessageResponse`: the text is in the message's
    // normalized form (`MessageData.normalizedMessage`), not echoed as `textBody`.
    let mut message = json!({
        "id": message_id,
        "conversationId": conversation.id,
        "direction": "outbound",
        "fromAddress": request.from_address,
        "toAddress": request.to.to_address,
        "messengerType": request.to.messenger_type,
        "status": "queued",
        "timestamp": now,
        "selfUri": format!(
            "/api/v2/conversations/messages/{}/messages/{message_id}",
            conversation.id
        ),
    });
    if let Some(text) = &request.text_body {
        message["normalizedMessage"] =
            json!({"type": "Text", "text": text, "direction": "Outbound"});
    }
    Json(json!({
        "id": message_id,
        "conversationId": conversation.id,
        "fromAddress": request.from_address,
        "toAddress": request.to.to_address,
        "messengerType": request.to.messenger_type,
        "useExistingActiveConversation": request.use_existing,
        "message": message,
        "timestamp": now,
        "selfUri": format!(
            "/api/v2/conversations/messages/{}/messages/{message_id}",
            conversation.id
        ),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: Value) -> Result<AgentlessRequest, GenesysError> {
        match value {
            Value::Object(fields) => parse_agentless(&fields),
            _ => panic!("not an object"),
        }
    }

    fn sms(text: &str) -> Value {
        json!({"fromAddress": "+15550001", "toAddress": "+15550100",
               "toAddressMessengerType": "sms", "textBody": text})
    }

    #[test]
    fn an_sms_may_have_765_characters_but_not_766() {
        assert!(parse(sms(&"é".repeat(765))).is_ok());
        let error = parse(sms(&"a".repeat(766))).unwrap_err();
        assert!(error.message().contains("765"), "{}", error.message());
    }

    #[test]
    fn other_messengers_allow_2000_characters() {
        let mut body = sms(&"a".repeat(2000));
        body["toAddressMessengerType"] = json!("open");
        assert!(parse(body.clone()).is_ok());
        body["textBody"] = json!("a".repeat(2001));
        assert!(parse(body).unwrap_err().message().contains("2000"));
    }

    #[test]
    fn whatsapp_needs_a_template_and_then_no_text() {
        let mut body =
            json!({"fromAddress": "wa-1", "toAddress": "+1", "toAddressMessengerType": "whatsapp"});
        let error = parse(body.clone()).unwrap_err();
        assert!(error.message().contains("messagingTemplate"));
        body["messagingTemplate"] = json!({"responseId": "r1"});
        assert_eq!(parse(body).unwrap().text_body, None);
    }

    #[test]
    fn each_missing_required_field_is_named() {
        for field in [
            "fromAddress",
            "toAddress",
            "toAddressMessengerType",
            "textBody",
        ] {
            let mut body = sms("hi");
            body.as_object_mut().unwrap().remove(field);
            let error = parse(body).unwrap_err();
            assert!(error.message().contains(field), "{}", error.message());
        }
    }
}
