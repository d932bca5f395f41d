//! One-shot faults: the next N requests to one route, or to every route under a prefix,
//! answer with an error status, or late, so tests can drive cxrelay's retry, back-off and
//! timeout paths on demand. The middleware that applies them is [`crate::injection`].

use std::sync::Mutex;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::genesys::errors::GenesysError;
use crate::injection::injected_error;
use crate::state::lock;

/// The `method` of a fault that matches every method.
pub const ANY_METHOD: &str = "*";

/// One fault as `POST /_sim/faults` takes it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// HTTP method to match (case-insensitive), or [`ANY_METHOD`].
    pub method: String,
    /// Exact path to match, without the query. Exactly one of `path` and `path_prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Matches every path starting with this string (a plain string prefix: `/api/v2/`
    /// matches `/api/v2/flows/executions`, `/api/v2` would match `/api/v20` too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Status to answer with (400-599). Absent: only delay, then answer normally.
    #[serde(default)]
    pub status: Option<u16>,
    /// How many matching requests the fault hits before it is used up.
    #[serde(default = "one")]
    pub times: u32,
    /// `Retry-After` seconds (always sent with a 429, default
    /// [`crate::injection::DEFAULT_RETRY_AFTER_SECS`]).
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
        if self.method.trim().is_empty() {
            return Err(format!(
                "method must be an HTTP method or {ANY_METHOD:?}, got {:?}",
                self.method
            ));
        }
        let (field, value) = match (&self.path, &self.path_prefix) {
            (Some(path), None) => ("path", path),
            (None, Some(prefix)) => ("pathPrefix", prefix),
            _ => return Err("give exactly one of path and pathPrefix".to_owned()),
        };
        if !value.starts_with('/') {
            return Err(format!("{field} must start with '/', got {value:?}"));
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_matches = self.method == ANY_METHOD || self.method.eq_ignore_ascii_case(method);
        let path_matches = match (&self.path, &self.path_prefix) {
            (Some(exact), _) => exact == path,
            (None, Some(prefix)) => path.starts_with(prefix.as_str()),
            (None, None) => false,
        };
        method_matches && path_matches
    }

    /// The Genesys error answer of this fault, if it has a status.
    pub(crate) fn error(&self) -> Option<GenesysError> {
        let status = StatusCode::from_u16(self.status?).ok()?;
        let mut error = injected_error(status, self.retry_after_secs);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(times: u32) -> FaultSpec {
        FaultSpec {
            method: "post".into(),
            path: Some("/api/v2/flows/executions".into()),
            path_prefix: None,
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
        assert_eq!(
            error.retry_after_secs(),
            Some(crate::injection::DEFAULT_RETRY_AFTER_SECS)
        );
        assert_eq!(error.code(), "too.many.requests.retry.after");
    }

    fn burst(times: u32) -> FaultSpec {
        FaultSpec {
            method: ANY_METHOD.into(),
            path: None,
            path_prefix: Some("/api/v2/".into()),
            status: Some(429),
            retry_after_secs: Some(2),
            ..fault(times)
        }
    }

    #[test]
    fn a_prefix_fault_hits_any_method_under_its_prefix_and_nothing_else() {
        let book = FaultBook::default();
        book.add(burst(2));
        assert!(book.take("POST", "/oauth/token").is_none());
        assert!(book.take("GET", "/api/v2/conversations/c-1").is_some());
        assert!(book.take("DELETE", "/api/v2/x").is_some());
        assert!(book.take("GET", "/api/v2/conversations/c-1").is_none());
    }

    #[test]
    fn an_exact_fault_does_not_match_an_any_method_request_of_another_path() {
        let mut spec = fault(1);
        spec.method = ANY_METHOD.into();
        assert!(spec.matches("PUT", "/api/v2/flows/executions"));
        assert!(!spec.matches("PUT", "/api/v2/flows/executions/1"));
    }

    #[test]
    fn a_fault_needs_exactly_one_of_path_and_prefix_starting_with_a_slash() {
        let mut both = burst(1);
        both.path = Some("/api/v2/x".into());
        assert!(both.validate().unwrap_err().contains("exactly one"));
        let mut neither = burst(1);
        neither.path_prefix = None;
        assert!(neither.validate().unwrap_err().contains("exactly one"));
        let mut relative = burst(1);
        relative.path_prefix = Some("api/v2".into());
        assert!(relative.validate().unwrap_err().contains("pathPrefix"));
        let mut no_method = burst(1);
        no_method.method = " ".into();
        assert!(no_method.validate().unwrap_err().contains("method"));
        assert!(burst(1).validate().is_ok());
    }
}
