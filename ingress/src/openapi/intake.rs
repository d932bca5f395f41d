//! The six webhook routes. One generic handler (`accept_event::<T>`) serves them all, so each
//! route's operation is declared on a function of its own here, which only the document uses.
//! The request examples are the README's, and the e2e test `openapi` posts each one and expects
//! 202.

#![allow(dead_code)]

use utoipa::IntoParams;

use super::problems::{
    BadRequest, PayloadTooLarge, SourceNotAllowed, Unauthorized, Unavailable, UnsupportedMediaType,
};
use super::requests::{
    BotFailureRequest, BotSessionRequest, ConversationEndRequest, FallbackRequest, FlowRunRequest,
    VirtualAgentRequest,
};
use crate::intake::Accepted;

/// Request headers every webhook route reads.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IntakeHeaders {
    /// Every request of a kind with the same key is the same event, with the same `eventId`,
    /// carried out once. Printable ASCII, 1 to 256 characters; otherwise 400.
    #[param(
        rename = "Idempotency-Key",
        nullable = false,
        min_length = 1,
        max_length = 256,
        example = "crm-order-1234-notify"
    )]
    pub idempotency_key: Option<String>,
    /// Kept (one is made when absent), sent back, and stored with the event.
    #[param(
        rename = "X-Request-Id",
        nullable = false,
        example = "3e5d1c2a-9b8f-4e7d-a6c5-b4a3f2e1d0c9"
    )]
    pub x_request_id: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/cognigy/fallback",
    operation_id = "cognigyFallback",
    tag = "intake",
    summary = "Hand a user the Cognigy bot did not understand to Genesys",
    description = "Kind `cognigy.fallback`, sent by a Cognigy HTTP Request node where the bot did \
        not understand. The worker launches the Genesys workflow `genesys.fallback_flow_id` and, \
        with a `URLToken`, tells the user through Cognigy's notify API. Sources allowed by \
        default: `cognigy`, `api` (`ingress.route_sources.fallback`).",
    params(IntakeHeaders),
    request_body(
        content = FallbackRequest,
        content_type = "application/json",
        examples(("readme" = (
            summary = "A no-match from Cognigy's input (README)",
            value = json!({"sessionId": "demo-session-1", "userId": "demo-user-1",
                "text": "I want to talk to a person", "intent": null, "intentScore": 0.2,
                "understood": false, "language": "en-US", "channel": "webchat3",
                "inputId": "4f1c2d9e-0b7a-4c55-9d2e-6a1b3c4d5e6f",
                "URLToken": "demo-urltoken-0001", "data": {"plan": "gold"}})
        )))
    ),
    responses(
        (status = 202, description = "Accepted: durable in RabbitMQ.", body = Accepted,
            headers(
                ("Idempotent-Replayed" = String, description = "`true` when this answers a repeat of an event already recorded (same `Idempotency-Key` or natural key): nothing new was enqueued."),
                ("X-Request-Id" = String, description = "The request's id.")
            ),
            example = json!({"eventId": "01a21291-f34f-7615-86db-9159b2f5ae7a"})),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = SourceNotAllowed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A field breaks a rule: `field` names it, `rule` says which.",
            body = super::problems::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:cxrelay:problem:validation", "title": "Unprocessable Entity",
                "status": 422, "field": "intent", "rule": "not_a_fallback",
                "detail": "intent must be null, \"fallback\" or \"no_match\", or intentScore must be under 0.5; got intent \"order_status\" with intentScore 0.9"})),
        (status = 503, response = Unavailable),
    )
)]
pub fn cognigy_fallback() {}

#[utoipa::path(
    post,
    path = "/v1/cognigy/bot-failure",
    operation_id = "cognigyBotFailure",
    tag = "intake",
    summary = "Move a failed Cognigy voice bot's call to the fallback queue",
    description = "Kind `cognigy.bot_failure`, sent by a Cognigy voice bot's error path while it \
        serves a Genesys call. The worker checks the conversation is live, then transfers the \
        participant to `queueId` or `genesys.fallback_queue_id`. Sources allowed by default: \
        `cognigy`, `api` (`ingress.route_sources.bot_failure`).",
    params(IntakeHeaders),
    request_body(
        content = BotFailureRequest,
        content_type = "application/json",
        examples(("readme" = (
            summary = "A voice bot's HTTP Request node timed out (README)",
            value = json!({"conversationId": "5f0c1a2b-0000-4000-8000-00000000c0a1",
                "participantId": "5f0c1a2b-0000-4000-8000-0000000000b1",
                "sessionId": "demo-voice-session-1",
                "reason": "HTTP Request node timed out calling the order service"})
        )))
    ),
    responses(
        (status = 202, description = "Accepted: durable in RabbitMQ.", body = Accepted,
            headers(
                ("Idempotent-Replayed" = String, description = "`true` when this answers a repeat of an event already recorded: nothing new was enqueued."),
                ("X-Request-Id" = String, description = "The request's id.")
            ),
            example = json!({"eventId": "01a21292-06fe-71ef-8234-765a933fcf27"})),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = SourceNotAllowed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A field breaks a rule: `field` names it, `rule` says which.",
            body = super::problems::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:cxrelay:problem:validation", "title": "Unprocessable Entity",
                "status": 422, "field": "conversationId", "rule": "format",
                "detail": "conversationId must be a UUID"})),
        (status = 503, response = Unavailable),
    )
)]
pub fn cognigy_bot_failure() {}

#[utoipa::path(
    post,
    path = "/v1/genesys/bot-sessions",
    operation_id = "genesysBotSession",
    tag = "intake",
    summary = "Start a Cognigy bot for a Genesys caller",
    description = "Kind `genesys.bot_session`, sent by a Web Services Data Action in a Genesys \
        Architect flow. The worker sends the first turn to the Cognigy Endpoint and stores the \
        session and the bot's messages (`result.messages` of `GET /v1/events/{id}`). Sources \
        allowed by default: `genesys`, `api` (`ingress.route_sources.bot_sessions`).",
    params(IntakeHeaders),
    request_body(
        content = BotSessionRequest,
        content_type = "application/json",
        examples(("readme" = (
            summary = "A data action's inputs, in the tutorial's snake_case names (README)",
            value = json!({"user_id": "+15550100",
                "session_id": "5f0c1a2b-0000-4000-8000-00000000c0a1",
                "message": "I need to change my delivery address", "queue_name": "Billing",
                "intent": "change_address", "locale": "en-US",
                "conversation_id": "5f0c1a2b-0000-4000-8000-00000000c0a1",
                "variables": {"customerTier": "gold"}})
        )))
    ),
    responses(
        (status = 202, description = "Accepted: durable in RabbitMQ.", body = Accepted,
            headers(
                ("Idempotent-Replayed" = String, description = "`true` when this answers a repeat of an event already recorded: nothing new was enqueued."),
                ("X-Request-Id" = String, description = "The request's id.")
            ),
            example = json!({"eventId": "01a21292-3c5d-7a41-9e0b-5d2f8c7a6b13"})),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = SourceNotAllowed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A field breaks a rule: `field` names it, `rule` says which.",
            body = super::problems::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:cxrelay:problem:validation", "title": "Unprocessable Entity",
                "status": 422, "field": "userId", "rule": "required",
                "detail": "userId is required"})),
        (status = 503, response = Unavailable),
    )
)]
pub fn genesys_bot_session() {}

#[utoipa::path(
    post,
    path = "/v1/cognigy/flow-runs",
    operation_id = "cognigyFlowRun",
    tag = "intake",
    summary = "Run a turn of a Cognigy Flow",
    description = "Kind `cognigy.flow_run`, sent by any backend. The worker checks the Endpoint \
        is active and serves `expectedSnapshot`, sends the turn, and stores the transcript; \
        turns of one `endpoint`/`sessionId` run in the order they were accepted. Sources allowed \
        by default: `cognigy`, `api` (`ingress.route_sources.flow_runs`).",
    params(IntakeHeaders),
    request_body(
        content = FlowRunRequest,
        content_type = "application/json",
        examples(("readme" = (
            summary = "A turn of an order chat (README)",
            value = json!({"endpoint": "support", "expectedSnapshot": "65aa00000000000000000001",
                "userId": "crm-user-42", "sessionId": "order-chat-42",
                "text": "where is my order", "data": {"orderChannel": "web"}})
        )))
    ),
    responses(
        (status = 202, description = "Accepted: durable in RabbitMQ.", body = Accepted,
            headers(
                ("Idempotent-Replayed" = String, description = "`true` when this answers a repeat of an event already recorded: nothing new was enqueued."),
                ("X-Request-Id" = String, description = "The request's id.")
            ),
            example = json!({"eventId": "01a21293-1d4e-7c2b-8f3a-2b1c0d9e8f7a"})),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = SourceNotAllowed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A field breaks a rule: `field` names it, `rule` says which.",
            body = super::problems::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:cxrelay:problem:validation", "title": "Unprocessable Entity",
                "status": 422, "field": "text", "rule": "required",
                "detail": "text or data is required"})),
        (status = 503, response = Unavailable),
    )
)]
pub fn cognigy_flow_run() {}

#[utoipa::path(
    post,
    path = "/v1/genesys/virtual-agent-sessions",
    operation_id = "genesysVirtualAgent",
    tag = "intake",
    summary = "Send a bot's message on a Genesys messaging channel, or escalate to a human",
    description = "Kind `genesys.virtual_agent`, sent by any backend. The worker reserves a \
        session for the bot (at most `genesys.virtual_agent.max_active_sessions_per_bot`), then \
        sends the agentless message, or escalates to `genesys.human_queue_id` when `intentScore` \
        or `sentiment` is under its threshold. Sources allowed by default: `genesys`, `api` \
        (`ingress.route_sources.virtual_agent_sessions`).",
    params(IntakeHeaders),
    request_body(
        content = VirtualAgentRequest,
        content_type = "application/json",
        examples(
            ("readme" = (
                summary = "A confident bot on SMS: sent agentless (README)",
                value = json!({"botId": "order-bot", "toAddress": "+15550100",
                    "toAddressMessengerType": "sms", "fromAddress": "+15550199",
                    "text": "Hi! Your order 1234 ships today. Reply HELP for a person.",
                    "intentScore": 0.92, "sentiment": 0.4, "attributes": {"orderId": "1234"}})
            )),
            ("escalated" = (
                summary = "An unsure bot and an unhappy customer: escalated (README)",
                value = json!({"botId": "order-bot", "toAddress": "+15550101",
                    "toAddressMessengerType": "sms", "fromAddress": "+15550199",
                    "text": "I am sorry to hear that. Let me find someone.",
                    "intentScore": 0.31, "sentiment": -0.6})
            ))
        )
    ),
    responses(
        (status = 202, description = "Accepted: durable in RabbitMQ.", body = Accepted,
            headers(
                ("Idempotent-Replayed" = String, description = "`true` when this answers a repeat of an event already recorded: nothing new was enqueued."),
                ("X-Request-Id" = String, description = "The request's id.")
            ),
            example = json!({"eventId": "01a21294-7b8c-7d9e-a0b1-c2d3e4f5a6b7"})),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = SourceNotAllowed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A field breaks a rule: `field` names it, `rule` says which.",
            body = super::problems::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:cxrelay:problem:validation", "title": "Unprocessable Entity",
                "status": 422, "field": "text", "rule": "max_length",
                "detail": "text must be at most 765 characters for sms messages"})),
        (status = 503, response = Unavailable),
    )
)]
pub fn genesys_virtual_agent() {}

#[utoipa::path(
    post,
    path = "/v1/genesys/conversation-events",
    operation_id = "genesysConversationEnd",
    tag = "intake",
    summary = "Record how a Genesys conversation ended",
    description = "Kind `genesys.conversation_end`, sent by the Genesys workflow that the \
        `customer.end` trigger starts (`cxrelay genesys install-trigger`). The worker ends the \
        conversation's sessions, waits for its analytics, stores its resolution metrics and, if \
        configured, sends the CRM a signed summary. Sources allowed by default: `genesys`, `api` \
        (`ingress.route_sources.conversation_events`).",
    params(IntakeHeaders),
    request_body(
        content = ConversationEndRequest,
        content_type = "application/json",
        examples(("readme" = (
            summary = "The trigger event's fields, numbers as strings (README)",
            value = json!({"eventTime": "1736931870000",
                "conversationId": "5f0c1a2b-0000-4000-8000-00000000c0a2",
                "participantId": "5f0c1a2b-0000-4000-8000-0000000000c2",
                "disconnectType": "client", "mediaType": "MESSAGE", "direction": "inbound",
                "addressFrom": "+15550102", "addressTo": "+15550199",
                "interactingDurationMs": "270000"})
        )))
    ),
    responses(
        (status = 202, description = "Accepted: durable in RabbitMQ.", body = Accepted,
            headers(
                ("Idempotent-Replayed" = String, description = "`true` when this answers a repeat of an event already recorded (same `Idempotency-Key`, or the same conversationId, participantId and eventTime): nothing new was enqueued."),
                ("X-Request-Id" = String, description = "The request's id.")
            ),
            example = json!({"eventId": "01a21295-2a3b-7c4d-9e5f-6a7b8c9d0e1f"})),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = SourceNotAllowed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, description = "A field breaks a rule: `field` names it, `rule` says which.",
            body = super::problems::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:cxrelay:problem:validation", "title": "Unprocessable Entity",
                "status": 422, "field": "eventTime", "rule": "required",
                "detail": "eventTime is required"})),
        (status = 503, response = Unavailable),
    )
)]
pub fn genesys_conversation_end() {}
