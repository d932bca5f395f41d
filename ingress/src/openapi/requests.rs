//! Request bodies as the parsers of `cxrelay_core::kinds` accept them: every name a field may
//! have (aliases included), which are required, their types and limits.
//!
//! The event structs of `core` are what an event becomes once parsed (one name per field), so
//! each body is described by a dedicated `*Fields` struct here, then joined with the rules a
//! derive cannot say ([`RequestSchema`]). Where a field has aliases, it is read under whichever
//! one is given, and refused under two (`alias_rules`); a field sent as `null` counts as
//! absent; fields not listed are ignored. The
//! limits are literals (utoipa takes no constants): the e2e test `openapi` proves each against
//! the parser, one mutation at a time.

// The doc structs are never built: only their derived schemas are read.
#![allow(dead_code)]

use std::borrow::Cow;

use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

use cxrelay_core::kinds::{EventKind, Target};

use super::rules::{present, RequestSchema};

/// A JSON object of any fields.
type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Implements [`ToSchema`] for a request type whose schema [`PartialSchema`] builds from its
/// fields' struct, naming the schemas those fields refer to.
macro_rules! request_schema {
    ($($name:ident => $fields:ident),+ $(,)?) => {$(
        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                <$fields as ToSchema>::schemas(schemas);
            }
        }
    )+};
}

request_schema!(
    FallbackRequest => FallbackFields,
    BotFailureRequest => BotFailureFields,
    BotSessionRequest => BotSessionFields,
    FlowRunRequest => FlowRunFields,
    VirtualAgentRequest => VirtualAgentFields,
    ConversationEndRequest => ConversationEndFields,
    ReplayRequest => ReplayFields,
);

/// Body of `POST /v1/cognigy/fallback` (`FallbackEvent::parse`).
pub struct FallbackRequest;

/// The fields of a fallback: Cognigy's `input` names, and the tutorials' aliases.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct FallbackFields {
    /// Cognigy session id (`input.sessionId`).
    #[schema(min_length = 1, max_length = 256)]
    pub session_id: String,
    /// Cognigy user id (`input.userId`).
    #[schema(min_length = 1, max_length = 256)]
    pub user_id: String,
    /// What the user said (`input.text`).
    #[schema(min_length = 1, max_length = 10000)]
    pub text: String,
    /// The matched intent: `null` (nothing matched), `fallback` or `no_match` (any letter case)
    /// make the event a fallback; another intent needs a low `intentScore` or
    /// `understood: false`, else the answer is 422, rule `not_a_fallback`.
    #[schema(max_length = 256)]
    pub intent: Option<String>,
    /// Score of the matched intent; under `ingress.intent_score_threshold` (0.5) it is a fallback.
    #[schema(minimum = 0, maximum = 1)]
    pub intent_score: Option<f64>,
    /// Alias of `intentScore`.
    #[schema(minimum = 0, maximum = 1)]
    pub confidence: Option<f64>,
    /// Cognigy's `understood` flag; `false` makes it a fallback.
    pub understood: Option<bool>,
    /// Language or locale of the input.
    #[schema(max_length = 256)]
    pub language: Option<String>,
    /// Alias of `language` (Cognigy's `input.localeId`).
    #[schema(max_length = 256)]
    pub locale_id: Option<String>,
    /// Cognigy channel (`webchat3`, `voiceGateway2`, ...).
    #[schema(max_length = 256)]
    pub channel: Option<String>,
    /// Endpoint URLToken of the session, to notify the user of the hand-off; a secret, redacted
    /// in what is stored.
    #[schema(rename = "URLToken", max_length = 512)]
    pub url_token: Option<String>,
    /// Cognigy input id; with `sessionId` the natural idempotency key.
    #[schema(max_length = 256)]
    pub input_id: Option<String>,
    /// Cognigy trace id; the natural key's second part when `inputId` is absent.
    #[schema(max_length = 256)]
    pub trace_id: Option<String>,
    /// Free-form data of the input (`input.data`).
    #[schema(value_type = Option<Object>)]
    pub data: Option<JsonObject>,
    /// Alias of `data`.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<JsonObject>,
}

impl PartialSchema for FallbackRequest {
    fn schema() -> RefOr<Schema> {
        RequestSchema::of::<FallbackFields>(
            "A user the Cognigy bot did not understand, to hand over to Genesys.",
        )
        .aliases(&[
            ("confidence", "intentScore"),
            ("localeId", "language"),
            ("metadata", "data"),
        ])
        .build()
    }
}

/// Body of `POST /v1/cognigy/bot-failure` (`BotFailureEvent::parse`).
pub struct BotFailureRequest;

/// The fields of a bot failure.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct BotFailureFields {
    /// The Genesys conversation of the call.
    pub conversation_id: Uuid,
    /// The participant to transfer (the bot's).
    pub participant_id: Uuid,
    /// The Cognigy session, for correlation.
    #[schema(max_length = 256)]
    pub session_id: Option<String>,
    /// What failed, in words.
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    /// The queue to transfer to, instead of `genesys.fallback_queue_id`.
    pub queue_id: Option<Uuid>,
}

impl PartialSchema for BotFailureRequest {
    fn schema() -> RefOr<Schema> {
        RequestSchema::of::<BotFailureFields>(
            "A Cognigy voice bot failed during a Genesys call: move the caller to the fallback queue.",
        )
        .build()
    }
}

/// Body of `POST /v1/genesys/bot-sessions` (`BotSessionEvent::parse`).
pub struct BotSessionRequest;

/// The fields of a bot session: camelCase names, and the tutorials' snake_case aliases.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct BotSessionFields {
    /// The Cognigy userId (e.g. the caller's number); it or `user_id` is required.
    #[schema(min_length = 1, max_length = 256)]
    pub user_id: Option<String>,
    /// Alias of `userId`.
    #[schema(rename = "user_id", min_length = 1, max_length = 256)]
    pub user_id_alias: Option<String>,
    /// The Cognigy sessionId; a new UUID when absent.
    #[schema(max_length = 256)]
    pub session_id: Option<String>,
    /// Alias of `sessionId`.
    #[schema(rename = "session_id", max_length = 256)]
    pub session_id_alias: Option<String>,
    /// What the caller said first.
    #[schema(max_length = 10000)]
    pub text: Option<String>,
    /// Alias of `text`.
    #[schema(max_length = 10000)]
    pub message: Option<String>,
    /// The Genesys queue the call came through.
    #[schema(max_length = 256)]
    pub queue_name: Option<String>,
    /// Alias of `queueName`.
    #[schema(rename = "queue_name", max_length = 256)]
    pub queue_name_alias: Option<String>,
    /// The intent Genesys detected.
    #[schema(max_length = 256)]
    pub intent: Option<String>,
    /// The caller's language.
    #[schema(max_length = 64)]
    pub language: Option<String>,
    /// Alias of `language`.
    #[schema(max_length = 64)]
    pub locale: Option<String>,
    /// The Genesys conversation of the call.
    #[schema(max_length = 256)]
    pub conversation_id: Option<String>,
    /// Alias of `conversationId`.
    #[schema(rename = "conversation_id", max_length = 256)]
    pub conversation_id_alias: Option<String>,
    /// Name of a configured Cognigy Endpoint; `cognigy.default_endpoint` when absent.
    #[schema(max_length = 256)]
    pub endpoint: Option<String>,
    /// More flow variables, sent to the Flow as `data`.
    #[schema(value_type = Option<Object>)]
    pub data: Option<JsonObject>,
    /// Alias of `data`.
    #[schema(value_type = Option<Object>)]
    pub variables: Option<JsonObject>,
}

impl PartialSchema for BotSessionRequest {
    fn schema() -> RefOr<Schema> {
        RequestSchema::of::<BotSessionFields>(
            "A Genesys Architect flow starts a Cognigy bot for a caller.",
        )
        .aliases(&[
            ("user_id", "userId"),
            ("session_id", "sessionId"),
            ("message", "text"),
            ("queue_name", "queueName"),
            ("locale", "language"),
            ("conversation_id", "conversationId"),
            ("variables", "data"),
        ])
        .any_of(
            vec![
                present("userId", Type::String),
                present("user_id", Type::String),
            ],
            "userId (or its alias user_id) is required",
        )
        .build()
    }
}

/// Body of `POST /v1/cognigy/flow-runs` (`FlowRunEvent::parse`).
pub struct FlowRunRequest;

/// The fields of a flow-run turn.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct FlowRunFields {
    /// Name of a configured Cognigy Endpoint.
    #[schema(min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9_-]+$")]
    pub endpoint: String,
    /// The Snapshot the Endpoint must serve; the event ends dead `snapshot_not_live` otherwise.
    #[schema(max_length = 64)]
    pub expected_snapshot: Option<String>,
    /// The Cognigy userId.
    #[schema(min_length = 1, max_length = 256)]
    pub user_id: String,
    /// The Cognigy sessionId; a new session (a UUID) when absent. Turns of one session run in
    /// the order they were accepted.
    #[schema(max_length = 256)]
    pub session_id: Option<String>,
    /// The user's text; it or `data` is required.
    #[schema(max_length = 10000)]
    pub text: Option<String>,
    /// Data for the Flow; it or `text` is required.
    #[schema(value_type = Option<Object>)]
    pub data: Option<JsonObject>,
}

impl PartialSchema for FlowRunRequest {
    fn schema() -> RefOr<Schema> {
        // `text` may be empty and `data` any object: being there, not null, is what counts.
        RequestSchema::of::<FlowRunFields>("A turn of a Cognigy Flow, for any backend.")
            .any_of(
                vec![present("text", Type::String), present("data", Type::Object)],
                "text or data is required",
            )
            .build()
    }
}

/// Body of `POST /v1/genesys/virtual-agent-sessions` (`VirtualAgentEvent::parse`).
pub struct VirtualAgentRequest;

/// The messenger types Genesys takes when a conversation is started through its API.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum MessengerType {
    /// SMS; messages of at most 765 characters.
    Sms,
    /// WhatsApp; a `messagingTemplate` is required.
    Whatsapp,
    /// Genesys Open Messaging.
    Open,
}

/// The fields of a virtual-agent message.
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct VirtualAgentFields {
    /// The bot, for the per-bot cap of active sessions.
    #[schema(min_length = 1, max_length = 256)]
    pub bot_id: String,
    /// The customer's address (phone number, messaging id).
    #[schema(min_length = 1, max_length = 256)]
    pub to_address: String,
    /// The channel.
    pub to_address_messenger_type: MessengerType,
    /// The org's sending address (e.g. its SMS number).
    #[schema(max_length = 256)]
    pub from_address: Option<String>,
    /// The bot's message: at most 765 characters for `sms`, 2,000 otherwise (Genesys's limits).
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    /// How sure the bot is; under `genesys.virtual_agent.intent_score_threshold` the customer
    /// goes to a human.
    #[schema(minimum = 0, maximum = 1)]
    pub intent_score: Option<f64>,
    /// The customer's mood; under `genesys.virtual_agent.sentiment_threshold` the customer goes
    /// to a human.
    #[schema(minimum = -1, maximum = 1)]
    pub sentiment: Option<f64>,
    /// Attributes stored with the event: at most 40 KiB (40,960 bytes) of JSON, else 422 rule
    /// `max_size`.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<JsonObject>,
    /// WhatsApp template; required for `whatsapp`.
    #[schema(value_type = Option<Object>)]
    pub messaging_template: Option<JsonObject>,
}

impl PartialSchema for VirtualAgentRequest {
    fn schema() -> RefOr<Schema> {
        let short_text = ObjectBuilder::new().property(
            "text",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(765)),
        );
        let template = present("messagingTemplate", Type::Object);
        RequestSchema::of::<VirtualAgentFields>(
            "A bot's message to a customer on a Genesys messaging channel.",
        )
        .unless(
            "toAddressMessengerType",
            &["whatsapp", "open"],
            short_text,
            "sms messages have at most 765 characters",
        )
        .unless(
            "toAddressMessengerType",
            &["sms", "open"],
            template,
            "whatsapp messages need a messagingTemplate",
        )
        .build()
    }
}

/// Body of `POST /v1/genesys/conversation-events` (`ConversationEndEvent::parse`): the
/// top-level fields of the `v2.detail.events.conversation.{id}.customer.end` event.
pub struct ConversationEndRequest;

/// The fields of a conversation end; whole numbers may come as text of digits (`text_forms`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct ConversationEndFields {
    /// When the customer left, epoch milliseconds.
    #[schema(minimum = 0)]
    pub event_time: i64,
    /// The conversation.
    pub conversation_id: Uuid,
    /// The customer's participant.
    pub participant_id: Option<Uuid>,
    /// The customer's session.
    #[schema(max_length = 256)]
    pub session_id: Option<String>,
    /// How it ended (`client`, `peer`, `system`, ...).
    #[schema(max_length = 256)]
    pub disconnect_type: Option<String>,
    /// `MESSAGE`, `VOICE`, ...
    #[schema(max_length = 256)]
    pub media_type: Option<String>,
    /// `inbound` or `outbound`.
    #[schema(max_length = 256)]
    pub direction: Option<String>,
    /// Caller number.
    #[schema(max_length = 256)]
    pub ani: Option<String>,
    /// Dialled number.
    #[schema(max_length = 256)]
    pub dnis: Option<String>,
    /// Messaging sender.
    #[schema(max_length = 256)]
    pub address_from: Option<String>,
    /// Messaging recipient.
    #[schema(max_length = 256)]
    pub address_to: Option<String>,
    /// Time the customer interacted, milliseconds.
    #[schema(minimum = 0)]
    pub interacting_duration_ms: Option<i64>,
    /// Genesys division.
    #[schema(max_length = 256)]
    pub division_id: Option<String>,
    /// Genesys external contact.
    #[schema(max_length = 256)]
    pub external_contact_id: Option<String>,
}

impl PartialSchema for ConversationEndRequest {
    fn schema() -> RefOr<Schema> {
        RequestSchema::of::<ConversationEndFields>(
            "A Genesys conversation ended (customer.end): close its sessions, record its resolution.",
        )
        .build()
    }
}

/// Body of `POST /admin/v1/replay` (`parse_request` of `routes/admin_replay.rs`).
pub struct ReplayRequest;

/// The fields of a replay request; any other field is refused (422, rule `unknown_field`).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayFields {
    /// Why: recorded in the audit log (at least one character that is not a space, a tab or a
    /// line end).
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = r"^[^\u0000]*[^ \t\r\n\u0000][^\u0000]*$"
    )]
    pub reason: String,
    /// These events, by id (at most 1,000: more go by a filter).
    #[schema(min_items = 1, max_items = 1000)]
    pub event_ids: Option<Vec<Uuid>>,
    /// The dead letters matching these criteria.
    #[schema(inline)]
    pub filter: Option<ReplayFilter>,
    /// `true`: the messages in RabbitMQ's dead-letter queue.
    pub from_dlq: Option<bool>,
    /// Show what would be replayed, change nothing.
    pub dry_run: Option<bool>,
    /// Also replay events that were replayed before and are not dead again.
    pub force: Option<bool>,
    /// Events per second, at most `replay.max_rate_per_sec` (500 unless configured, the
    /// maximum shown); `replay.rate_per_sec` (5) when absent.
    #[schema(minimum = 1, maximum = 500)]
    pub rate_per_sec: Option<u32>,
    /// Replay at most this many of the selected events, oldest first (any whole number the
    /// server reads as an unsigned 32-bit one).
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 4294967295_i64)]
    pub limit: Option<u32>,
}

/// Which dead letters a replay takes: at least one criterion; they combine with AND.
// Not `#[schema(min_properties = 1)]`: utoipa-gen 5.5 writes it as `maxProperties`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayFilter {
    /// The event kind.
    pub kind: Option<EventKind>,
    /// The dead reason (`unavailable`, `rejected`, ...).
    pub reason: Option<String>,
    /// Alias of `reason`.
    pub reason_class: Option<String>,
    /// The system called.
    pub target: Option<Target>,
    /// HTTP status of the last call.
    #[schema(minimum = 100, maximum = 599)]
    pub http_status: Option<u16>,
    /// Dead since: an RFC 3339 time (`2026-11-25T02:00:00Z`) or an age (`30m`, `2h`, `1d12h`).
    pub since: Option<String>,
    /// Dead before: an RFC 3339 time or an age (a window that ends before `since` selects
    /// nothing).
    pub until: Option<String>,
}

impl PartialSchema for ReplayRequest {
    fn schema() -> RefOr<Schema> {
        let from_dlq = ObjectBuilder::new()
            .property(
                "fromDlq",
                ObjectBuilder::new()
                    .schema_type(Type::Boolean)
                    .enum_values(Some([true])),
            )
            .required("fromDlq");
        RequestSchema::of::<ReplayFields>(
            "A replay of events: by id, by a filter over dead letters, or the dead-letter queue.",
        )
        .one_of(
            vec![
                present("eventIds", Type::Array),
                present("filter", Type::Object),
                from_dlq,
            ],
            "exactly one of eventIds, filter and fromDlq: true",
        )
        .build()
    }
}
