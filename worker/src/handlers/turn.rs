//! One turn into a Cognigy Endpoint, recorded as a session turn with its transcript; shared by
//! `genesys.bot_session` and `cognigy.flow_run`.

use cxrelay_core::config::CognigyEndpoint;
use cxrelay_core::kinds::Target;
use serde_json::{json, Map, Value};

use crate::attempt::{Attempt, AttemptError};
use crate::cognigy::RUN_TURN;
use crate::handlers::failed;
use crate::outcome::Outcome;
use crate::sessions::{self, TurnRecord};
use crate::verdict::Verdict;

/// What to send in one turn.
pub struct TurnInput<'a> {
    /// Name of the configured Endpoint.
    pub endpoint_name: &'a str,
    /// The Endpoint.
    pub endpoint: &'a CognigyEndpoint,
    /// Cognigy userId.
    pub user_id: &'a str,
    /// Cognigy sessionId.
    pub session_id: &'a str,
    /// What the user said.
    pub text: Option<&'a str>,
    /// Data for the Flow.
    pub data: Option<Map<String, Value>>,
    /// Genesys conversation behind the session, if any.
    pub conversation_id: Option<&'a str>,
}

/// Posts the turn; on success records the session and transcript and returns the bot's
/// messages, otherwise the dead verdict.
pub async fn run_turn(
    attempt: &mut Attempt<'_>,
    input: TurnInput<'_>,
) -> Result<Result<Vec<Value>, Verdict>, AttemptError> {
    let data = input.data.map(Value::Object);
    let mut body = json!({"userId": input.user_id, "sessionId": input.session_id});
    if let Some(text) = input.text {
        body["text"] = json!(text);
    }
    if let Some(data) = &data {
        body["data"] = data.clone();
    }
    let cognigy = attempt.ctx.cognigy.clone();
    let call = attempt
        .recorded(Target::Cognigy.as_str(), RUN_TURN, || {
            cognigy.run_turn(input.endpoint, &body)
        })
        .await?;
    if call.outcome != Outcome::Success {
        return Ok(Err(failed(&call, "the Cognigy Endpoint turn", None)));
    }
    let answer = call.body.unwrap_or_default();
    let outputs: Vec<Value> = answer
        .get("outputStack")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let record = TurnRecord {
        session_id: input.session_id,
        endpoint: input.endpoint_name,
        user_id: input.user_id,
        conversation_id: input.conversation_id,
        ttl_secs: attempt.ctx.settings.cognigy.session_ttl_secs,
        event_id: attempt.event_id,
        input: (input.text, data.as_ref()),
        outputs: &outputs,
    };
    let db = &attempt.ctx.db;
    attempt
        .ctx
        .db_health
        .retry("record the turn", || sessions::record_turn(db, &record))
        .await?;
    Ok(Ok(outputs
        .iter()
        .map(|o| json!({"text": o.get("text"), "data": o.get("data")}))
        .collect()))
}

/// The configured Endpoint called `name`, or the dead verdict naming it.
pub fn endpoint<'s>(
    endpoints: &'s std::collections::BTreeMap<String, CognigyEndpoint>,
    name: Option<&str>,
) -> Result<(String, &'s CognigyEndpoint), Verdict> {
    let Some(name) = name else {
        return Err(Verdict::dead(
            "unknown_endpoint",
            "the event names no endpoint and CXRELAY_COGNIGY__DEFAULT_ENDPOINT is not set",
        ));
    };
    let key = name.to_ascii_lowercase();
    endpoints
        .get(&key)
        .map(|endpoint| (key.clone(), endpoint))
        .ok_or_else(|| {
            Verdict::dead(
                "unknown_endpoint",
                format!("no Cognigy Endpoint named {name} is configured"),
            )
        })
}
