//! `/healthz` (the process answers), `/readyz` (broker and database reachable), `/metrics`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use cxrelay_core::health::readiness;
use cxrelay_core::metrics;
use serde_json::Value;

use crate::openapi::{AdminUnauthorized, Readiness};
use crate::state::AppState;

/// 200 while the process serves requests.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "admin",
    summary = "Liveness: the process answers",
    description = "Open on the admin listener (no token): for a liveness probe.",
    responses(
        (status = 200, description = "The process serves requests.", body = String,
            content_type = "text/plain", example = "ok"),
    )
)]
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the broker channel is live and the database answers; 503 naming what is not, and
/// 503 once shutdown began (so a load balancer sends no more webhooks here).
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "admin",
    summary = "Readiness: the broker and the database are reachable",
    responses(
        (status = 200, description = "Ready: both dependencies answer.", body = Readiness,
            example = json!({"broker": "ok", "database": "ok", "brokerNode": "10.0.3.11:5672"})),
        (status = 401, response = AdminUnauthorized),
        (status = 503, description = "Not ready: a dependency is unavailable, or the ingress \
            is shutting down (`shuttingDown: true`); send webhooks elsewhere.", body = Readiness,
            example = json!({"broker": "ok", "database": "unavailable", "brokerNode": "10.0.3.11:5672"})),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (ready, mut report) = readiness(state.publisher.is_connected(), &state.db).await;
    // The broker node the publisher is on (null while it has none: not ready).
    report["brokerNode"] = state.publisher.node().map_or(Value::Null, Value::String);
    let draining = state.drain.is_draining();
    if draining {
        report["shuttingDown"] = Value::Bool(true);
    }
    let ready = ready && !draining;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}

/// Prometheus text exposition of this process's metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "admin",
    summary = "Prometheus metrics",
    description = "The Prometheus text format. Needs an admin token unless \
        `ingress.metrics_open = true`.",
    responses(
        (status = 200, description = "This process's metrics.", body = String,
            content_type = "text/plain; version=0.0.4; charset=utf-8",
            example = "# HELP cxrelay_intake_total Webhook answers of the public listener, by event kind and HTTP status (401s included).\n# TYPE cxrelay_intake_total counter\ncxrelay_intake_total{kind=\"cognigy.fallback\",status=\"202\"} 1\n"),
        (status = 401, response = AdminUnauthorized),
    )
)]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        state.metrics.render(),
    )
}
