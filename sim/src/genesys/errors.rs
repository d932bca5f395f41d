//! The Genesys Cloud error body (SDK model `ErrorBody`),
//! `{"message","code","status","messageParams":{},"contextId","details":[],"errors":[]}`, which
//! every `/api/v2` route (and every injected fault) answers with.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::headers::CORRELATION_ID;

/// An error answer of the simulated Genesys API.
#[derive(Debug, Clone)]
pub struct GenesysError {
    status: StatusCode,
    code: String,
    message: String,
    retry_after_secs: Option<u64>,
}

impl GenesysError {
    /// An error with an explicit code and message.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// An error with the usual code and message of `status`.
    pub fn of_status(status: StatusCode) -> Self {
        let message = format!(
            "The request failed: {}",
            status.canonical_reason().unwrap_or("error")
        );
        Self::new(status, default_code(status), message)
    }

    /// 400 `bad.request`; the message names the offending field.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    /// 401 `authentication.required`: no bearer token, or one this org never issued.
    pub fn authentication_required() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        )
    }

    /// 401 `bad.credentials`: the token was issued here but has expired.
    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "Invalid login credentials.",
        )
    }

    /// 404 `not.found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not.found", message)
    }

    /// 429 with Genesys's own wording and a `Retry-After` of `secs`.
    pub fn rate_limited(secs: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests.retry.after",
            format!("Rate limit exceeded the maximum. Retry the request in [{secs}] seconds"),
        )
        .with_retry_after(secs)
    }

    /// The same error with a `Retry-After` header.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The same error with another code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// The same error with another message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The Genesys error code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `Retry-After` seconds, if the answer carries one.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after_secs
    }
}

/// The code Genesys uses for `status` when nothing more specific applies.
pub fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad.request",
        401 => "authentication.required",
        403 => "missing.permissions",
        404 => "not.found",
        408 => "request.timeout",
        409 => "conflict",
        413 => "request.entity.too.large",
        415 => "unsupported.media.type",
        429 => "too.many.requests.retry.after",
        500 => "internal.server.error",
        502 => "bad.gateway",
        503 => "service.unavailable",
        504 => "gateway.timeout",
        _ if status.is_server_error() => "internal.server.error",
        _ => "bad.request",
    }
}

impl IntoResponse for GenesysError {
    fn into_response(self) -> Response {
        // Genesys puts the correlation id of the response in the body as `contextId`; the
        // header layer keeps a correlation id that is already set.
        let context_id = uuid::Uuid::new_v4().to_string();
        let body = json!({
            "message": self.message,
            "code": self.code,
            "status": self.status.as_u16(),
            "messageParams": {},
            "contextId": context_id,
            "details": [],
            "errors": [],
        });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&context_id) {
            headers.insert(CORRELATION_ID, value);
        }
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_status_has_its_genesys_code() {
        let expected = [
            (400, "bad.request"),
            (403, "missing.permissions"),
            (404, "not.found"),
            (408, "request.timeout"),
            (409, "conflict"),
            (500, "internal.server.error"),
            (502, "bad.gateway"),
            (503, "service.unavailable"),
            (504, "gateway.timeout"),
        ];
        for (status, code) in expected {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(default_code(status), code, "{status}");
        }
    }

    #[test]
    fn the_error_body_carries_the_correlation_id_as_context_id() {
        let response = GenesysError::rate_limited(7).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        assert!(response.headers().contains_key(CORRELATION_ID));
    }
}
