//! Pushing into a live session through the management API:
//! `POST /new/v2.0/endpoint/notify` (a message straight to the user) and
//! `POST /new/v2.0/endpoint/inject` (a message run through the Flow as user input).
//! Both answer 200 with the JSON string `"ok"` (the vendor's content is UNCONFIRMED).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{Map, Value};

use super::flow::{body_object, converse, parse_turn};
use super::problem::Problem;
use super::resources::Endpoint;
use super::sessions::{Entry, Source};
use crate::state::SimState;

/// The body of a successful notify or inject.
pub const OK_BODY: &str = "ok";

/// The Endpoint named by a push body's `URLToken`: 400 when absent, 404 when unknown.
fn endpoint_of(state: &SimState, fields: &Map<String, Value>) -> Result<Endpoint, Problem> {
    match fields.get("URLToken") {
        Some(Value::String(token)) if !token.is_empty() => state
            .cognigy()
            .endpoint_by_token(token)
            .ok_or_else(|| Problem::not_found("No Endpoint has this URLToken.")),
        _ => Err(Problem::bad_request(
            "URLToken is required and must be a non-empty string",
        )),
    }
}

/// `POST /new/v2.0/endpoint/notify`: recorded in the session as a bot output.
pub async fn notify(State(state): State<SimState>, body: Bytes) -> Response {
    let checked = body_object(&body).and_then(|fields| {
        let endpoint = endpoint_of(&state, &fields)?;
        Ok((endpoint, parse_turn(&fields)?))
    });
    let (endpoint, turn) = match checked {
        Ok(checked) => checked,
        Err(problem) => return problem.into_response(),
    };
    let output = Entry {
        source: Source::Bot,
        text: turn.text.clone(),
        data: turn.data.clone().unwrap_or(Value::Null),
        at: Utc::now(),
        flow_name: endpoint.flow_name.clone(),
    };
    state
        .cognigy_sessions()
        .record(&turn.session_id, &turn.user_id, output);
    Json(OK_BODY).into_response()
}

/// `POST /new/v2.0/endpoint/inject`: runs the Flow like an Endpoint call (a disabled
/// Endpoint refuses it with 403); its outputs go to the user, the answer is `"ok"`.
pub async fn inject(State(state): State<SimState>, body: Bytes) -> Response {
    let checked = body_object(&body).and_then(|fields| {
        let endpoint = endpoint_of(&state, &fields)?;
        if !endpoint.active {
            return Err(Problem::endpoint_disabled());
        }
        Ok((endpoint, parse_turn(&fields)?))
    });
    match checked {
        Ok((endpoint, turn)) => {
            converse(&state, &endpoint, &turn).await;
            Json(OK_BODY).into_response()
        }
        Err(problem) => problem.into_response(),
    }
}
