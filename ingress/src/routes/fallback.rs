//! `POST /v1/cognigy/fallback`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use cxrelay_core::kinds::{EventKind, FallbackEvent};

use crate::intake::{accept, Accepted};
use crate::problem::ApiError;
use crate::state::AppState;

/// A Cognigy no-match: validated, made durable, answered 202 with the event id.
pub async fn accept_fallback(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let threshold = state.intent_score_threshold;
    accept(&state, EventKind::CognigyFallback, &headers, body, |raw| {
        let event = FallbackEvent::parse(raw, threshold)?;
        Ok(serde_json::to_value(event).unwrap_or_default())
    })
    .await
}
