//! `cognigy.fallback`: launch the configured Genesys workflow with the Cognigy session's data,
//! then, when the event carries a URLToken and the Cognigy API is configured, tell the user.

use cxrelay_core::kinds::{FallbackEvent, Target};
use reqwest::Method;
use serde_json::{json, Value};

use crate::attempt::{Attempt, AttemptError};
use crate::cognigy::NOTIFY;
use crate::genesys::{execution_request, LAUNCH_FLOW};
use crate::handlers::{decode, failed};
use crate::outcome::Outcome;
use crate::verdict::Verdict;

/// Path of the flow-execution call.
const EXECUTIONS_PATH: &str = "/api/v2/flows/executions";

/// Launches the fallback workflow; the result names the flow execution and the notify outcome.
pub async fn handle(attempt: &mut Attempt<'_>, payload: &Value) -> Result<Verdict, AttemptError> {
    let event: FallbackEvent = match decode(payload) {
        Ok(event) => event,
        Err(verdict) => return Ok(verdict),
    };
    let flow_id = attempt
        .ctx
        .settings
        .genesys
        .fallback_flow_id
        .clone()
        .unwrap_or_default();
    let body = execution_request(&flow_id, &event);
    let call = attempt
        .genesys_call(LAUNCH_FLOW, Method::POST, EXECUTIONS_PATH, Some(&body))
        .await?;
    if call.outcome != Outcome::Success {
        return Ok(failed(
            &call,
            "the flow launch",
            Some("architect:flow:launch"),
        ));
    }
    let execution = call.body.unwrap_or_default();
    let Some(execution_id) = execution.get("id").and_then(Value::as_str) else {
        return Ok(Verdict::dead(
            "unexpected_response",
            "the flow execution answer has no id",
        ));
    };
    let launch = attempt.calls.len().saturating_sub(1);
    let notified = notify_user(attempt, &event, execution_id).await?;
    // The event is the hand-off: its last status is the launch's, the notify's is in the result.
    attempt.report_call(launch);
    Ok(Verdict::Succeeded {
        result: json!({
            "flowExecutionId": execution_id,
            "flowExecutionName": execution.get("name"),
            "flowId": flow_id,
            "notified": notified,
        }),
    })
}

/// `POST /new/v2.0/endpoint/notify` with the configured template. The hand-off already
/// happened, so a failed notify is reported in the result, not as the event's failure.
async fn notify_user(
    attempt: &mut Attempt<'_>,
    event: &FallbackEvent,
    execution_id: &str,
) -> Result<Value, AttemptError> {
    let Some(url_token) = &event.url_token else {
        return Ok(json!("no URLToken in the event"));
    };
    let cognigy = attempt.ctx.cognigy.clone();
    if !cognigy.has_management_api() {
        return Ok(json!("Cognigy API not configured"));
    }
    let text = attempt
        .ctx
        .settings
        .cognigy
        .notify_template
        .replace("{flowExecutionId}", execution_id)
        .replace("{sessionId}", &event.session_id);
    let body = json!({
        "URLToken": url_token.expose(),
        "userId": event.user_id,
        "sessionId": event.session_id,
        "text": text,
        "data": {"flowExecutionId": execution_id},
    });
    let call = attempt
        .recorded(Target::Cognigy.as_str(), NOTIFY, || cognigy.notify(&body))
        .await?;
    Ok(match call.outcome {
        Outcome::Success => json!(true),
        _ => json!(format!("notify failed: {}", call.summary())),
    })
}
