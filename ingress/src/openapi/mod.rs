//! The ingress's OpenAPI 3.1 document, generated from the code with utoipa: the handlers'
//! `#[utoipa::path]` declarations, the answer types, and doc structs for the request bodies.
//! Served at `GET /openapi.json` on the admin listener and committed at `ingress/openapi.json`;
//! the test `openapi::tests::the_committed_document_is_the_generated_one` fails when the two
//! disagree (`CXRELAY_UPDATE_OPENAPI=1 cargo test -p cxrelay-ingress openapi` rewrites it).

mod access;
mod alias_rules;
mod bodies;
mod code_samples;
mod fallback_rule;
mod form_bodies;
mod intake;
mod problems;
mod replay_rules;
mod requests;
mod rules;
mod storable_values;
mod text_forms;

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Map, Value};
use utoipa::OpenApi;

pub use bodies::{event_status_example, Readiness};
pub use problems::{
    AdminDisabled, AdminUnauthorized, BadRequest, DatabaseUnavailable, NotFound, PayloadTooLarge,
    Problem, SourceNotAllowed, Unauthorized, Unavailable, UnsupportedMediaType,
};
pub use requests::ReplayRequest;
pub use rules::ALIAS_EXTENSION;

use crate::routes;
use access::Access;
use code_samples::CodeSamples;

/// The ingress's API, as utoipa collects it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cxrelay ingress",
        description = "cxrelay's HTTP API. The public listener takes webhooks from Cognigy, \
            Genesys and any backend, makes each one durable in RabbitMQ and answers 202 with its \
            `eventId`; `GET /v1/events/{id}` tells what became of it. The admin listener serves \
            health, readiness, metrics, this document and the replay API; bind it to a private \
            address.\n\nBodies are JSON objects (`application/json`, or no content type) of at \
            most `ingress.body_limit_bytes` (64 KiB). Where a field has aliases (`x-alias-of`), \
            send it under one of its names (under two: 422, rule `alias_conflict`); a field sent \
            as `null` counts as absent; fields not listed are ignored; no string or key may \
            hold the NUL character U+0000 (422, rule `nul_character`). Every error is `application/problem+json` and, for a \
            bad field, names it and the rule it breaks.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        intake::cognigy_fallback,
        intake::cognigy_bot_failure,
        intake::genesys_bot_session,
        intake::cognigy_flow_run,
        intake::genesys_virtual_agent,
        intake::genesys_conversation_end,
        routes::events::event_status,
        routes::admin::healthz,
        routes::admin::readyz,
        routes::admin::metrics,
        openapi_json,
        routes::admin_replay::replay,
    ),
    components(responses(
        BadRequest,
        Unauthorized,
        SourceNotAllowed,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
        NotFound,
        DatabaseUnavailable,
        AdminUnauthorized,
        AdminDisabled,
    )),
    modifiers(&Access, &CodeSamples),
    tags(
        (name = "intake", description = "The six webhook routes: one event kind each."),
        (name = "events", description = "What became of an accepted event."),
        (name = "admin", description = "Health, readiness, metrics and this document (admin listener)."),
        (name = "replay", description = "The replay API (admin listener, bearer tokens)."),
    )
)]
pub struct IngressApi;

/// The request schemas of the six webhook routes.
const WEBHOOK_REQUESTS: &[&str] = &[
    "FallbackRequest",
    "BotFailureRequest",
    "BotSessionRequest",
    "FlowRunRequest",
    "VirtualAgentRequest",
    "ConversationEndRequest",
];

/// Every request body schema: the webhooks' and the replay API's.
const REQUESTS: [&str; 7] = [
    WEBHOOK_REQUESTS[0],
    WEBHOOK_REQUESTS[1],
    WEBHOOK_REQUESTS[2],
    WEBHOOK_REQUESTS[3],
    WEBHOOK_REQUESTS[4],
    WEBHOOK_REQUESTS[5],
    "ReplayRequest",
];

/// The document as JSON, every object's keys in sorted order (so the committed file is stable).
pub fn document() -> Value {
    let mut generated = serde_json::to_value(IngressApi::openapi()).unwrap_or_default();
    alias_rules::refuse_two_names(&mut generated, WEBHOOK_REQUESTS);
    text_forms::add_text_forms(&mut generated);
    fallback_rule::add_fallback_rule(&mut generated);
    replay_rules::add_replay_rules(&mut generated);
    storable_values::refuse_nul(&mut generated, &REQUESTS);
    form_bodies::add_form_bodies(&mut generated);
    sorted(generated)
}

/// The document as the committed file holds it: pretty-printed, a newline at the end.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// The document, made once.
static DOCUMENT: LazyLock<String> = LazyLock::new(document_text);

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "admin",
    summary = "This OpenAPI document",
    description = "The same document as `ingress/openapi.json` in the repository.",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of the ingress.",
            body = Object, content_type = "application/json",
            example = json!({"openapi": "3.1.0", "info": {"title": "cxrelay ingress"}, "paths": {}})),
        (status = 401, response = AdminUnauthorized),
    )
)]
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

#[cfg(test)]
mod tests;

/// `value` with every object's keys sorted, whatever map serde_json was built with.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, sorted(value)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
