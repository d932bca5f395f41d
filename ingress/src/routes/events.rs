//! `GET /v1/events/{id}`: what became of an event.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::problem::ApiError;
use crate::state::AppState;

/// An event's state, its attempts and its result.
#[derive(Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct EventStatus {
    #[sqlx(rename = "id")]
    event_id: Uuid,
    kind: String,
    target: String,
    status: String,
    request_id: Option<String>,
    idempotency_key: Option<String>,
    /// The inbound source that sent it, and the name of the key that authenticated it.
    source: Option<String>,
    key_name: Option<String>,
    attempts: i32,
    retries: i32,
    /// Replays of the event (0 until an operator replays it).
    generation: i32,
    repeats: i32,
    reason: Option<String>,
    last_http_status: Option<i32>,
    last_error_code: Option<String>,
    last_error: Option<String>,
    /// Correlation id of the last call (Genesys ININ-Correlation-Id, Cognigy traceId).
    last_correlation_id: Option<String>,
    result: Option<Value>,
    received_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    deadline_at: Option<DateTime<Utc>>,
    next_attempt_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    calls: Vec<CallRecord>,
}

/// One downstream call made for the event.
#[derive(Debug, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
struct CallRecord {
    attempt: i32,
    call_seq: i32,
    operation: String,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    outcome: Option<String>,
    http_status: Option<i32>,
    error_code: Option<String>,
    correlation_id: Option<String>,
    latency_ms: Option<i32>,
}

/// 200 with the event, 404 when no worker has recorded it, 400 for an id that is no UUID.
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
    .map_err(|e| ApiError::Internal(e.into()))?;
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
    .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(event))
}
