//! The record of one downstream HTTP call, whatever system it went to, and how an HTTP answer
//! (or its absence) becomes one.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::outcome::{classify_status, classify_transport_error, Outcome};

/// What one call returned, classified; stored as an `attempts` row.
#[derive(Debug, Clone)]
pub struct CallResult {
    /// Classification of the answer.
    pub outcome: Outcome,
    /// HTTP status, when an answer came.
    pub http_status: Option<u16>,
    /// The platform's error code (`bad.request`, `too.many.requests.retry.after`, ...).
    pub error_code: Option<String>,
    /// The platform's error message, or the transport error.
    pub error_message: Option<String>,
    /// Genesys `ININ-Correlation-Id` or Cognigy `traceId` (support asks for them).
    pub correlation_id: Option<String>,
    /// Time from sending to the full answer.
    pub latency: Duration,
    /// The JSON body of a successful answer.
    pub body: Option<Value>,
}

/// Longest error message kept from a response body.
const MAX_ERROR_CHARS: usize = 500;

/// Sends `request` and classifies what comes back; never fails. Errors never carry the URL,
/// which for a Cognigy Endpoint contains its URLToken.
pub async fn send(request: reqwest::RequestBuilder, correlation_header: &str) -> CallResult {
    let started = Instant::now();
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => return transport_failure(started, error.without_url().to_string()),
    };
    let status = response.status().as_u16();
    let header_correlation = response
        .headers()
        .get(correlation_header)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.unwrap_or_default();
    let json: Option<Value> = serde_json::from_str(&text).ok();
    let outcome = classify_status(status);
    let field = |names: &[&str]| {
        names.iter().find_map(|name| {
            json.as_ref()
                .and_then(|b| b.get(*name))
                .and_then(Value::as_str)
                .map(|s| s.chars().take(MAX_ERROR_CHARS).collect::<String>())
        })
    };
    let (error_code, error_message) = if outcome == Outcome::Success {
        (None, None)
    } else {
        // Genesys: {code, message}; Cognigy (RFC 7807): {code, detail, title}.
        (field(&["code"]), field(&["message", "detail", "title"]))
    };
    CallResult {
        outcome,
        http_status: Some(status),
        error_code,
        error_message,
        correlation_id: header_correlation.or_else(|| field(&["traceId"])),
        latency: started.elapsed(),
        // A 2xx may legitimately have no body (202/204): an empty object stands for it.
        body: if outcome == Outcome::Success {
            Some(json.unwrap_or_else(|| Value::Object(serde_json::Map::new())))
        } else {
            None
        },
    }
}

fn transport_failure(started: Instant, message: String) -> CallResult {
    CallResult {
        outcome: classify_transport_error(),
        http_status: None,
        error_code: Some("transport".to_owned()),
        error_message: Some(message),
        correlation_id: None,
        latency: started.elapsed().max(Duration::from_micros(1)),
        body: None,
    }
}

impl CallResult {
    /// A call that could not be made because its target is not configured; permanent.
    pub fn not_configured(what: &str) -> Self {
        Self {
            outcome: Outcome::Permanent,
            http_status: None,
            error_code: Some("not_configured".to_owned()),
            error_message: Some(format!("{what} is not configured")),
            correlation_id: None,
            latency: Duration::ZERO,
            body: None,
        }
    }

    /// "HTTP 409, code conflict" or "no answer (timeout ...)", for verdict details.
    pub fn summary(&self) -> String {
        match self.http_status {
            Some(status) => format!(
                "HTTP {status}, code {}",
                self.error_code.as_deref().unwrap_or("-")
            ),
            None => format!(
                "no answer ({})",
                self.error_message.as_deref().unwrap_or("transport error")
            ),
        }
    }
}
