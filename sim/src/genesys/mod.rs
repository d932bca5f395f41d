//! The simulated Genesys Cloud: the login host's token route and the API host's `/api/v2`
//! routes, served from one listener.

pub mod auth;
pub mod errors;
pub mod flows;
pub mod headers;
pub mod oauth;

use axum::http::Uri;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::state::SimState;
use errors::GenesysError;

/// The Genesys routes. `/api/v2` routes require a valid bearer token; the correlation and
/// rate-limit headers are added by [`headers::api_headers`], which the app layers around every
/// route so that faults and unknown paths carry them too.
pub fn routes(state: SimState) -> Router<SimState> {
    let api = Router::new()
        .route("/api/v2/flows/executions", post(flows::launch))
        .route("/api/v2/flows/executions/{id}", get(flows::get_execution))
        .route_layer(from_fn_with_state(state, auth::require_bearer));
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .merge(api)
}

/// Answer to a path no simulated route serves, in Genesys's error shape.
pub async fn not_found(uri: Uri) -> Response {
    GenesysError::not_found(format!("No resource found at {}", uri.path())).into_response()
}
