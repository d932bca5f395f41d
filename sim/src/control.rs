//! The `/_sim` control routes tests use to read the call log and provoke failures. They are not
//! recorded and never faulted, so a test can always reach them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::faults::FaultSpec;
use crate::recording::RecordedCall;
use crate::state::SimState;

/// `/_sim/calls` (GET, DELETE), `/_sim/tokens/expire` (POST), `/_sim/faults` (GET, POST, DELETE).
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/_sim/calls", get(list_calls).delete(clear_calls))
        .route("/_sim/tokens/expire", post(expire_tokens))
        .route(
            "/_sim/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
}

async fn list_calls(State(state): State<SimState>) -> Json<Vec<RecordedCall>> {
    Json(state.calls().snapshot())
}

async fn clear_calls(State(state): State<SimState>) -> StatusCode {
    state.calls().clear();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(state): State<SimState>) -> StatusCode {
    state.tokens().expire_all();
    StatusCode::NO_CONTENT
}

async fn list_faults(State(state): State<SimState>) -> Json<Vec<FaultSpec>> {
    Json(state.faults().pending())
}

async fn add_fault(State(state): State<SimState>, Json(fault): Json<FaultSpec>) -> Response {
    if let Err(problem) = fault.validate() {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": problem }))).into_response();
    }
    state.faults().add(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(state): State<SimState>) -> StatusCode {
    state.faults().clear();
    StatusCode::NO_CONTENT
}
