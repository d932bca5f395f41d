//! Headers every Genesys `/api/v2` response carries: `ININ-Correlation-Id` (support asks for it)
//! and the `inin-ratelimit-*` trio.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::{lock, SimState};

/// Correlation id of a response (sent as `ININ-Correlation-Id`; HTTP names are case-blind).
pub const CORRELATION_ID: HeaderName = HeaderName::from_static("inin-correlation-id");
/// Requests counted in the current window.
pub const RATELIMIT_COUNT: HeaderName = HeaderName::from_static("inin-ratelimit-count");
/// Requests allowed per window.
pub const RATELIMIT_ALLOWED: HeaderName = HeaderName::from_static("inin-ratelimit-allowed");
/// Seconds until the window resets.
pub const RATELIMIT_RESET: HeaderName = HeaderName::from_static("inin-ratelimit-reset");

/// Genesys's default limit per client-credentials token per minute. Announced only: the
/// simulator never answers 429 by itself (load tests would trip it); inject one with a fault.
pub const RATE_LIMIT_ALLOWED: u64 = 300;

/// Length of a rate-limit window.
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// A fixed one-minute window counting every `/api/v2` request, for the headers.
#[derive(Debug)]
pub struct RateWindow {
    window: Mutex<(Instant, u64)>,
}

impl Default for RateWindow {
    fn default() -> Self {
        Self {
            window: Mutex::new((Instant::now(), 0)),
        }
    }
}

impl RateWindow {
    /// Counts one request; returns the count in the current window and the seconds until it
    /// resets.
    pub fn hit(&self) -> (u64, u64) {
        let now = Instant::now();
        let mut window = lock(&self.window);
        if now.duration_since(window.0) >= RATE_WINDOW {
            *window = (now, 0);
        }
        window.1 += 1;
        let reset = RATE_WINDOW.saturating_sub(now.duration_since(window.0));
        (window.1, reset.as_secs().max(1))
    }
}

/// Whether a path belongs to the Genesys API host.
pub fn is_api_path(path: &str) -> bool {
    path == "/api/v2" || path.starts_with("/api/v2/")
}

/// Middleware: adds the correlation and rate-limit headers to every `/api/v2` answer, errors and
/// injected faults included. A correlation id already set (an error's `contextId`) is kept.
pub async fn api_headers(State(state): State<SimState>, request: Request, next: Next) -> Response {
    if !is_api_path(request.uri().path()) {
        return next.run(request).await;
    }
    let (count, reset) = state.rate().hit();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CORRELATION_ID) {
        if let Ok(value) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            headers.insert(CORRELATION_ID, value);
        }
    }
    headers.insert(RATELIMIT_COUNT, HeaderValue::from(count));
    headers.insert(RATELIMIT_ALLOWED, HeaderValue::from(RATE_LIMIT_ALLOWED));
    headers.insert(RATELIMIT_RESET, HeaderValue::from(reset));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_counts_requests_and_announces_a_reset_within_a_minute() {
        let window = RateWindow::default();
        assert_eq!(window.hit().0, 1);
        let (count, reset) = window.hit();
        assert_eq!(count, 2);
        assert!((1..=60).contains(&reset));
    }

    #[test]
    fn only_api_paths_get_the_genesys_headers() {
        assert!(is_api_path("/api/v2/flows/executions"));
        assert!(!is_api_path("/api/v20"));
        assert!(!is_api_path("/oauth/token"));
    }
}
