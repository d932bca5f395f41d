//! Answer bodies that the code builds as JSON values, described for the document.

use serde_json::{json, Value};
use utoipa::ToSchema;

/// `ok` or `unavailable`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Dependency {
    /// It answers.
    Ok,
    /// It does not.
    Unavailable,
}

/// The readiness report (`cxrelay_core::health::readiness`).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct Readiness {
    /// The broker channel of the publisher.
    pub broker: Dependency,
    /// A round trip to Postgres.
    pub database: Dependency,
    /// The broker node (`host:port`) the publisher is on; null while it has none.
    pub broker_node: Option<String>,
    /// Present (`true`) once shutdown began.
    pub shutting_down: Option<bool>,
}

/// A `GET /v1/events/{id}` answer: a fallback that succeeded on its first attempt.
pub fn event_status_example() -> Value {
    json!({
        "eventId": "01a21291-f34f-7615-86db-9159b2f5ae7a",
        "kind": "cognigy.fallback",
        "target": "genesys",
        "status": "succeeded",
        "requestId": "3e5d1c2a-9b8f-4e7d-a6c5-b4a3f2e1d0c9",
        "idempotencyKey": "natural:demo-session-1:4f1c2d9e-0b7a-4c55-9d2e-6a1b3c4d5e6f",
        "source": "cognigy",
        "keyName": "cognigy-2026",
        "attempts": 1,
        "retries": 0,
        "generation": 0,
        "repeats": 0,
        "reason": null,
        "lastHttpStatus": 200,
        "lastErrorCode": null,
        "lastError": null,
        "lastCorrelationId": "6f1c9a52-3b7e-4d8a-9c2f-1e0d4b5a6c7d",
        "result": {
            "flowExecutionId": "4cbe90f4-0359-46b6-bc60-936f34a693d7",
            "flowExecutionName": "cxrelay fallback for Cognigy session demo-session-1",
            "flowId": "7b0e1c9a-5d3f-4e2a-9c41-0f6d2a8b3e57",
            "notified": true
        },
        "receivedAt": "2026-11-25T12:00:23.391204Z",
        "createdAt": "2026-11-25T12:00:23.402817Z",
        "updatedAt": "2026-11-25T12:00:23.447102Z",
        "finishedAt": "2026-11-25T12:00:23.447102Z",
        "deadlineAt": "2026-11-25T12:15:23.391204Z",
        "nextAttemptAt": null,
        "calls": [
            {
                "attempt": 1,
                "callSeq": 1,
                "operation": "genesys.flows.executions.create",
                "startedAt": "2026-11-25T12:00:23.405316Z",
                "finishedAt": "2026-11-25T12:00:23.421950Z",
                "outcome": "success",
                "httpStatus": 200,
                "errorCode": null,
                "correlationId": "6f1c9a52-3b7e-4d8a-9c2f-1e0d4b5a6c7d",
                "latencyMs": 16
            },
            {
                "attempt": 1,
                "callSeq": 2,
                "operation": "cognigy.endpoint.notify",
                "startedAt": "2026-11-25T12:00:23.422731Z",
                "finishedAt": "2026-11-25T12:00:23.440318Z",
                "outcome": "success",
                "httpStatus": 200,
                "errorCode": null,
                "correlationId": null,
                "latencyMs": 17
            }
        ]
    })
}
