//! The path every webhook takes: read the body, validate it as its kind, publish it durably.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use cxrelay_core::envelope::{EventEnvelope, QueueMessage};
use cxrelay_core::idempotency::IdempotencyKey;
use cxrelay_core::kinds::EventKind;
use cxrelay_core::metrics::EVENT_REPEATS_TOTAL;
use cxrelay_core::validation::FieldError;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Caller;
use crate::body::decode_body;
use crate::idempotency_header::idempotency_key;
use crate::problem::ApiError;
use crate::state::AppState;

/// Longest wait for the repeat lookup: a slow database must not hold up intake, whose callers
/// time out in seconds; the worker recognises a repeat anyway.
const REPEAT_LOOKUP_TIMEOUT: Duration = Duration::from_millis(250);

/// The 202 body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// Id to ask `GET /v1/events/{id}` about.
    pub event_id: Uuid,
}

/// Header of a 202 that answers a repeat: the event was accepted before, under the same key.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// What a kind's validation gives the intake path.
pub struct Validated {
    /// The payload in normalised names.
    pub payload: Value,
    /// The kind's natural idempotency key, if the payload has one.
    pub natural_key: Option<String>,
}

/// Validates `body` with `parse` and publishes it as an event of `kind`; 202 only after the
/// broker confirmed the persistent message. A request with an `Idempotency-Key` (or a natural
/// key) gets the id of the first request with that key; a repeat of an event already recorded
/// is answered at once with that id, and nothing is published again.
pub async fn accept<F>(
    state: &AppState,
    kind: EventKind,
    caller: &Caller,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    parse: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&Value) -> Result<Validated, FieldError>,
{
    let Some(_in_flight) = state.drain.begin_request() else {
        return Err(ApiError::ShuttingDown {
            retry_after: state.retry_after_secs,
        });
    };
    let body = body.map_err(|r| ApiError::from_body_rejection(r, state.body_limits.max_bytes))?;
    let content_type = headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes);
    let raw = decode_body(content_type, &body, &state.body_limits)?;
    let validated = parse(&raw)?;
    let key = idempotency_key(headers)?
        .map(IdempotencyKey::Header)
        .or(validated.natural_key.map(IdempotencyKey::Natural));
    let event_id = key
        .as_ref()
        .map_or_else(Uuid::now_v7, |key| key.event_id(kind));
    if key.is_some() && is_recorded_repeat(state, event_id).await {
        tracing::info!(%event_id, %kind, "a repeat of an accepted event: answered with its id");
        metrics::counter!(EVENT_REPEATS_TOTAL, "kind" => kind.as_str()).increment(1);
        return Ok(accepted(event_id, true));
    }
    let envelope = EventEnvelope {
        event_id,
        kind,
        received_at: Utc::now(),
        request_id: header_str(headers, "x-request-id").map(str::to_owned),
        idempotency_key: key.as_ref().map(IdempotencyKey::stored),
        attempt: 0,
        generation: 0,
        source: Some(caller.source.as_str().to_owned()),
        key_name: Some(caller.key_name.clone()),
        payload: validated.payload,
    };
    let message = QueueMessage::current(envelope).to_bytes();
    state
        .publisher
        .publish_confirmed(kind.as_str(), &message, &event_id.to_string())
        .await
        .map_err(|cause| ApiError::Unavailable {
            retry_after: state.retry_after_secs,
            cause,
        })?;
    tracing::info!(%event_id, %kind, source = %caller.source, key = %caller.key_name, "event accepted");
    Ok(accepted(event_id, false))
}

fn accepted(event_id: Uuid, replayed: bool) -> Response {
    let mut response = (StatusCode::ACCEPTED, Json(Accepted { event_id })).into_response();
    if replayed {
        response
            .headers_mut()
            .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    response
}

/// Counts a repeat of an event a worker has recorded (`events.repeats`). A repeat of one
/// still queued is not found here: it is published, and the worker recognises it. The
/// database being away costs only that shortcut, and with `ingress.repeat_lookup` off it is
/// never taken.
async fn is_recorded_repeat(state: &AppState, event_id: Uuid) -> bool {
    let Some(repeats) = &state.repeats else {
        return false;
    };
    let lookup = repeats.is_recorded(event_id);
    match tokio::time::timeout(REPEAT_LOOKUP_TIMEOUT, lookup).await {
        Ok(Ok(recorded)) => recorded,
        Ok(Err(error)) => {
            tracing::warn!(%error, %event_id, "cannot look up a repeat; publishing it for the worker to recognise");
            false
        }
        Err(_) => {
            tracing::warn!(%event_id, "the repeat lookup is slow; publishing it for the worker to recognise");
            false
        }
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
