//! `/healthz` (the process answers), `/readyz` (broker and database reachable), `/metrics`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

/// 200 while the process serves requests.
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when the broker channel is live and the database answers; 503 naming what is not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let broker = state.publisher.is_connected();
    let database = sqlx::query("SELECT 1").execute(&state.db).await.is_ok();
    let status = if broker && database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (
        status,
        Json(json!({"broker": word(broker), "database": word(database)})),
    )
}

/// Prometheus text exposition of this process's metrics.
pub async fn metrics(State(state): State<AppState>) -> String {
    state.metrics.render()
}
