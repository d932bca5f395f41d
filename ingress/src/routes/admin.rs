//! `/healthz` (the process answers), `/readyz` (broker and database reachable), `/metrics`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use cxrelay_core::health::readiness;
use serde_json::Value;

use crate::state::AppState;

/// 200 while the process serves requests.
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the broker channel is live and the database answers; 503 naming what is not, and
/// 503 once shutdown began (so a load balancer sends no more webhooks here).
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let (ready, mut report) = readiness(state.publisher.is_connected(), &state.db).await;
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
pub async fn metrics(State(state): State<AppState>) -> String {
    state.metrics.render()
}
