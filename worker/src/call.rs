//! The record of one downstream HTTP call, whatever system it went to, and how an HTTP answer
//! (or its absence) becomes one.

use std::time::{Duration, Instant};

use cxrelay_core::redact::REDACTED;
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
    /// The answer's `Retry-After`, when it sent one (seconds or an HTTP date).
    pub retry_after: Option<Duration>,
    /// Time from the start of the call's attempt row to the call going out (its commit, a pause
    /// and the rate limiter waited out), so that the row's `finished_at` is `started_at` plus
    /// this and the latency.
    pub waited: Duration,
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
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
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
        retry_after,
        waited: Duration::ZERO,
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110); a date in the past is no wait.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
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
        retry_after: None,
        waited: Duration::ZERO,
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
            retry_after: None,
            waited: Duration::ZERO,
        }
    }

    /// This result with every occurrence of `secret` (the URLToken in the call's URL, the key
    /// or token in its headers) replaced by [`REDACTED`] in what is stored of it: the error
    /// code and message, the correlation id and the body. A platform that echoes a credential
    /// in an answer (an error naming the URL it was called on) must not put it in an attempt
    /// row, an event's `last_error` or `result`, or a log line.
    pub fn redacting(mut self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let scrub = |text: &mut String| {
            if text.contains(secret) {
                *text = text.replace(secret, REDACTED);
            }
        };
        for text in [
            &mut self.error_code,
            &mut self.error_message,
            &mut self.correlation_id,
        ]
        .into_iter()
        .flatten()
        {
            scrub(text);
        }
        if let Some(body) = &mut self.body {
            redact_strings(body, secret);
        }
        self
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

/// Replaces `secret` in every string of `value` (keys included), at any depth.
fn redact_strings(value: &mut Value, secret: &str) {
    match value {
        Value::String(text) if text.contains(secret) => *text = text.replace(secret, REDACTED),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| redact_strings(item, secret)),
        Value::Object(map) => {
            let leaky_keys: Vec<String> =
                map.keys().filter(|k| k.contains(secret)).cloned().collect();
            for key in leaky_keys {
                if let Some(child) = map.remove(&key) {
                    map.insert(key.replace(secret, REDACTED), child);
                }
            }
            map.values_mut()
                .for_each(|child| redact_strings(child, secret));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_secret_echoed_by_the_platform_is_redacted_everywhere_it_is_kept() {
        let token = "9f8e7d6c5b4a";
        let mut call = CallResult::not_configured("x");
        call.error_code = Some(format!("bad.{token}"));
        call.error_message = Some(format!(
            "no Endpoint at /endpoint/{token} (see /endpoint/{token})"
        ));
        call.correlation_id = Some(token.to_owned());
        call.body = Some(json!({"url": format!("https://h/{token}"), token: [token, 1]}));
        let call = call.redacting(token);
        let kept = format!(
            "{:?} {:?} {:?} {}",
            call.error_code,
            call.error_message,
            call.correlation_id,
            call.body.clone().unwrap_or_default()
        );
        assert!(!kept.contains(token), "{kept}");
        assert_eq!(
            call.error_message.as_deref(),
            Some("no Endpoint at /endpoint/[redacted] (see /endpoint/[redacted])")
        );
        assert_eq!(
            call.body,
            Some(json!({"url": "https://h/[redacted]", "[redacted]": ["[redacted]", 1]}))
        );
        // An empty secret changes nothing.
        let same = CallResult::not_configured("x").redacting("");
        assert_eq!(same.error_message.as_deref(), Some("x is not configured"));
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_an_http_date() {
        assert_eq!(parse_retry_after("42"), Some(Duration::from_secs(42)));
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        let soon = chrono::Utc::now() + chrono::Duration::seconds(120);
        let date = soon.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let wait = parse_retry_after(&date).unwrap();
        assert!(wait > Duration::from_secs(110) && wait <= Duration::from_secs(120));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
