//! The read side of the Cognigy management API under `/new/v2.0` and its `X-API-Key` check:
//! `GET /new/v2.0/endpoints/{endpointId}`, `GET /new/v2.0/snapshots[?projectId=…]` and
//! `GET /new/v2.0/conversations/{sessionId}[?projectId=…]`.

use axum::extract::{Path, Query, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::problem::Problem;
use super::views;
use crate::state::SimState;

/// The header that carries the management API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Middleware: only requests carrying the configured key in `X-API-Key` pass; others get a
/// 401 problem.
pub async fn require_api_key(
    State(state): State<SimState>,
    request: Request,
    next: Next,
) -> Response {
    if has_key(request.headers(), &state.config().cognigy_api_key) {
        next.run(request).await
    } else {
        Problem::unauthorized().into_response()
    }
}

/// Whether `headers` carry `key` in `X-API-Key` (an empty configured key matches nothing).
pub fn has_key(headers: &HeaderMap, key: &str) -> bool {
    !key.is_empty()
        && headers
            .get(API_KEY_HEADER)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|sent| sent == key)
}

/// `?projectId=`: accepted on the list routes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectQuery {
    /// Only this project's resources.
    pub project_id: Option<String>,
}

/// `GET /new/v2.0/endpoints/{endpointId}`.
pub async fn get_endpoint(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    match state.cognigy().endpoint(&id) {
        Some(endpoint) => Json(views::endpoint(&endpoint)).into_response(),
        None => Problem::not_found(format!("Endpoint {id} not found.")).into_response(),
    }
}

/// `GET /new/v2.0/snapshots`: `{"items":[...],"total":n}`.
pub async fn list_snapshots(
    State(state): State<SimState>,
    Query(query): Query<ProjectQuery>,
) -> Json<Value> {
    let items = state.cognigy().snapshots(query.project_id.as_deref());
    Json(views::snapshot_list(&items))
}

/// `GET /new/v2.0/conversations/{sessionId}`: the session's transcript; an unknown session
/// has an empty one.
pub async fn get_transcript(
    State(state): State<SimState>,
    Path(session_id): Path<String>,
    Query(_project): Query<ProjectQuery>,
) -> Json<Value> {
    let items = state
        .cognigy_sessions()
        .get(&session_id)
        .map(|session| session.transcript())
        .unwrap_or_default();
    Json(json!({ "total": items.len(), "items": items }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_the_exact_configured_key_passes() {
        let mut headers = HeaderMap::new();
        assert!(!has_key(&headers, "k"));
        headers.insert(API_KEY_HEADER, HeaderValue::from_static("k"));
        assert!(has_key(&headers, "k"));
        assert!(!has_key(&headers, "K"));
        assert!(!has_key(&headers, ""));
    }
}
