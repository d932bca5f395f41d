//! `GET /v1/events/{id}`: what became of an event.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::openapi::{BadRequest, DatabaseUnavailable, NotFound, SourceNotAllowed, Unauthorized};
use crate::problem::ApiError;
use crate::state::AppState;

/// An event's state, its attempts and its result.
#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventStatus {
    /// The event.
    #[sqlx(rename = "id")]
    event_id: Uuid,
    /// Its kind (`cognigy.fallback`, ...).
    kind: String,
    /// The system its worker calls: `genesys` or `cognigy`.
    target: String,
    /// `processing`, `retrying`, `succeeded`, `dead` or `expired` (README, "Event statuses").
    status: String,
    /// The `X-Request-Id` of the request that was accepted.
    request_id: Option<String>,
    /// The `Idempotency-Key` as sent, or the natural key prefixed `natural:`.
    idempotency_key: Option<String>,
    /// The inbound source that sent it: `cognigy`, `genesys` or `api`.
    source: Option<String>,
    /// The name of the key or HMAC secret that authenticated it (never the key).
    key_name: Option<String>,
    /// Deliveries so far (more than 1 when the event waited for a retry).
    attempts: i32,
    /// Retries scheduled so far.
    retries: i32,
    /// Replays of the event (0 until an operator replays it).
    generation: i32,
    /// Copies of the event that arrived after the first and were not carried out again.
    repeats: i32,
    /// Why the event is dead (or waiting).
    reason: Option<String>,
    /// The status of the call that decided the event.
    last_http_status: Option<i32>,
    /// That call's error code.
    last_error_code: Option<String>,
    /// What went wrong, in words.
    last_error: Option<String>,
    /// Correlation id of the last call (Genesys ININ-Correlation-Id, Cognigy traceId).
    last_correlation_id: Option<String>,
    /// What the kind produced when it succeeded (README, per kind).
    result: Option<Value>,
    /// When the ingress accepted it.
    received_at: DateTime<Utc>,
    /// When a worker first recorded it.
    created_at: DateTime<Utc>,
    /// Its last change.
    updated_at: DateTime<Utc>,
    /// When it reached its final state.
    finished_at: Option<DateTime<Utc>>,
    /// After this time it expires instead of being tried.
    deadline_at: Option<DateTime<Utc>>,
    /// When the next delivery is due (while `retrying`).
    next_attempt_at: Option<DateTime<Utc>>,
    /// Every downstream call, in order.
    #[sqlx(skip)]
    calls: Vec<CallRecord>,
}

/// One downstream call made for the event.
#[derive(Debug, Serialize, sqlx::FromRow, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CallRecord {
    /// The delivery it was made in.
    attempt: i32,
    /// Its place among the calls of that delivery.
    call_seq: i32,
    /// What was called (`genesys.flows.executions.create`, ...).
    operation: String,
    /// When it started.
    started_at: DateTime<Utc>,
    /// When it ended.
    finished_at: Option<DateTime<Utc>>,
    /// `success`, `retryable`, `permanent` or `auth`.
    outcome: Option<String>,
    /// The answer's HTTP status.
    http_status: Option<i32>,
    /// The error code of the answer.
    error_code: Option<String>,
    /// Genesys `ININ-Correlation-Id`, Cognigy `traceId`.
    correlation_id: Option<String>,
    /// How long it took, milliseconds.
    latency_ms: Option<i32>,
}

/// 200 with the event, 404 when no worker has recorded it, 400 for an id that is no UUID.
#[utoipa::path(
    get,
    path = "/v1/events/{id}",
    operation_id = "eventStatus",
    tag = "events",
    summary = "What became of an event",
    description = "The event's status, its attempts and every downstream call, and its result. \
        Sources allowed by default: all (`ingress.route_sources.events`).",
    params(
        ("id" = Uuid, Path, description = "The `eventId` of the 202.",
            example = "01a21291-f34f-7615-86db-9159b2f5ae7a"),
    ),
    responses(
        (status = 200, description = "The event as the workers recorded it.", body = EventStatus,
            example = json!(crate::openapi::event_status_example())),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = SourceNotAllowed),
        (status = 404, response = NotFound),
        (status = 503, response = DatabaseUnavailable),
    )
)]
pub async fn event_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<EventStatus>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::InvalidHeader {
        header: "id",
        rule: "uuid",
        message: "the event id must be a UUID".to_owned(),
    })?;
    let event: Option<EventStatus> = sqlx::query_as(
        "SELECT id, kind, target, status, request_id, idempotency_key, source, key_name,
                attempts, retries,
                generation, repeats, reason, last_http_status, last_error_code, last_error,
                last_correlation_id, result,
                received_at, created_at, updated_at, finished_at, deadline_at, next_attempt_at
         FROM events WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db)
    .await
    .map_err(|error| read_failed(&state, error))?;
    let Some(mut event) = event else {
        return Err(ApiError::NotFound(format!(
            "no event {id} has been recorded; an accepted event appears once a worker takes it"
        )));
    };
    event.calls = sqlx::query_as(
        "SELECT attempt, call_seq, operation, started_at, finished_at, outcome, http_status,
                error_code, correlation_id, latency_ms
         FROM attempts WHERE event_id = $1 AND started_at >= $2 - interval '1 hour'
         ORDER BY attempt, call_seq",
    )
    .bind(id)
    // No call of an event starts before the ingress accepted it: the bound lets Postgres skip
    // the daily partitions of attempts older than the event. The hour's margin covers clocks
    // of the ingress and the database that disagree.
    .bind(event.received_at)
    .fetch_all(&state.db)
    .await
    .map_err(|error| read_failed(&state, error))?;
    Ok(Json(event))
}

/// A status read Postgres could not answer: 503 with `Retry-After` while it cannot be reached
/// (an outage, or the first query on a connection that died while idle), 500 for anything else.
fn read_failed(state: &AppState, error: sqlx::Error) -> ApiError {
    if cxrelay_core::db::is_transient(&error) {
        ApiError::DatabaseUnavailable {
            retry_after: state.retry_after_secs,
            cause: error,
        }
    } else {
        ApiError::Internal(error.into())
    }
}
