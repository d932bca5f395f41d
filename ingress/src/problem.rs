//! Every error the ingress answers with, as `application/problem+json` (RFC 9457).
//!
//! Internals (database and broker errors) are logged here and never put in a response body.

use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cxrelay_core::validation::FieldError;
use serde_json::json;

use cxrelay_core::amqp::PublishError;
use cxrelay_core::config::Source;

use crate::auth::{SignatureCheck, SignatureFault};
use crate::body::ACCEPTED_MEDIA_TYPES;

/// Media type of error bodies.
const PROBLEM_JSON: &str = "application/problem+json";

/// Header of a 415 that lists the media types a POST takes (the W3C's `Accept-Post`, in the
/// IANA registry).
const ACCEPT_POST: &str = "accept-post";

/// An answer other than success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No key, or a key that is not configured.
    #[error(
        "a valid API key is required (X-API-Key, Authorization: ApiKey or Authorization: Basic)"
    )]
    Unauthorized,
    /// A signature (or its timestamp) that does not prove the body.
    #[error("{message}")]
    BadSignature {
        /// The header at fault.
        header: String,
        /// The rule broken.
        rule: &'static str,
        /// What to fix.
        message: String,
    },
    /// A valid credential of a source this route does not accept.
    #[error("this route does not accept requests from source '{sender}' (it accepts: {})", list(.allowed))]
    SourceNotAllowed {
        /// The credential's source.
        sender: Source,
        /// The sources the route accepts.
        allowed: Vec<Source>,
    },
    /// An admin route without a configured admin token (`Authorization: Bearer <token>`).
    #[error("a valid admin token is required (Authorization: Bearer <token>)")]
    AdminUnauthorized,
    /// No admin token is configured, so the admin API is off.
    #[error("the admin API is disabled: no admin tokens are configured (set CXRELAY_INGRESS__ADMIN_TOKENS=name:token,...)")]
    AdminDisabled,
    /// The body is not JSON at all.
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// A field breaks a rule.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// A header breaks a rule.
    #[error("{message}")]
    InvalidHeader {
        /// Header name.
        header: &'static str,
        /// Rule it breaks.
        rule: &'static str,
        /// What to fix.
        message: String,
    },
    /// The body is over the limit.
    #[error("the body is larger than {limit} bytes")]
    TooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The content type is neither JSON nor a form (nor absent, which means JSON), or names a
    /// charset other than UTF-8.
    #[error(
        "the content type must be application/json or application/x-www-form-urlencoded, in UTF-8"
    )]
    UnsupportedMediaType,
    /// A form body that does not make one JSON object: the same key given both a value and
    /// nested keys.
    #[error("{message}")]
    MalformedForm {
        /// Where, as a JSON path (`data.orderId`).
        field: String,
        /// What to fix.
        message: String,
    },
    /// The body could not be read.
    #[error("the body could not be read")]
    BadBody,
    /// Nothing known under that id.
    #[error("{0}")]
    NotFound(String),
    /// The broker could not make the event durable: try again later.
    #[error("the event could not be stored durably; retry after {retry_after} s")]
    Unavailable {
        /// Seconds for `Retry-After`.
        retry_after: u32,
        /// What went wrong, for the log only.
        cause: PublishError,
    },
    /// Postgres cannot be reached: a status read cannot be answered now; ask again later.
    #[error("the event store cannot be reached; retry after {retry_after} s")]
    DatabaseUnavailable {
        /// Seconds for `Retry-After`.
        retry_after: u32,
        /// What went wrong, for the log only.
        cause: sqlx::Error,
    },
    /// The ingress is shutting down and takes no more events: send it again.
    #[error("the ingress is shutting down; retry after {retry_after} s")]
    ShuttingDown {
        /// Seconds for `Retry-After`.
        retry_after: u32,
    },
    /// Anything else: logged, answered 500 without detail.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

fn list(sources: &[Source]) -> String {
    let names: Vec<&str> = sources.iter().map(|s| s.as_str()).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

impl ApiError {
    /// A refused signature of `source`, naming the header at fault.
    pub fn signature(fault: SignatureFault, check: &SignatureCheck, source: Source) -> Self {
        let header = if fault.is_about_timestamp() {
            check.timestamp_header.as_deref().unwrap_or_default()
        } else {
            check.header.as_str()
        };
        let message = match fault {
            SignatureFault::Missing => {
                format!("{header} is required: source '{source}' signs its requests")
            }
            SignatureFault::Malformed => {
                format!("{header} must be sha256=<base64> or sha256=<hex> of an HMAC-SHA256")
            }
            SignatureFault::Mismatch => format!(
                "{header} does not match the body signed with any secret of source '{source}'"
            ),
            SignatureFault::TimestampMissing => {
                format!("{header} is required: a Unix time in seconds, signed with the body")
            }
            SignatureFault::TimestampStale => format!("{header} is outside the accepted window"),
        };
        Self::BadSignature {
            header: header.to_owned(),
            rule: fault.rule(),
            message,
        }
    }

    /// The `reason` label of an authentication failure.
    pub fn auth_reason(&self) -> &'static str {
        match self {
            Self::SourceNotAllowed { .. } => "source_not_allowed",
            Self::BadSignature { .. } => "signature",
            Self::TooLarge { .. } | Self::BadBody => "body",
            _ => "credential",
        }
    }

    /// Maps an error reading a body with a limit: over the limit is 413, anything else 400.
    pub fn from_body_error(error: &axum::Error, limit: usize) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(cause) = source {
            if cause.is::<http_body_util::LengthLimitError>() {
                return Self::TooLarge { limit };
            }
            source = cause.source();
        }
        Self::BadBody
    }

    /// Maps axum's body rejection: over the limit is 413, anything else 400.
    pub fn from_body_rejection(rejection: BytesRejection, limit: usize) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::TooLarge { limit }
        } else {
            Self::BadBody
        }
    }

    /// The status it is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::AdminUnauthorized | Self::BadSignature { .. } => {
                StatusCode::UNAUTHORIZED
            }
            Self::SourceNotAllowed { .. } => StatusCode::FORBIDDEN,
            Self::AdminDisabled => StatusCode::FORBIDDEN,
            Self::MalformedJson(_)
            | Self::MalformedForm { .. }
            | Self::InvalidHeader { .. }
            | Self::BadBody => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unavailable { .. }
            | Self::DatabaseUnavailable { .. }
            | Self::ShuttingDown { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `field` and `rule` of the answer: every refusal of a request's header, body or
    /// source names both (`$` is the whole body).
    pub fn field_and_rule(&self) -> Option<(&str, &str)> {
        match self {
            Self::Invalid(error) => Some((error.field.as_str(), error.rule)),
            Self::InvalidHeader { header, rule, .. } => Some((*header, *rule)),
            Self::BadSignature { header, rule, .. } => Some((header.as_str(), *rule)),
            Self::SourceNotAllowed { .. } => Some(("source", "allowed_sources")),
            Self::MalformedJson(_) => Some(("$", "json")),
            Self::MalformedForm { field, .. } => Some((field.as_str(), "form")),
            Self::TooLarge { .. } => Some(("$", "max_size")),
            Self::UnsupportedMediaType => Some(("Content-Type", "media_type")),
            Self::BadBody => Some(("$", "readable")),
            _ => None,
        }
    }

    /// Short stable slug of the problem type.
    fn slug(&self) -> &'static str {
        match self {
            Self::Unauthorized | Self::AdminUnauthorized => "unauthorized",
            Self::BadSignature { .. } => "bad-signature",
            Self::SourceNotAllowed { .. } => "source-not-allowed",
            Self::AdminDisabled => "admin-disabled",
            Self::MalformedJson(_) => "malformed-json",
            Self::MalformedForm { .. } => "malformed-form",
            Self::Invalid(_) | Self::InvalidHeader { .. } => "validation",
            Self::TooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::BadBody => "bad-body",
            Self::NotFound(_) => "not-found",
            Self::Unavailable { .. } => "unavailable",
            Self::DatabaseUnavailable { .. } => "database-unavailable",
            Self::ShuttingDown { .. } => "shutting-down",
            Self::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        // The scheme a 401 asks for: the admin API takes bearer tokens, the webhooks API keys.
        let scheme = match self {
            Self::AdminUnauthorized => "Bearer",
            _ => "ApiKey, Basic",
        };
        let mut body = json!({
            "type": format!("urn:cxrelay:problem:{}", self.slug()),
            "title": status.canonical_reason().unwrap_or("error"),
            "status": status.as_u16(),
            "detail": self.to_string(),
        });
        if let Some((field, rule)) = self.field_and_rule() {
            body["field"] = json!(field);
            body["rule"] = json!(rule);
        }
        // Only internals are logged, never a request's body or a refusal's detail.
        match &self {
            Self::Unavailable { cause, .. } => tracing::warn!(error = %cause, "event not accepted"),
            Self::DatabaseUnavailable { cause, .. } => {
                tracing::warn!(error = %cause, "the database cannot be reached: answered 503")
            }
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "internal error")
            }
            _ => {}
        }
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Self::Unavailable { retry_after, .. }
        | Self::DatabaseUnavailable { retry_after, .. }
        | Self::ShuttingDown { retry_after } = self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            headers.insert(ACCEPT_POST, HeaderValue::from_static(ACCEPTED_MEDIA_TYPES));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(scheme));
        }
        response
    }
}
