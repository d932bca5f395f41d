//! Conversation analytics: `GET /api/v2/analytics/conversations/{conversationId}/details` and
//! `POST /api/v2/analytics/conversations/details/query`.
//!
//! Like the real service, analytics only knows a conversation some time after it ended: until
//! `analytics_lag_ms` has passed since its `endTime`, it is a 404 (or missing from a query).
//! A conversation seeded with `analyticsNever` never shows up.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::analytics_query::{parse_query, DetailsQuery};
use super::body::json_object;
use super::conversation::{Conversation, Purpose};
use super::errors::GenesysError;
use crate::state::SimState;
use crate::timestamps::iso;

/// Whether analytics has `conversation` at `now`: ended at least `lag` ago, and not seeded
/// as never available.
pub fn is_available(conversation: &Conversation, now: DateTime<Utc>, lag: Duration) -> bool {
    let Some(end) = conversation.end_time else {
        return false;
    };
    let lag = chrono::Duration::from_std(lag).unwrap_or(chrono::Duration::MAX);
    !conversation.analytics_never && end.checked_add_signed(lag).is_some_and(|at| now >= at)
}

/// The analytics document of an ended conversation: one session per participant with one
/// `interact` segment, the participant's queue and, for the customer, `disconnectType`
/// `client` (the customer hung up or closed the chat).
pub fn details(conversation: &Conversation) -> Value {
    let start = conversation.start_time;
    let end = conversation.end_time.unwrap_or(start);
    let media_type = json!(conversation.media_type);
    let participants: Vec<Value> = conversation
        .participants
        .iter()
        .map(|participant| {
            let mut segment = Map::new();
            segment.insert("segmentType".into(), json!("interact"));
            segment.insert("segmentStart".into(), json!(iso(start)));
            let segment_end = participant.end_time.unwrap_or(end);
            segment.insert("segmentEnd".into(), json!(iso(segment_end)));
            if let Some(queue_id) = &participant.queue_id {
                segment.insert("queueId".into(), json!(queue_id));
            }
            if participant.purpose == Purpose::Customer {
                segment.insert("disconnectType".into(), json!("client"));
            }
            json!({
                "participantId": participant.id,
                "purpose": participant.purpose,
                "sessions": [{"mediaType": media_type, "segments": [Value::Object(segment)]}],
            })
        })
        .collect();
    json!({
        "conversationId": conversation.id,
        "conversationStart": iso(start),
        "conversationEnd": iso(end),
        "originatingDirection": "inbound",
        "participants": participants,
    })
}

/// `GET /api/v2/analytics/conversations/{conversationId}/details`.
pub async fn get_details(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    let lag = state.settings().analytics_lag();
    match state.conversations().get(&id) {
        Some(conversation) if is_available(&conversation, Utc::now(), lag) => {
            Json(details(&conversation)).into_response()
        }
        _ => GenesysError::not_found(format!("Conversation {id} not found in analytics"))
            .into_response(),
    }
}

/// `POST /api/v2/analytics/conversations/details/query`. An empty result is
/// `{"totalHits":0}` without `conversations`, as Genesys answers it.
pub async fn query_details(
    State(state): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = match json_object(&headers, &body).and_then(|fields| parse_query(&fields)) {
        Ok(query) => query,
        Err(error) => return error.into_response(),
    };
    let lag = state.settings().analytics_lag();
    let now = Utc::now();
    let available: Vec<Conversation> = state
        .conversations()
        .all()
        .into_iter()
        .filter(|c| is_available(c, now, lag))
        .collect();
    Json(answer(&query, available)).into_response()
}

/// The query's answer over the conversations analytics has (oldest start first).
pub fn answer(query: &DetailsQuery, available: Vec<Conversation>) -> Value {
    let mut hits: Vec<Conversation> = available.into_iter().filter(|c| query.matches(c)).collect();
    if query.descending {
        hits.reverse();
    }
    let total = hits.len();
    let page: Vec<Value> = hits
        .iter()
        .skip(query.page_size.saturating_mul(query.page_number - 1))
        .take(query.page_size)
        .map(details)
        .collect();
    if page.is_empty() {
        json!({ "totalHits": total })
    } else {
        json!({ "conversations": page, "totalHits": total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::conversation_seed::ConversationSeed;

    fn ended(id: &str, end: &str) -> Conversation {
        serde_json::from_value::<ConversationSeed>(json!({
            "id": id,
            "startTime": "2026-05-01T09:00:00Z",
            "endTime": end,
            "participants": [{"purpose": "customer"}, {"purpose": "acd", "queueId": "q1"}],
        }))
        .unwrap()
        .into_conversation()
        .unwrap()
    }

    #[test]
    fn a_conversation_is_available_only_after_its_end_plus_the_lag() {
        let conversation = ended("c1", "2026-05-01T09:05:00Z");
        let end = conversation.end_time.unwrap();
        let lag = Duration::from_secs(10);
        assert!(!is_available(&conversation, end, lag));
        assert!(is_available(
            &conversation,
            end + chrono::Duration::seconds(10),
            lag
        ));
        let mut never = conversation.clone();
        never.analytics_never = true;
        assert!(!is_available(&never, end + chrono::Duration::days(1), lag));
        let mut live = conversation;
        live.end_time = None;
        assert!(!is_available(&live, Utc::now(), Duration::ZERO));
    }

    #[test]
    fn details_carry_the_queue_and_the_customer_disconnect() {
        let body = details(&ended("c1", "2026-05-01T09:05:00Z"));
        assert_eq!(body["conversationEnd"], "2026-05-01T09:05:00.000Z");
        let customer = &body["participants"][0]["sessions"][0]["segments"][0];
        assert_eq!(customer["disconnectType"], "client");
        assert_eq!(customer["segmentType"], "interact");
        let queue = &body["participants"][1]["sessions"][0];
        assert_eq!(queue["mediaType"], "voice");
        assert_eq!(queue["segments"][0]["queueId"], "q1");
        assert!(queue["segments"][0].get("disconnectType").is_none());
    }
}
