//! Seeding Cognigy state and reading sessions, for tests (no key, not recorded, never
//! faulted): `POST /_sim/cognigy/endpoints`, `PATCH /_sim/cognigy/endpoints/{id}`,
//! `POST /_sim/cognigy/snapshots` and `GET /_sim/cognigy/sessions/{sessionId}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};

use super::resources::{EndpointPatch, EndpointSeed, SnapshotSeed};
use crate::control::{control_error, JsonBody};
use crate::state::SimState;

/// The `/_sim/cognigy` routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/_sim/cognigy/endpoints", post(seed_endpoint))
        .route("/_sim/cognigy/endpoints/{id}", patch(patch_endpoint))
        .route("/_sim/cognigy/snapshots", post(seed_snapshot))
        .route("/_sim/cognigy/sessions/{session_id}", get(session_inputs))
}

/// The stored Endpoint, as the management API shows it, with 201.
async fn seed_endpoint(
    State(state): State<SimState>,
    JsonBody(seed): JsonBody<EndpointSeed>,
) -> Response {
    match state.cognigy().put_endpoint(seed) {
        Ok(endpoint) => (StatusCode::CREATED, Json(endpoint)).into_response(),
        Err(problem) => control_error(StatusCode::CONFLICT, problem),
    }
}

async fn patch_endpoint(
    State(state): State<SimState>,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<EndpointPatch>,
) -> Response {
    match state.cognigy().patch_endpoint(&id, patch) {
        Some(endpoint) => Json(endpoint).into_response(),
        None => control_error(
            StatusCode::NOT_FOUND,
            format!("no Endpoint {id} in the simulator"),
        ),
    }
}

async fn seed_snapshot(
    State(state): State<SimState>,
    JsonBody(seed): JsonBody<SnapshotSeed>,
) -> Response {
    let snapshot = state.cognigy().put_snapshot(seed);
    (StatusCode::CREATED, Json(snapshot)).into_response()
}

async fn session_inputs(State(state): State<SimState>, Path(session_id): Path<String>) -> Response {
    match state.cognigy_sessions().get(&session_id) {
        Some(session) => Json(session.inputs_view()).into_response(),
        None => control_error(
            StatusCode::NOT_FOUND,
            format!("no session {session_id} in the simulator"),
        ),
    }
}
