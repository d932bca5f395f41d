//! `GET /api/v2/conversations/{conversationId}` and the blind transfer of a participant to a
//! queue, `POST /api/v2/conversations/{cid}/participants/{pid}/replace/queue` (and its older
//! twin `POST /api/v2/conversations/calls/{cid}/participants/{pid}/replace`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::body::{json_object, optional_string};
use super::conversation::ParticipantState;
use super::errors::GenesysError;
use crate::state::SimState;

/// Code of the 409 for a transfer out of an ended conversation or of a disconnected
/// participant: the conversation changed state, a permanent outcome.
pub const STATE_CONFLICT: &str = "conversation.state.conflict";

/// The transfer target: a queue by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueTarget {
    /// `queueId`.
    pub queue_id: Option<String>,
    /// `queueName`, used when no id is given.
    pub queue_name: Option<String>,
}

/// Parses a transfer body; at least one of `queueId` and `queueName` is required.
pub fn parse_transfer(headers: &HeaderMap, body: &[u8]) -> Result<QueueTarget, GenesysError> {
    let fields = json_object(headers, body)?;
    let queue_id = optional_string(&fields, "queueId")?;
    let queue_name = optional_string(&fields, "queueName")?;
    if let Some(kind) = optional_string(&fields, "transferType")? {
        if !matches!(kind.as_str(), "Unattended" | "Attended") {
            return Err(GenesysError::bad_request(format!(
                "transferType must be Unattended or Attended, got {kind}"
            )));
        }
    }
    if queue_id.is_none() && queue_name.is_none() {
        return Err(GenesysError::bad_request(
            "queueId is required (or queueName)",
        ));
    }
    Ok(QueueTarget {
        queue_id,
        queue_name,
    })
}

/// `GET /api/v2/conversations/{conversationId}`.
pub async fn get_conversation(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    match state.conversations().get(&id) {
        Some(conversation) => Json(conversation.api_view()).into_response(),
        None => conversation_not_found(&id).into_response(),
    }
}

/// Replaces participant `pid` of conversation `cid` with a queue: 202 with no body, and the
/// participant remembers the queue (it stays connected while the queue's routing runs).
pub async fn replace_with_queue(
    State(state): State<SimState>,
    Path((cid, pid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = match parse_transfer(&headers, &body) {
        Ok(target) => target,
        Err(error) => return error.into_response(),
    };
    let outcome = state.conversations().update(&cid, |conversation| {
        let ended = conversation.is_ended();
        let Some(participant) = conversation.participant_mut(&pid) else {
            return Err(GenesysError::not_found(format!(
                "Participant {pid} not found in conversation {cid}"
            )));
        };
        if ended || participant.state == ParticipantState::Disconnected {
            return Err(GenesysError::new(
                StatusCode::CONFLICT,
                STATE_CONFLICT,
                format!(
                    "Conversation {cid} has ended or participant {pid} is disconnected: it cannot be transferred"
                ),
            ));
        }
        participant.queue_id = target.queue_id;
        participant.queue_name = target.queue_name;
        Ok(())
    });
    match outcome {
        None => conversation_not_found(&cid).into_response(),
        Some(Err(error)) => error.into_response(),
        Some(Ok(())) => StatusCode::ACCEPTED.into_response(),
    }
}

fn conversation_not_found(id: &str) -> GenesysError {
    GenesysError::not_found(format!("Conversation {id} not found"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderValue};

    fn parse(body: &str) -> Result<QueueTarget, GenesysError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parse_transfer(&headers, body.as_bytes())
    }

    #[test]
    fn a_queue_id_or_a_queue_name_is_a_target() {
        assert_eq!(
            parse(r#"{"queueId":"q"}"#).unwrap().queue_id.as_deref(),
            Some("q")
        );
        let by_name = parse(r#"{"queueName":"Support","transferType":"Unattended"}"#).unwrap();
        assert_eq!(by_name.queue_name.as_deref(), Some("Support"));
    }

    #[test]
    fn no_queue_or_an_unknown_transfer_type_is_a_bad_request() {
        assert!(parse("{}").unwrap_err().message().contains("queueId"));
        let error = parse(r#"{"queueId":"q","transferType":"Blind"}"#).unwrap_err();
        assert!(error.message().contains("transferType"));
    }
}
