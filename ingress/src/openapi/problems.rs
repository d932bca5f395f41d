//! The error answers: the `application/problem+json` body ([`crate::problem::ApiError`]) and
//! the responses every route shares, as reusable components.

use serde_json::{json, Value};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{ToResponse, ToSchema};

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer (RFC 9457). Validation errors name the field (as the caller named it; `$`
/// for the whole body) and the rule it breaks.
#[derive(ToSchema)]
pub struct Problem {
    /// `urn:cxrelay:problem:` and a slug: `validation`, `malformed-json`, `unauthorized`,
    /// `payload-too-large`, `unsupported-media-type`, `unavailable`, `shutting-down`, ...
    #[schema(rename = "type", pattern = "^urn:cxrelay:problem:[a-z-]+$")]
    pub problem_type: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong, in words.
    pub detail: String,
    /// The field or header that breaks a rule (400 and 422).
    pub field: Option<String>,
    /// The rule it breaks: `required`, `type`, `max_length`, `range`, `format`, `one_of`,
    /// `max_size`, `not_a_fallback`, `unknown_field`, `json`, ...
    pub rule: Option<String>,
}

/// A problem response of `status`, described by `description`, with one example.
fn problem_response(description: &str, example: Value) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .example(Some(example))
            .build(),
    )
}

/// The `Retry-After` of a 503: seconds to wait before `what` again.
fn retry_after_header(what: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some(format!(
            "Seconds to wait before {what} again (`ingress.retry_after_secs`)."
        )))
        .build()
}

/// The example body of a problem.
fn problem(slug: &str, title: &str, status: u16, detail: &str) -> Value {
    json!({
        "type": format!("urn:cxrelay:problem:{slug}"),
        "title": title,
        "status": status,
        "detail": detail,
    })
}

/// Implements [`ToResponse`] for `$name` as the response `$build` makes.
macro_rules! problem_component {
    ($($(#[$doc:meta])* $name:ident => $build:expr;)+) => {$(
        $(#[$doc])*
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                (stringify!($name), $build.into())
            }
        }
    )+};
}

problem_component! {
    /// 400: the body is not JSON, or a header breaks a rule.
    BadRequest => problem_response(
        "The body is not JSON, or a header (`Idempotency-Key`) breaks a rule.",
        json!({"type": "urn:cxrelay:problem:malformed-json", "title": "Bad Request",
               "status": 400, "field": "$", "rule": "json",
               "detail": "the body is not valid JSON: expected value at line 1 column 1"}),
    );
    /// 401 on the webhook routes.
    Unauthorized => problem_response(
        "No valid API key (`urn:cxrelay:problem:unauthorized`), or a missing, malformed, wrong or \
         stale HMAC signature (`urn:cxrelay:problem:bad-signature`, `field` the header, `rule` \
         `required`, `format`, `signature` or `window`); nothing was enqueued.",
        problem("unauthorized", "Unauthorized", 401,
                "a valid API key is required (X-API-Key, Authorization: ApiKey or Authorization: Basic)"),
    )
    .header("WWW-Authenticate", HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some("The schemes accepted: `ApiKey, Basic`."))
        .build());
    /// 403 on the webhook routes.
    SourceNotAllowed => problem_response(
        "The key is valid, but its source is not allowed on this route (`ingress.route_sources`).",
        json!({"type": "urn:cxrelay:problem:source-not-allowed", "title": "Forbidden",
               "status": 403, "field": "source", "rule": "allowed_sources",
               "detail": "this route does not accept requests from source 'genesys' (it accepts: cognigy, api)"}),
    );
    /// 413.
    PayloadTooLarge => problem_response(
        "The body is over `ingress.body_limit_bytes` (64 KiB).",
        json!({"type": "urn:cxrelay:problem:payload-too-large", "title": "Payload Too Large",
               "status": 413, "field": "$", "rule": "max_size",
               "detail": "the body is larger than 65536 bytes"}),
    );
    /// 415.
    UnsupportedMediaType => problem_response(
        "A content type the route does not take.",
        json!({"type": "urn:cxrelay:problem:unsupported-media-type",
               "title": "Unsupported Media Type", "status": 415, "field": "Content-Type",
               "rule": "media_type",
               "detail": "the content type must be application/json or application/x-www-form-urlencoded, in UTF-8"}),
    );
    /// 503 on the webhook routes.
    Unavailable => problem_response(
        "Nothing was accepted: the broker did not confirm the message in time, or the ingress \
         is shutting down (`urn:cxrelay:problem:shutting-down`). Send it again after `Retry-After`.",
        problem("unavailable", "Service Unavailable", 503,
                "the event could not be stored durably; retry after 5 s"),
    )
    .header("Retry-After", retry_after_header("sending"));
    /// 503 of `GET /v1/events/{id}`.
    DatabaseUnavailable => problem_response(
        "Postgres, where the workers record events, cannot be reached now. Ask again after \
         `Retry-After`; intake goes on meanwhile.",
        problem("database-unavailable", "Service Unavailable", 503,
                "the event store cannot be reached; retry after 5 s"),
    )
    .header("Retry-After", retry_after_header("asking"));
    /// 404 of `GET /v1/events/{id}`.
    NotFound => problem_response(
        "No worker has recorded the event yet (or it never existed).",
        problem("not-found", "Not Found", 404,
                "no event 01a21291-f34f-7615-86db-9159b2f5ae7a has been recorded; an accepted event appears once a worker takes it"),
    );
    /// 401 on the admin listener.
    AdminUnauthorized => problem_response(
        "No `Authorization: Bearer` with a configured admin token.",
        problem("unauthorized", "Unauthorized", 401,
                "a valid admin token is required (Authorization: Bearer <token>)"),
    )
    .header("WWW-Authenticate", HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some("`Bearer`."))
        .build());
    /// 403 on the admin listener.
    AdminDisabled => problem_response(
        "No admin token is configured: the admin API is disabled.",
        problem("admin-disabled", "Forbidden", 403,
                "the admin API is disabled: no admin tokens are configured (set CXRELAY_INGRESS__ADMIN_TOKENS=name:token,...)"),
    );
}
