//! The `/_sim` control routes tests use to read the call log, provoke failures and change
//! settings. They are not recorded and never faulted, so a test can always reach them. The
//! seeding routes of each platform live with it (`genesys::seeding`, `cognigy::seeding`).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::faults::FaultSpec;
use crate::recording::RecordedCall;
use crate::runtime_settings::SettingsPatch;
use crate::state::SimState;

/// `/_sim/calls` (GET, DELETE), `/_sim/tokens/expire` (POST), `/_sim/faults` (GET, POST,
/// DELETE), `/_sim/chaos` (GET, POST, DELETE; see [`crate::chaos`]), `/_sim/settings` (GET,
/// POST).
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/_sim/calls", get(list_calls).delete(clear_calls))
        .route("/_sim/tokens/expire", post(expire_tokens))
        .route(
            "/_sim/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sim/settings", get(settings).post(change_settings))
        .merge(crate::chaos::routes::routes())
}

/// A control route's error: `{"error": "<what to fix>"}` with `status`.
pub fn control_error(status: StatusCode, problem: impl Into<String>) -> Response {
    (status, Json(json!({ "error": problem.into() }))).into_response()
}

/// A JSON body of a control route, whatever its declared content type (curl users forget
/// it); a body that does not parse is a 400 [`control_error`] saying why.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| control_error(StatusCode::BAD_REQUEST, format!("bad JSON body: {e}")))
    }
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
        return control_error(StatusCode::BAD_REQUEST, problem);
    }
    state.faults().add(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(state): State<SimState>) -> StatusCode {
    state.faults().clear();
    StatusCode::NO_CONTENT
}

async fn settings(State(state): State<SimState>) -> Json<SettingsPatch> {
    Json(state.settings().current())
}

/// Applies the fields of the body and answers every setting now in force.
async fn change_settings(
    State(state): State<SimState>,
    JsonBody(patch): JsonBody<SettingsPatch>,
) -> Json<SettingsPatch> {
    state.settings().apply(&patch);
    Json(state.settings().current())
}
