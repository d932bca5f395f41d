//! The call log: every request to a simulated platform, as the client sent it, so tests can
//! check what cxrelay really put on the wire.

use std::collections::BTreeMap;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::redaction::{recorded_path, redact_url_tokens};
use crate::state::SimState;

/// Largest request body the simulator reads. Real requests are a few kB (Cognigy sends at most
/// 65 kB); the cap only keeps a runaway client from exhausting memory.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// What a recorded secret is replaced with; the scheme of an `Authorization` header is kept
/// because tests check it (Basic for the token, Bearer for the API).
pub const REDACTED: &str = "[redacted]";

/// Form fields that are credentials; a client that wrongly puts its secret in the token form
/// (the tutorials do) still shows up by the field's name.
const SECRET_FORM_FIELDS: &[&str] = &["client_secret", "password"];

/// Headers that are credentials as a whole (Cognigy's management API key), by lower-case name.
const SECRET_HEADERS: &[&str] = &["x-api-key"];

/// One request as it arrived.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RecordedCall {
    /// HTTP method, upper case.
    pub method: String,
    /// Path without the query; in a Cognigy Endpoint path the URLToken is cut to its first
    /// characters (see [`crate::redaction`]).
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Headers by lower-case name; repeated headers joined with ", "; credentials redacted.
    pub headers: BTreeMap<String, String>,
    /// The JSON body if it parses, a form body as an object of its fields, any other body as a
    /// string, `null` when empty; secrets (form credentials, `URLToken`s) redacted.
    pub body: Value,
    /// When the request arrived (before its body was read), written with milliseconds so
    /// tests can count calls per second.
    #[serde(serialize_with = "crate::timestamps::serialize")]
    pub at: DateTime<Utc>,
    /// The status the simulator answered; for a held answer, the status it answers when the
    /// hold ends. `null` while the answer is not known yet (the request is still being
    /// handled, or the client went away before it was).
    pub status: Option<u16>,
    /// Set when a fault or chaos decided the answer (or only its timing) rather than the
    /// simulated platform alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injected: Option<Injected>,
    /// Milliseconds the answer was held on purpose (a fault's `delayMs`, a chaos timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_ms: Option<u64>,
}

/// What answered a call instead of (or before) the simulated platform.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Injected {
    /// A one-shot fault of `/_sim/faults`.
    Fault,
    /// A chaos profile answered with an error status.
    ChaosError,
    /// A chaos profile held the answer (a timeout for the client).
    ChaosTimeout,
}

impl RecordedCall {
    /// The record of a request from its head and its whole body.
    pub fn from_request(parts: &Parts, body: &[u8]) -> Self {
        let mut body = body_value(&parts.headers, body);
        redact_url_tokens(&mut body);
        Self {
            method: parts.method.as_str().to_owned(),
            path: recorded_path(parts.uri.path()),
            query: parts.uri.query().map(str::to_owned),
            headers: recorded_headers(&parts.headers),
            body,
            at: Utc::now(),
            status: None,
            injected: None,
            held_ms: None,
        }
    }
}

/// Whether a path is traffic of a simulated platform; the simulator's own control and health
/// routes are not, so reading the log does not change it.
pub fn is_recorded(path: &str) -> bool {
    path != "/healthz" && path != "/_sim" && !path.starts_with("/_sim/")
}

/// Middleware: buffers the body, records the call, hands the request on, then notes the
/// status answered. It records before anything can answer (faults, chaos, auth), so refused
/// and faulted calls are in the log too, in the order they arrived, each with its arrival
/// time. The inner layers find the call's [`crate::call_log::CallId`] in the request's
/// extensions.
pub async fn record(State(state): State<SimState>, request: Request, next: Next) -> Response {
    if !is_recorded(request.uri().path()) {
        return next.run(request).await;
    }
    // Arrival is now: a slow upload must not move the call into a later second.
    let arrived = Utc::now();
    let (mut parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let reason = format!("request body unreadable or over {MAX_BODY_BYTES} bytes: {error}");
            let mut call = RecordedCall::from_request(&parts, &[]);
            call.body = Value::String(reason.clone());
            call.at = arrived;
            call.status = Some(StatusCode::PAYLOAD_TOO_LARGE.as_u16());
            state.calls().push(call);
            return (StatusCode::PAYLOAD_TOO_LARGE, reason).into_response();
        }
    };
    let mut call = RecordedCall::from_request(&parts, &bytes);
    call.at = arrived;
    let id = state.calls().push(call);
    parts.extensions.insert(id);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    state.calls().answered(id, response.status().as_u16());
    response
}

fn recorded_headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut recorded: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        let value = if name == header::AUTHORIZATION {
            redact_authorization(&value)
        } else if SECRET_HEADERS.contains(&name.as_str()) {
            REDACTED.to_owned()
        } else {
            value.into_owned()
        };
        recorded
            .entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert(value);
    }
    recorded
}

/// `"Basic dXNlcjpwdw=="` → `"Basic [redacted]"`; a value without a scheme is redacted whole.
fn redact_authorization(value: &str) -> String {
    match value.trim().split_once(char::is_whitespace) {
        Some((scheme, _)) => format!("{scheme} {REDACTED}"),
        None => REDACTED.to_owned(),
    }
}

fn body_value(headers: &HeaderMap, body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if is_form(headers) {
        return form_fields(body);
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// Whether the request declares an `application/x-www-form-urlencoded` body.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn form_fields(body: &[u8]) -> Value {
    let fields: Map<String, Value> = form_urlencoded::parse(body)
        .map(|(name, value)| {
            let value = if SECRET_FORM_FIELDS.contains(&name.as_ref()) {
                REDACTED.to_owned()
            } else {
                value.into_owned()
            };
            (name.into_owned(), Value::String(value))
        })
        .collect();
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request as HttpRequest;
    use serde_json::json;

    fn parts(content_type: &str, authorization: &str) -> Parts {
        let (parts, ()) = HttpRequest::post("/oauth/token?x=1")
            .header("Content-Type", content_type)
            .header("Authorization", authorization)
            .header("X-Many", "a")
            .header("X-Many", "b")
            .header("X-API-Key", "cognigy-key")
            .body(())
            .unwrap()
            .into_parts();
        parts
    }

    #[test]
    fn a_form_body_is_recorded_as_its_fields_with_secrets_redacted() {
        let parts = parts(
            "application/x-www-form-urlencoded; charset=utf-8",
            "Basic abc",
        );
        let call =
            RecordedCall::from_request(&parts, b"grant_type=client_credentials&client_secret=s");
        assert_eq!(
            call.body,
            json!({"grant_type": "client_credentials", "client_secret": "[redacted]"})
        );
        assert_eq!(call.headers["authorization"], "Basic [redacted]");
        assert_eq!(call.headers["x-many"], "a, b");
        assert_eq!(call.headers["x-api-key"], "[redacted]");
        assert_eq!(call.query.as_deref(), Some("x=1"));
        assert_eq!(call.path, "/oauth/token");
    }

    #[test]
    fn json_text_and_empty_bodies_are_recorded_by_kind() {
        let parts = parts("application/json", "Bearer t0k3n");
        assert_eq!(
            RecordedCall::from_request(&parts, br#"{"a":1}"#).body,
            json!({"a": 1})
        );
        assert_eq!(
            RecordedCall::from_request(&parts, b"not json").body,
            json!("not json")
        );
        assert_eq!(RecordedCall::from_request(&parts, b"").body, Value::Null);
        assert_eq!(
            RecordedCall::from_request(&parts, b"").headers["authorization"],
            "Bearer [redacted]"
        );
    }

    #[test]
    fn an_authorization_value_without_a_scheme_is_redacted_whole() {
        assert_eq!(redact_authorization("secret"), "[redacted]");
    }

    #[test]
    fn control_and_health_routes_are_not_recorded() {
        assert!(!is_recorded("/_sim/calls"));
        assert!(!is_recorded("/healthz"));
        assert!(is_recorded("/api/v2/flows/executions"));
        assert!(is_recorded("/_simulated"));
    }
}
