//! The middleware that answers in the platform's place: a pending one-shot fault
//! ([`crate::faults`]) first, else the platform's chaos profile ([`crate::chaos`]). Errors are
//! in the shape of the platform the path belongs to, so a client's error parsing is tested too.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::call_log::CallId;
use crate::chaos::{Decision, TimeoutMode};
use crate::cognigy::is_cognigy_path;
use crate::cognigy::problem::Problem;
use crate::faults::FaultSpec;
use crate::genesys::errors::GenesysError;
use crate::recording::{is_recorded, Injected};
use crate::state::SimState;

/// `Retry-After` of an injected 429 that names none: Genesys always sends the header, and one
/// second keeps retrying tests fast.
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 1;

/// The Genesys error an injected `status` answers with. A 429 always carries `Retry-After`
/// (Genesys's own wording and header); any other status carries it when `retry_after_secs`
/// is given, as a 503 from a gateway may.
pub fn injected_error(status: StatusCode, retry_after_secs: Option<u64>) -> GenesysError {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return GenesysError::rate_limited(retry_after_secs.unwrap_or(DEFAULT_RETRY_AFTER_SECS));
    }
    let error = GenesysError::of_status(status);
    match retry_after_secs {
        Some(secs) => error.with_retry_after(secs),
        None => error,
    }
}

/// `error` in the shape of the platform `path` belongs to: a Cognigy problem (same status,
/// message and `Retry-After`) on Cognigy paths, the Genesys error body elsewhere.
pub fn platform_error(error: GenesysError, path: &str) -> Response {
    if !is_cognigy_path(path) {
        return error.into_response();
    }
    let problem = Problem::new(error.status(), error.message());
    match error.retry_after_secs() {
        Some(secs) => problem.with_retry_after(secs).into_response(),
        None => problem.into_response(),
    }
}

/// Middleware: answers a request that matches a pending fault with the fault, else applies the
/// chaos profile of its platform. It sits inside the recorder (injected answers are recorded,
/// with what decided them) and before authentication (a fault hits whatever token the client
/// sends, as an overloaded gateway would). Control routes are never touched.
pub async fn inject(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if !is_recorded(&path) {
        return next.run(request).await;
    }
    let call = request.extensions().get::<CallId>().copied();
    // A fault is the test's explicit order for this request, so it wins over chaos; chaos then
    // draws nothing, and its seeded sequence is not shifted by the fault.
    if let Some(fault) = state.faults().take(request.method().as_str(), &path) {
        return apply_fault(&state, call, fault, &path, request, next).await;
    }
    match state.chaos().draw(&path) {
        None | Some(Decision::Pass) => next.run(request).await,
        Some(Decision::Error {
            status,
            retry_after_secs,
        }) => {
            note(&state, call, Injected::ChaosError, None);
            platform_error(injected_error(status, retry_after_secs), &path)
        }
        Some(Decision::Timeout { hold, mode }) => {
            let held_ms = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX);
            note(&state, call, Injected::ChaosTimeout, Some(held_ms));
            hold_answer(&state, call, hold, mode, &path, request, next).await
        }
    }
}

async fn apply_fault(
    state: &SimState,
    call: Option<CallId>,
    fault: FaultSpec,
    path: &str,
    request: Request,
    next: Next,
) -> Response {
    let held_ms = (fault.delay_ms > 0).then_some(fault.delay_ms);
    note(state, call, Injected::Fault, held_ms);
    let error = fault.error();
    if let (Some(call), Some(error)) = (call, &error) {
        state.calls().answered(call, error.status().as_u16());
    }
    if fault.delay_ms > 0 {
        state
            .holds()
            .hold(Duration::from_millis(fault.delay_ms))
            .await;
    }
    match error {
        Some(error) => platform_error(error, path),
        None => next.run(request).await,
    }
}

/// A chaos timeout. The status is noted before the hold, so the log knows the answer even when
/// the client gives up and the server drops the request.
async fn hold_answer(
    state: &SimState,
    call: Option<CallId>,
    hold: Duration,
    mode: TimeoutMode,
    path: &str,
    request: Request,
    next: Next,
) -> Response {
    let response = match mode {
        TimeoutMode::AnswerLost => next.run(request).await,
        TimeoutMode::RequestLost => {
            platform_error(GenesysError::of_status(StatusCode::GATEWAY_TIMEOUT), path)
        }
    };
    if let Some(call) = call {
        state.calls().answered(call, response.status().as_u16());
    }
    state.holds().hold(hold).await;
    response
}

fn note(state: &SimState, call: Option<CallId>, injected: Injected, held_ms: Option<u64>) {
    if let Some(call) = call {
        state.calls().injected(call, injected, held_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header;

    #[test]
    fn an_injected_429_always_names_a_retry_after() {
        let error = injected_error(StatusCode::TOO_MANY_REQUESTS, None);
        assert_eq!(error.retry_after_secs(), Some(DEFAULT_RETRY_AFTER_SECS));
        assert_eq!(error.code(), "too.many.requests.retry.after");
        let long = injected_error(StatusCode::TOO_MANY_REQUESTS, Some(180));
        assert!(
            long.message().contains("[180] seconds"),
            "{}",
            long.message()
        );
    }

    #[test]
    fn other_statuses_carry_retry_after_only_when_asked() {
        assert_eq!(
            injected_error(StatusCode::SERVICE_UNAVAILABLE, None).retry_after_secs(),
            None
        );
        assert_eq!(
            injected_error(StatusCode::SERVICE_UNAVAILABLE, Some(30)).retry_after_secs(),
            Some(30)
        );
    }

    #[test]
    fn an_error_on_a_cognigy_path_is_a_problem_with_the_same_retry_after() {
        let error = injected_error(StatusCode::TOO_MANY_REQUESTS, Some(4));
        let response = platform_error(error, "/endpoint/token-1");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "4");
        assert!(!response
            .headers()
            .contains_key(crate::genesys::headers::CORRELATION_ID));
    }
}
