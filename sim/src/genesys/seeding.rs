//! Seeding Genesys state for tests (no token, not recorded, never faulted):
//! `POST /_sim/genesys/conversations`, `POST /_sim/genesys/conversations/{id}/end`,
//! `GET /_sim/genesys/conversations/{id}`, `POST /_sim/genesys/flows` and
//! `POST /_sim/genesys/queues`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::architect_flows::FlowSeed;
use super::conversation::Conversation;
use super::conversation_seed::ConversationSeed;
use super::queues::QueueSeed;
use crate::control::{control_error, JsonBody};
use crate::state::SimState;

/// The `/_sim/genesys` routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/_sim/genesys/conversations", post(seed_conversation))
        .route("/_sim/genesys/conversations/{id}", get(stored_conversation))
        .route(
            "/_sim/genesys/conversations/{id}/end",
            post(end_conversation),
        )
        .route("/_sim/genesys/flows", post(seed_flow))
        .route("/_sim/genesys/queues", post(seed_queue))
}

/// The stored flow, with its id, and 201.
async fn seed_flow(State(state): State<SimState>, JsonBody(seed): JsonBody<FlowSeed>) -> Response {
    (StatusCode::CREATED, Json(state.flows().put(seed))).into_response()
}

/// The stored queue, with its id, and 201.
async fn seed_queue(
    State(state): State<SimState>,
    JsonBody(seed): JsonBody<QueueSeed>,
) -> Response {
    (StatusCode::CREATED, Json(state.queues().put(seed))).into_response()
}

/// Stores a seeded conversation (replacing one with the same id); the error says what is
/// inconsistent in it.
pub fn seed(state: &SimState, seed: ConversationSeed) -> Result<Conversation, String> {
    let conversation = seed.into_conversation()?;
    state.conversations().insert(conversation.clone());
    Ok(conversation)
}

async fn seed_conversation(
    State(state): State<SimState>,
    JsonBody(body): JsonBody<ConversationSeed>,
) -> Response {
    match seed(&state, body) {
        Ok(conversation) => (StatusCode::CREATED, Json(conversation)).into_response(),
        Err(problem) => control_error(StatusCode::BAD_REQUEST, problem),
    }
}

async fn stored_conversation(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    match state.conversations().get(&id) {
        Some(conversation) => Json(conversation).into_response(),
        None => unknown(&id),
    }
}

/// Ends the conversation now: `endTime` is set and every participant disconnected. A request
/// body, if any, is ignored.
async fn end_conversation(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    match state.conversations().end(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => unknown(&id),
    }
}

fn unknown(id: &str) -> Response {
    control_error(
        StatusCode::NOT_FOUND,
        format!("no conversation {id} in the simulator"),
    )
}
