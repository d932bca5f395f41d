//! Cognigy's error body, RFC 7807 style:
//! `{"type","title","status","detail","code","traceId","details"}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An error answer of the simulated Cognigy (Endpoint or management API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    status: StatusCode,
    detail: String,
    retry_after_secs: Option<u64>,
}

impl Problem {
    /// A problem with `status` and a `detail` saying what is wrong.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            retry_after_secs: None,
        }
    }

    /// 400: the request is malformed; `detail` names the field.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 401: no `X-API-Key`, or not the configured one.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "The X-API-Key header is missing or the API key is not valid.",
        )
    }

    /// 403: the Endpoint exists but is disabled.
    pub fn endpoint_disabled() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "The Endpoint is disabled (active: false) and does not accept messages.",
        )
    }

    /// 404: `detail` says what was not found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// The same problem with a `Retry-After` header.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What is wrong.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// The `type` of a problem with `status`: the error class name Cognigy reports.
pub fn problem_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BadRequestError",
        401 => "UnauthorizedError",
        403 => "ForbiddenError",
        404 => "ResourceNotFoundError",
        408 => "RequestTimeoutError",
        409 => "ConflictError",
        413 => "PayloadTooLargeError",
        429 => "TooManyRequestsError",
        503 => "ServiceUnavailableError",
        504 => "GatewayTimeoutError",
        _ if status.is_server_error() => "ServerError",
        _ => "Error",
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        // `code` is numeric here (the HTTP status); the vendor's numeric codes are not
        // documented, so clients must not depend on the value.
        let body = json!({
            "type": problem_type(self.status),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.status.as_u16(),
            "traceId": uuid::Uuid::new_v4().to_string(),
            "details": {},
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_common_status_has_an_error_type() {
        assert_eq!(problem_type(StatusCode::NOT_FOUND), "ResourceNotFoundError");
        assert_eq!(problem_type(StatusCode::BAD_GATEWAY), "ServerError");
        assert_eq!(problem_type(StatusCode::IM_A_TEAPOT), "Error");
    }

    #[test]
    fn a_problem_with_retry_after_sends_the_header() {
        let response = Problem::new(StatusCode::TOO_MANY_REQUESTS, "slow down")
            .with_retry_after(3)
            .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
    }
}
