//! The path every webhook takes: read the body, validate it as its kind, publish it durably.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use chrono::Utc;
use cxrelay_core::envelope::{EventEnvelope, QueueMessage};
use cxrelay_core::kinds::EventKind;
use cxrelay_core::validation::FieldError;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::problem::ApiError;
use crate::state::AppState;

/// Longest accepted `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 256;

/// The 202 body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    /// Id to ask `GET /v1/events/{id}` about.
    pub event_id: Uuid,
}

/// Validates `body` with `parse` and publishes it as an event of `kind`; 202 only after the
/// broker confirmed the persistent message.
pub async fn accept<F>(
    state: &AppState,
    kind: EventKind,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    parse: F,
) -> Result<(StatusCode, Json<Accepted>), ApiError>
where
    F: FnOnce(&Value) -> Result<Value, FieldError>,
{
    let body = body.map_err(|r| ApiError::from_body_rejection(r, state.body_limit))?;
    require_json_content_type(headers)?;
    let raw: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let payload = parse(&raw)?;
    let envelope = EventEnvelope {
        event_id: Uuid::now_v7(),
        kind,
        received_at: Utc::now(),
        request_id: header_str(headers, "x-request-id").map(str::to_owned),
        idempotency_key: idempotency_key(headers)?,
        attempt: 0,
        generation: 0,
        payload,
    };
    let event_id = envelope.event_id;
    let message = QueueMessage::current(envelope).to_bytes();
    state
        .publisher
        .publish_confirmed(kind.as_str(), &message, &event_id.to_string())
        .await
        .map_err(|cause| ApiError::Unavailable {
            retry_after: state.retry_after_secs,
            cause,
        })?;
    tracing::info!(%event_id, %kind, "event accepted");
    Ok((StatusCode::ACCEPTED, Json(Accepted { event_id })))
}

/// JSON, or no content type at all (some HTTP clients send none); anything else is 415.
fn require_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(content_type) = header_str(headers, header::CONTENT_TYPE.as_str()) else {
        return Ok(());
    };
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let is_json = essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5 && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let invalid = |message: &str| ApiError::InvalidHeader {
        header: "Idempotency-Key",
        rule: "format",
        message: message.to_owned(),
    };
    let key = value
        .to_str()
        .map_err(|_| invalid("Idempotency-Key must be printable ASCII"))?
        .trim();
    if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(invalid("Idempotency-Key must be 1 to 256 characters"));
    }
    Ok(Some(key.to_owned()))
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
