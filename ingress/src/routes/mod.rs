//! The two routers: public webhooks (`/v1`) and admin (health, readiness).

mod admin;
mod events;
mod fallback;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::require_api_key;
use crate::state::AppState;

/// Header that carries the request id in and out, and into the event envelope.
const REQUEST_ID_HEADER: &str = "x-request-id";

/// The public listener: every route needs an API key.
pub fn public_router(state: AppState) -> Router {
    let request_id = axum::http::HeaderName::from_static(REQUEST_ID_HEADER);
    Router::new()
        .route("/v1/cognigy/fallback", post(fallback::accept_fallback))
        .route("/v1/events/{id}", get(events::event_status))
        .route_layer(middleware::from_fn_with_state(
            state.api_keys.clone(),
            require_api_key,
        ))
        .layer(DefaultBodyLimit::max(state.body_limit))
        .with_state(state)
        // Outermost first: a request id is set (or kept from the caller), the span names it,
        // and the response carries it back.
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// The admin listener: health and readiness; bind it to a private address.
pub fn admin_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(admin::healthz))
        .route("/readyz", get(admin::readyz))
        .with_state(state)
}
