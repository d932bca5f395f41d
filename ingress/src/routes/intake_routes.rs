//! The six intake routes: one generic handler, and what each kind validates.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use cxrelay_core::kinds::{
    BotFailureEvent, BotSessionEvent, ConversationEndEvent, EventKind, FallbackEvent, FlowRunEvent,
    VirtualAgentEvent,
};
use cxrelay_core::validation::FieldError;
use serde::Serialize;
use serde_json::Value;

use crate::auth::Caller;
use crate::intake::{accept, Validated};
use crate::problem::ApiError;
use crate::state::AppState;

/// Routes that accept events, and the kind each accepts (also the labels of intake metrics).
pub const INTAKE_ROUTES: &[(&str, EventKind)] = &[
    ("/v1/cognigy/fallback", EventKind::CognigyFallback),
    ("/v1/cognigy/bot-failure", EventKind::CognigyBotFailure),
    ("/v1/genesys/bot-sessions", EventKind::GenesysBotSession),
    ("/v1/cognigy/flow-runs", EventKind::CognigyFlowRun),
    (
        "/v1/genesys/virtual-agent-sessions",
        EventKind::GenesysVirtualAgent,
    ),
    (
        "/v1/genesys/conversation-events",
        EventKind::GenesysConversationEnd,
    ),
];

/// A payload type the ingress accepts as events of [`Intake::KIND`].
pub trait Intake: Serialize + Sized {
    /// The kind its events have.
    const KIND: EventKind;
    /// Validates a request body.
    fn validate(raw: &Value, state: &AppState) -> Result<Self, FieldError>;
    /// The key that makes two requests the same event when no `Idempotency-Key` is sent.
    fn natural_key(&self) -> Option<String> {
        None
    }
}

impl Intake for FallbackEvent {
    const KIND: EventKind = EventKind::CognigyFallback;
    fn validate(raw: &Value, state: &AppState) -> Result<Self, FieldError> {
        FallbackEvent::parse(raw, state.intent_score_threshold)
    }
    fn natural_key(&self) -> Option<String> {
        FallbackEvent::natural_key(self)
    }
}

impl Intake for BotFailureEvent {
    const KIND: EventKind = EventKind::CognigyBotFailure;
    fn validate(raw: &Value, _: &AppState) -> Result<Self, FieldError> {
        BotFailureEvent::parse(raw)
    }
}

impl Intake for BotSessionEvent {
    const KIND: EventKind = EventKind::GenesysBotSession;
    fn validate(raw: &Value, _: &AppState) -> Result<Self, FieldError> {
        BotSessionEvent::parse(raw)
    }
}

impl Intake for FlowRunEvent {
    const KIND: EventKind = EventKind::CognigyFlowRun;
    fn validate(raw: &Value, _: &AppState) -> Result<Self, FieldError> {
        FlowRunEvent::parse(raw)
    }
}

impl Intake for VirtualAgentEvent {
    const KIND: EventKind = EventKind::GenesysVirtualAgent;
    fn validate(raw: &Value, _: &AppState) -> Result<Self, FieldError> {
        VirtualAgentEvent::parse(raw)
    }
}

impl Intake for ConversationEndEvent {
    const KIND: EventKind = EventKind::GenesysConversationEnd;
    fn validate(raw: &Value, _: &AppState) -> Result<Self, FieldError> {
        ConversationEndEvent::parse(raw)
    }
    fn natural_key(&self) -> Option<String> {
        Some(ConversationEndEvent::natural_key(self))
    }
}

/// Validates the body as a `T` and makes it a durable event: 202 with its id.
pub async fn accept_event<T: Intake>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    accept(&state, T::KIND, &caller, &headers, body, |raw| {
        let event = T::validate(raw, &state)?;
        Ok(Validated {
            natural_key: event.natural_key(),
            payload: serde_json::to_value(event).unwrap_or_default(),
        })
    })
    .await
}
