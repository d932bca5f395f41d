//! One handler per event kind, and what they share: decoding the payload and turning a failed
//! call into the documented dead reason.

pub mod bot_failure;
pub mod bot_session;
pub mod conversation_end;
pub mod fallback;
pub mod flow_run;
pub mod turn;
pub mod virtual_agent;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::CallResult;
use crate::outcome::Outcome;
use crate::verdict::Verdict;

/// The payload as its kind's type, or the dead verdict for one that does not decode (the
/// ingress validated it, so this means a producer of another version).
pub fn decode<T: DeserializeOwned>(payload: &Value) -> Result<T, Verdict> {
    serde_json::from_value(payload.clone()).map_err(|error| {
        Verdict::dead(
            "invalid_payload",
            format!("payload does not decode: {error}"),
        )
    })
}

/// The verdict for a call that did not succeed, by its classification: dead `rejected`
/// (permanent), dead `unauthorized` (401 even with a fresh token), or a retry `unavailable`
/// (timeout, 408, 429, 5xx) that honours the answer's `Retry-After`. `permission` names what a
/// 403 means the OAuth client's role lacks.
pub fn failed(call: &CallResult, what: &str, permission: Option<&str>) -> Verdict {
    let needs = match (call.http_status, permission) {
        (Some(403), Some(permission)) => format!(" (the OAuth client's role needs {permission})"),
        _ => String::new(),
    };
    let detail = format!("{what} failed: {}{needs}", call.summary());
    match call.outcome {
        Outcome::Auth => Verdict::dead("unauthorized", detail),
        Outcome::Retryable => Verdict::retry("unavailable", detail, call.retry_after),
        Outcome::Permanent | Outcome::Success => Verdict::dead("rejected", detail),
    }
}
