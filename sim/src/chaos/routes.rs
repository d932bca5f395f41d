//! `/_sim/chaos`: start, show and end chaos profiles.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::book::ChaosView;
use super::profile::ChaosRequest;
use super::scope::{Platform, Scope};
use crate::control::{control_error, JsonBody};
use crate::state::SimState;

/// `GET`, `POST` and `DELETE /_sim/chaos`.
pub fn routes() -> Router<SimState> {
    Router::new().route(
        "/_sim/chaos",
        get(list_profiles).post(set_profile).delete(end_profiles),
    )
}

async fn list_profiles(State(state): State<SimState>) -> Json<BTreeMap<Platform, ChaosView>> {
    Json(state.chaos().active())
}

/// Starts (or replaces) the profile of the body's scope; answers every active profile, so the
/// defaults it filled in are visible.
async fn set_profile(
    State(state): State<SimState>,
    JsonBody(request): JsonBody<ChaosRequest>,
) -> Response {
    match request.parse() {
        Ok((scope, profile)) => {
            state.chaos().set(scope, &profile);
            Json(state.chaos().active()).into_response()
        }
        Err(problem) => control_error(StatusCode::BAD_REQUEST, problem),
    }
}

/// `?scope=` of `DELETE /_sim/chaos`.
#[derive(Deserialize)]
struct EndQuery {
    scope: Option<String>,
}

/// Ends the profiles of `?scope=` (every profile without one).
async fn end_profiles(State(state): State<SimState>, Query(query): Query<EndQuery>) -> Response {
    let scope = match query.scope.as_deref().map(Scope::parse).transpose() {
        Ok(scope) => scope.unwrap_or(Scope::All),
        Err(problem) => return control_error(StatusCode::BAD_REQUEST, problem),
    };
    state.chaos().clear(scope);
    StatusCode::NO_CONTENT.into_response()
}
