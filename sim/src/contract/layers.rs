//! The two middlewares that hold the simulator to the fixture:
//!
//! - [`observe`], around everything: judges each request to a vendor API and the answer it got
//!   (whoever made it: the route, a fault, chaos, the auth check) and records every finding in
//!   the [`super::ContractLog`]; a test fails on any (see the test harness).
//! - [`refuse`], inside the auth checks of each vendor API: answers 400, in the vendor's error
//!   shape, a request the vendor would refuse (a required field missing, a wrong type, a value
//!   outside its enum), so that cxrelay's tests fail where production would.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::fixture::Vendor;
use super::judge::{judge_answer, judge_request, refused_request};
use crate::cognigy::problem::Problem;
use crate::genesys::errors::GenesysError;
use crate::recording::MAX_BODY_BYTES;
use crate::state::SimState;

/// Judges the request and its answer (see the module documentation).
pub async fn observe(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let (vendor, method, path, parts, body) = match buffered(request).await {
        Buffered::Vendor(vendor, method, path, parts, body) => (vendor, method, path, parts, body),
        Buffered::Other(request) => return next.run(request).await,
        Buffered::TooLarge => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    state
        .contract()
        .record(judge_request(vendor, &method, &path, &body));
    let response = next.run(Request::from_parts(parts, Body::from(body))).await;
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    state
        .contract()
        .record(judge_answer(vendor, &method, &path, parts.status, &body));
    Response::from_parts(parts, Body::from(body))
}

/// Answers 400 `bad.request` (Genesys) or a 400 problem (Cognigy) to a request the vendor
/// refuses, naming every field at fault; hands any other request on.
pub async fn refuse(request: Request, next: Next) -> Response {
    let (vendor, method, path, parts, body) = match buffered(request).await {
        Buffered::Vendor(vendor, method, path, parts, body) => (vendor, method, path, parts, body),
        Buffered::Other(request) => return next.run(request).await,
        Buffered::TooLarge => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let refused = refused_request(vendor, &method, &path, &body);
    if refused.is_empty() {
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    }
    let message = refused
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let mut response = match vendor {
        Vendor::Genesys => GenesysError::bad_request(message).into_response(),
        Vendor::Cognigy => Problem::bad_request(message).into_response(),
    };
    response.headers_mut().insert(
        "x-sim-refused-by",
        HeaderValue::from_static("sim/contracts"),
    );
    response
}

/// A request to a vendor API with its body read, or any other request untouched.
enum Buffered {
    Vendor(Vendor, String, String, Parts, Bytes),
    Other(Request),
    TooLarge,
}

async fn buffered(request: Request) -> Buffered {
    let path = request.uri().path().to_owned();
    let Some(vendor) = Vendor::of_path(&path) else {
        return Buffered::Other(request);
    };
    let method = request.method().as_str().to_owned();
    let (parts, body) = request.into_parts();
    match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => Buffered::Vendor(vendor, method, path, parts, body),
        Err(_) => Buffered::TooLarge,
    }
}
