//! The simulated NICE Cognigy.AI. Errors are RFC 7807 style [`problem::Problem`]s.
//!
//! - Endpoint host (no credentials but the URLToken; the simulator's endpoint base URL is
//!   `{sim}/endpoint`): `POST /endpoint/{URLToken}` ([`flow`]).
//! - Management API (header `X-API-Key` equal to `SimConfig::cognigy_api_key`):
//!   `GET /new/v2.0/endpoints/{endpointId}`, `GET /new/v2.0/snapshots[?projectId=]`,
//!   `GET /new/v2.0/conversations/{sessionId}[?projectId=]` ([`management`]),
//!   `POST /new/v2.0/endpoint/notify` and `POST /new/v2.0/endpoint/inject` ([`push`]).
//! - Seeding and inspection (no credentials): `POST /_sim/cognigy/endpoints`,
//!   `PATCH /_sim/cognigy/endpoints/{id}`, `POST /_sim/cognigy/snapshots`,
//!   `GET /_sim/cognigy/sessions/{sessionId}` ([`seeding`]).

pub mod flow;
pub mod management;
pub mod problem;
pub mod push;
pub mod resources;
pub mod seeding;
pub mod sessions;
pub mod views;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;

use crate::state::SimState;

/// Path prefix of the Endpoint host's routes.
pub const ENDPOINT_PREFIX: &str = "/endpoint/";
/// Path prefix of the management API.
pub const MANAGEMENT_PREFIX: &str = "/new/v2.0";

/// The Cognigy routes; management routes require the configured `X-API-Key`.
pub fn routes(state: SimState) -> Router<SimState> {
    let management = Router::new()
        .route(
            "/new/v2.0/endpoints/{endpoint_id}",
            get(management::get_endpoint),
        )
        .route("/new/v2.0/snapshots", get(management::list_snapshots))
        .route(
            "/new/v2.0/conversations/{session_id}",
            get(management::get_transcript),
        )
        .route("/new/v2.0/endpoint/notify", post(push::notify))
        .route("/new/v2.0/endpoint/inject", post(push::inject))
        // Last added, first run: the key is checked before the body.
        .route_layer(axum::middleware::from_fn(crate::contract::layers::refuse))
        .route_layer(from_fn_with_state(state, management::require_api_key));
    Router::new()
        .route("/endpoint/{url_token}", post(flow::run_turn))
        .merge(management)
}

/// Whether a path belongs to the simulated Cognigy (its errors are RFC 7807 problems).
pub fn is_cognigy_path(path: &str) -> bool {
    path.starts_with(ENDPOINT_PREFIX) || path == MANAGEMENT_PREFIX || path.starts_with("/new/v2.0/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_and_management_paths_are_cognigy_paths() {
        assert!(is_cognigy_path("/endpoint/abc"));
        assert!(is_cognigy_path("/new/v2.0/snapshots"));
        assert!(!is_cognigy_path("/new/v2.00"));
        assert!(!is_cognigy_path("/api/v2/conversations/x"));
    }
}
