//! Counting every webhook answer by kind and status, including the 401s that never reach a
//! handler, and timing each.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use cxrelay_core::metrics::{INTAKE_SECONDS, INTAKE_TOTAL};

use crate::routes::INTAKE_ROUTES;

/// Increments `cxrelay_intake_total{kind,status}` and observes `cxrelay_intake_seconds{kind}`
/// for intake routes.
pub async fn count_intake(request: Request, next: Next) -> Response {
    let arrived = std::time::Instant::now();
    let kind = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|path| {
            INTAKE_ROUTES
                .iter()
                .find(|(route, _)| *route == path.as_str())
        })
        .map(|(_, kind)| kind.as_str());
    let response = next.run(request).await;
    if let Some(kind) = kind {
        metrics::counter!(INTAKE_TOTAL, "kind" => kind, "status" => response.status().as_str().to_owned()).increment(1);
        metrics::histogram!(INTAKE_SECONDS, "kind" => kind).record(arrived.elapsed().as_secs_f64());
    }
    response
}
