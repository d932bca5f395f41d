//! The two routers: public webhooks (`/v1`) and admin (health, readiness, metrics, OpenAPI,
//! replay). Every route is in the OpenAPI document (`crate::openapi`); a test fails otherwise.

pub(crate) mod admin;
pub(crate) mod admin_replay;
pub(crate) mod events;
mod intake_routes;

pub use intake_routes::{Intake, INTAKE_ROUTES};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, Router};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultMakeSpan, TraceLayer};

use cxrelay_core::kinds::{
    BotFailureEvent, BotSessionEvent, ConversationEndEvent, FallbackEvent, FlowRunEvent,
    VirtualAgentEvent,
};
use intake_routes::accept_event;

use crate::admin_auth::require_admin_token;
use crate::auth::require_caller;
use crate::intake_metrics::count_intake;
use crate::openapi::openapi_json;
use crate::state::AppState;

/// Header that carries the request id in and out, and into the event envelope.
const REQUEST_ID_HEADER: &str = "x-request-id";

/// The public listener: every route needs a credential of a source the route accepts.
pub fn public_router(state: AppState) -> Router {
    let request_id = axum::http::HeaderName::from_static(REQUEST_ID_HEADER);
    Router::new()
        .route("/v1/cognigy/fallback", post(accept_event::<FallbackEvent>))
        .route(
            "/v1/cognigy/bot-failure",
            post(accept_event::<BotFailureEvent>),
        )
        .route(
            "/v1/genesys/bot-sessions",
            post(accept_event::<BotSessionEvent>),
        )
        .route("/v1/cognigy/flow-runs", post(accept_event::<FlowRunEvent>))
        .route(
            "/v1/genesys/virtual-agent-sessions",
            post(accept_event::<VirtualAgentEvent>),
        )
        .route(
            "/v1/genesys/conversation-events",
            post(accept_event::<ConversationEndEvent>),
        )
        .route("/v1/events/{id}", get(events::event_status))
        .route_layer(middleware::from_fn_with_state(
            state.authenticator.clone(),
            require_caller,
        ))
        // Outside the key check, so that refused requests are counted too.
        .route_layer(middleware::from_fn(count_intake))
        .layer(DefaultBodyLimit::max(state.body_limits.max_bytes))
        .with_state(state)
        // The last layer is the outermost: a request id is set (or the caller's kept) first,
        // then the trace span names it, and the response carries it back.
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        // Spans name the method and path only: no headers (API keys travel in them) and, as
        // TraceLayer never reads bodies, no body; errors log no request content either.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().include_headers(false)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// The admin listener: health, readiness, metrics, the OpenAPI document and the admin API. Every
/// route but `/healthz` (and `/metrics` when `ingress.metrics_open`) needs an admin bearer token;
/// bind it to a private address.
pub fn admin_router(state: AppState) -> Router {
    let mut protected = Router::new()
        .route("/admin/v1/replay", post(admin_replay::replay))
        .route("/readyz", get(admin::readyz))
        .route("/openapi.json", get(openapi_json));
    let mut open = Router::new().route("/healthz", get(admin::healthz));
    if state.metrics_open {
        open = open.route("/metrics", get(admin::metrics));
    } else {
        protected = protected.route("/metrics", get(admin::metrics));
    }
    let protected = protected
        .route_layer(middleware::from_fn_with_state(
            state.admin_tokens.clone(),
            require_admin_token,
        ))
        .layer(DefaultBodyLimit::max(state.body_limits.max_bytes));
    Router::new().merge(protected).merge(open).with_state(state)
}
