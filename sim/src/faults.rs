//! Injected faults: the next N requests to one route answer with an error status, or late, so
//! tests can drive cxrelay's retry, back-off and timeout paths on demand.

use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::cognigy::is_cognigy_path;
use crate::cognigy::problem::Problem;
use crate::genesys::errors::GenesysError;
use crate::state::{lock, SimState};

/// `Retry-After` of an injected 429 that names none: Genesys always sends the header, and one
/// second keeps retrying tests fast.
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 1;

/// One fault as `POST /_sim/faults` takes it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// HTTP method to match (case-insensitive).
    pub method: String,
    /// Exact path to match, without the query.
    pub path: String,
    /// Status to answer with (400-599). Absent: only delay, then answer normally.
    #[serde(default)]
    pub status: Option<u16>,
    /// How many matching requests the fault hits before it is used up.
    #[serde(default = "one")]
    pub times: u32,
    /// `Retry-After` seconds (always sent with a 429, default [`DEFAULT_RETRY_AFTER_SECS`]).
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// Genesys error code of the body; default: the usual code of the status.
    #[serde(default)]
    pub code: Option<String>,
    /// Message of the body; default: a message fitting the status.
    #[serde(default)]
    pub message: Option<String>,
    /// Milliseconds to wait before answering, to provoke client timeouts.
    #[serde(default)]
    pub delay_ms: u64,
}

fn one() -> u32 {
    1
}

impl FaultSpec {
    /// Checks the fault can be served; the error says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(status) = self.status {
            if !(400..=599).contains(&status) {
                return Err(format!("status must be 400-599, got {status}"));
            }
        } else if self.delay_ms == 0 {
            return Err("a fault needs a status, a delayMs or both".to_owned());
        }
        if self.times == 0 {
            return Err("times must be at least 1".to_owned());
        }
        if !self.path.starts_with('/') {
            return Err(format!("path must start with '/', got {:?}", self.path));
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }

    /// The Genesys error answer of this fault, if it has a status.
    fn error(&self) -> Option<GenesysError> {
        let status = StatusCode::from_u16(self.status?).ok()?;
        let retry_after = match (status, self.retry_after_secs) {
            (StatusCode::TOO_MANY_REQUESTS, None) => Some(DEFAULT_RETRY_AFTER_SECS),
            (_, secs) => secs,
        };
        let mut error = match (status, retry_after) {
            (StatusCode::TOO_MANY_REQUESTS, Some(secs)) => GenesysError::rate_limited(secs),
            _ => GenesysError::of_status(status),
        };
        if let Some(secs) = retry_after {
            error = error.with_retry_after(secs);
        }
        if let Some(code) = &self.code {
            error = error.with_code(code.clone());
        }
        if let Some(message) = &self.message {
            error = error.with_message(message.clone());
        }
        Some(error)
    }
}

/// Pending faults in the order they were added; the first one that matches a request is used.
#[derive(Debug, Default)]
pub struct FaultBook {
    pending: Mutex<Vec<FaultSpec>>,
}

impl FaultBook {
    /// Adds a fault after the pending ones.
    pub fn add(&self, mut fault: FaultSpec) {
        fault.method.make_ascii_uppercase();
        lock(&self.pending).push(fault);
    }

    /// Drops every pending fault.
    pub fn clear(&self) {
        lock(&self.pending).clear();
    }

    /// The pending faults, with the uses they have left.
    pub fn pending(&self) -> Vec<FaultSpec> {
        lock(&self.pending).clone()
    }

    /// Uses up one hit of the first fault matching the request, if any.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultSpec> {
        let mut pending = lock(&self.pending);
        let index = pending
            .iter()
            .position(|fault| fault.matches(method, path))?;
        let fault = &mut pending[index];
        fault.times -= 1;
        let taken = fault.clone();
        if fault.times == 0 {
            pending.remove(index);
        }
        Some(taken)
    }
}

/// A fault on a Cognigy path answers in Cognigy's problem shape, with the same status,
/// message and `Retry-After`.
fn cognigy_problem(error: &GenesysError) -> Problem {
    let problem = Problem::new(error.status(), error.message());
    match error.retry_after_secs() {
        Some(secs) => problem.with_retry_after(secs),
        None => problem,
    }
}

/// Middleware: answers a request that matches a pending fault with the fault, after its delay.
/// It sits inside the recorder (faulted calls are recorded) and before authentication (a fault
/// hits whatever token the client sends, as an overloaded gateway would).
pub async fn inject(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !crate::recording::is_recorded(path) {
        return next.run(request).await;
    }
    let cognigy = is_cognigy_path(path);
    let Some(fault) = state.faults().take(request.method().as_str(), path) else {
        return next.run(request).await;
    };
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    match fault.error() {
        Some(error) if cognigy => cognigy_problem(&error).into_response(),
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(times: u32) -> FaultSpec {
        FaultSpec {
            method: "post".into(),
            path: "/api/v2/flows/executions".into(),
            status: Some(503),
            times,
            retry_after_secs: None,
            code: None,
            message: None,
            delay_ms: 0,
        }
    }

    #[test]
    fn a_fault_hits_exactly_its_number_of_matching_requests() {
        let book = FaultBook::default();
        book.add(fault(2));
        assert!(book.take("GET", "/api/v2/flows/executions").is_none());
        assert!(book.take("POST", "/api/v2/flows/executions/x").is_none());
        assert!(book.take("POST", "/api/v2/flows/executions").is_some());
        assert!(book.take("POST", "/api/v2/flows/executions").is_some());
        assert!(book.take("POST", "/api/v2/flows/executions").is_none());
        assert!(book.pending().is_empty());
    }

    #[test]
    fn a_fault_without_status_or_delay_or_with_a_success_status_is_refused() {
        let mut spec = fault(1);
        spec.status = None;
        assert!(spec.validate().is_err());
        spec.status = Some(200);
        assert!(spec.validate().unwrap_err().contains("400-599"));
        spec.status = Some(429);
        assert!(spec.validate().is_ok());
    }

    #[test]
    fn an_injected_429_always_names_a_retry_after() {
        let mut spec = fault(1);
        spec.status = Some(429);
        let error = spec.error().unwrap();
        assert_eq!(error.retry_after_secs(), Some(DEFAULT_RETRY_AFTER_SECS));
        assert_eq!(error.code(), "too.many.requests.retry.after");
    }
}
