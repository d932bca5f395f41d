//! The simulated Genesys Cloud: the login host's token route and the API host's `/api/v2`
//! routes, served from one listener.
//!
//! `/api/v2` routes (all require a bearer token from `/oauth/token`):
//! - `POST /api/v2/flows/executions`, `GET /api/v2/flows/executions/{id}` ([`flows`]);
//! - `GET /api/v2/flows/{flowId}` ([`architect_flows`]) and
//!   `GET /api/v2/routing/queues/{queueId}` ([`queues`]), of seeded flows and queues;
//! - `GET /api/v2/conversations/{conversationId}` and
//!   `POST /api/v2/conversations/{cid}/participants/{pid}/replace/queue` (also the older
//!   `POST /api/v2/conversations/calls/{cid}/participants/{pid}/replace`) ([`conversations`]);
//! - `POST /api/v2/conversations/messages` and `POST /api/v2/conversations/messages/agentless`
//!   ([`messages`]);
//! - `GET /api/v2/analytics/conversations/{conversationId}/details` and
//!   `POST /api/v2/analytics/conversations/details/query` ([`analytics`]);
//! - `POST`/`GET /api/v2/processautomation/triggers`,
//!   `GET /api/v2/processautomation/triggers/{id}` ([`triggers`]).
//!
//! Each route needing a permission answers 403 `missing.permissions` when a test took that
//! permission from the OAuth client's role ([`permissions`]).
//!
//! Seeding (no token): `/_sim/genesys/conversations...`, `/_sim/genesys/flows`,
//! `/_sim/genesys/queues` ([`seeding`]).

pub mod analytics;
pub mod analytics_query;
pub mod architect_flows;
pub mod auth;
pub mod body;
pub mod conversation;
pub mod conversation_seed;
pub mod conversation_store;
pub mod conversations;
pub mod errors;
pub mod flows;
pub mod headers;
pub mod messages;
pub mod oauth;
pub mod permissions;
pub mod queues;
pub mod seeding;
pub mod triggers;

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
        .route("/api/v2/flows/{flow_id}", get(architect_flows::get_flow))
        .route("/api/v2/routing/queues/{queue_id}", get(queues::get_queue))
        .route(
            "/api/v2/conversations/{conversation_id}",
            get(conversations::get_conversation),
        )
        .route(
            "/api/v2/conversations/{conversation_id}/participants/{participant_id}/replace/queue",
            post(conversations::replace_with_queue),
        )
        .route(
            "/api/v2/conversations/calls/{conversation_id}/participants/{participant_id}/replace",
            post(conversations::replace_with_queue),
        )
        .route(
            "/api/v2/conversations/messages",
            post(messages::start_queue_conversation),
        )
        .route(
            "/api/v2/conversations/messages/agentless",
            post(messages::send_agentless),
        )
        .route(
            "/api/v2/analytics/conversations/{conversation_id}/details",
            get(analytics::get_details),
        )
        .route(
            "/api/v2/analytics/conversations/details/query",
            post(analytics::query_details),
        )
        .route(
            "/api/v2/processautomation/triggers",
            post(triggers::create_trigger).get(triggers::list_triggers),
        )
        .route(
            "/api/v2/processautomation/triggers/{id}",
            get(triggers::get_trigger),
        )
        // Layers run last-added first: the token is checked before the permission, and the
        // permission before the body.
        .route_layer(axum::middleware::from_fn(crate::contract::layers::refuse))
        .route_layer(from_fn_with_state(
            state.clone(),
            permissions::require_permission,
        ))
        .route_layer(from_fn_with_state(state, auth::require_bearer));
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .merge(api)
        .merge(seeding::routes())
}

/// Answer to a path no simulated route serves, in Genesys's error shape.
pub async fn not_found(uri: Uri) -> Response {
    GenesysError::not_found(format!("No resource found at {}", uri.path())).into_response()
}
