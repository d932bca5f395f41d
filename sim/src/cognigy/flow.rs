//! `POST /endpoint/{URLToken}`: one message into the Endpoint's Flow and the bot's answer.
//!
//! The simulated Flow echoes: its first output is `You said: <text>` with the input's data
//! under `echo`, its second [`SECOND_LINE`]. A number in `data.simDelayMs` makes it answer
//! that much later (at most [`MAX_SIM_DELAY_MS`]), so tests can provoke overtaking; the input
//! is recorded on arrival, before the delay.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Map, Value};

use super::problem::Problem;
use super::resources::Endpoint;
use super::sessions::{Entry, Source};
use crate::state::SimState;

/// Longest `userId` and `sessionId`, in characters.
pub const MAX_ID_CHARS: usize = 256;
/// Longest `text`, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest delay `data.simDelayMs` may ask for: a typo must not hang a test run.
pub const MAX_SIM_DELAY_MS: u64 = 60_000;
/// The Flow's second output.
pub const SECOND_LINE: &str = "Anything else?";

/// One checked message for a Flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// `userId`.
    pub user_id: String,
    /// `sessionId`.
    pub session_id: String,
    /// `text`, if sent.
    pub text: Option<String>,
    /// `data`, if sent (an object).
    pub data: Option<Value>,
}

impl Turn {
    /// The `data.simDelayMs` the Flow waits before answering, capped.
    pub fn delay(&self) -> Duration {
        let ms = self
            .data
            .as_ref()
            .and_then(|d| d.get("simDelayMs"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Duration::from_millis(ms.min(MAX_SIM_DELAY_MS))
    }
}

/// Parses `{"userId","sessionId","text"?,"data"?}` (the inject body too, without its
/// URLToken); the problem names the field.
pub fn parse_turn(fields: &Map<String, Value>) -> Result<Turn, Problem> {
    let id = |field: &str| match fields.get(field) {
        Some(Value::String(id)) if !id.is_empty() && id.chars().count() <= MAX_ID_CHARS => {
            Ok(id.clone())
        }
        Some(Value::String(id)) if !id.is_empty() => Err(Problem::bad_request(format!(
            "{field} is longer than {MAX_ID_CHARS} characters"
        ))),
        _ => Err(Problem::bad_request(format!(
            "{field} is required and must be a non-empty string"
        ))),
    };
    let user_id = id("userId")?;
    let session_id = id("sessionId")?;
    let text = match fields.get("text") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.chars().count() > MAX_TEXT_CHARS => {
            return Err(Problem::bad_request(format!(
                "text is longer than {MAX_TEXT_CHARS} characters"
            )))
        }
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => return Err(Problem::bad_request("text must be a string")),
    };
    let data = match fields.get("data") {
        None | Some(Value::Null) => None,
        Some(data @ Value::Object(_)) => Some(data.clone()),
        Some(_) => return Err(Problem::bad_request("data must be a JSON object")),
    };
    if text.is_none() && data.is_none() {
        return Err(Problem::bad_request(
            "at least one of text and data is required",
        ));
    }
    Ok(Turn {
        user_id,
        session_id,
        text,
        data,
    })
}

/// The body as a JSON object, whatever its declared content type.
pub fn body_object(body: &[u8]) -> Result<Map<String, Value>, Problem> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(Problem::bad_request("the body must be a JSON object")),
        Err(e) => Err(Problem::bad_request(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

/// The Flow's outputs for `turn`, as `(text, data)`.
pub fn outputs(turn: &Turn) -> [(String, Value); 2] {
    let said = turn.text.as_deref().unwrap_or_default();
    let echo = turn.data.clone().unwrap_or(Value::Null);
    [
        (format!("You said: {said}"), json!({ "echo": echo })),
        (SECOND_LINE.to_owned(), json!({})),
    ]
}

/// Runs `turn` through `endpoint`'s Flow: records the input, waits the asked delay, records
/// the outputs and returns the Endpoint's answer body.
pub async fn converse(state: &SimState, endpoint: &Endpoint, turn: &Turn) -> Value {
    let sessions = state.cognigy_sessions();
    let input = Entry {
        source: Source::User,
        text: turn.text.clone(),
        data: turn.data.clone().unwrap_or(Value::Null),
        at: Utc::now(),
        flow_name: endpoint.flow_name.clone(),
    };
    sessions.record(&turn.session_id, &turn.user_id, input);
    let delay = turn.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut stack = Vec::new();
    for (text, data) in outputs(turn) {
        let output = Entry {
            source: Source::Bot,
            text: Some(text.clone()),
            data: data.clone(),
            at: Utc::now(),
            flow_name: endpoint.flow_name.clone(),
        };
        sessions.record(&turn.session_id, &turn.user_id, output);
        stack.push(json!({
            "text": text,
            "data": data,
            "traceId": uuid::Uuid::new_v4().to_string(),
            "source": "bot",
        }));
    }
    let last = stack.last().cloned().unwrap_or(Value::Null);
    json!({
        "text": last["text"],
        "data": last["data"],
        "outputStack": stack,
        "userId": turn.user_id,
        "sessionId": turn.session_id,
    })
}

/// `POST /endpoint/{URLToken}`: 404 for an unknown token, 403 for a disabled Endpoint, 400
/// for a bad body, else the Flow's answer.
pub async fn run_turn(
    State(state): State<SimState>,
    Path(url_token): Path<String>,
    body: Bytes,
) -> Response {
    let Some(endpoint) = state.cognigy().endpoint_by_token(&url_token) else {
        return Problem::not_found("No Endpoint has this URLToken.").into_response();
    };
    if !endpoint.active {
        return Problem::endpoint_disabled().into_response();
    }
    let turn = match body_object(&body).and_then(|fields| parse_turn(&fields)) {
        Ok(turn) => turn,
        Err(problem) => return problem.into_response(),
    };
    Json(converse(&state, &endpoint, &turn).await).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: Value) -> Result<Turn, Problem> {
        parse_turn(value.as_object().unwrap())
    }

    #[test]
    fn a_turn_needs_both_ids_and_text_or_data() {
        assert!(parse(json!({"userId": "u", "sessionId": "s", "text": "hi"})).is_ok());
        assert!(parse(json!({"userId": "u", "sessionId": "s", "data": {}})).is_ok());
        let neither = parse(json!({"userId": "u", "sessionId": "s"})).unwrap_err();
        assert!(neither.detail().contains("text"));
        let no_user = parse(json!({"sessionId": "s", "text": "hi"})).unwrap_err();
        assert!(no_user.detail().contains("userId"));
    }

    #[test]
    fn ids_over_256_and_texts_over_10000_characters_are_refused() {
        let long_id = "x".repeat(257);
        let error = parse(json!({"userId": long_id, "sessionId": "s", "text": "hi"})).unwrap_err();
        assert!(error.detail().contains("256"));
        let long_text = "x".repeat(10_001);
        assert!(parse(json!({"userId": "u", "sessionId": "s", "text": long_text})).is_err());
        assert!(parse(json!({"userId": "u", "sessionId": "s", "data": [1]})).is_err());
    }

    #[test]
    fn the_flow_echoes_then_asks_for_more_and_honours_a_capped_delay() {
        let turn = parse(json!({"userId": "u", "sessionId": "s", "text": "hi",
                                "data": {"simDelayMs": 999_999_999}}))
        .unwrap();
        let [first, second] = outputs(&turn);
        assert_eq!(first.0, "You said: hi");
        assert_eq!(first.1["echo"]["simDelayMs"], 999_999_999);
        assert_eq!(second.0, SECOND_LINE);
        assert_eq!(turn.delay(), Duration::from_millis(MAX_SIM_DELAY_MS));
    }
}
