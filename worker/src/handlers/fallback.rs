//! `cognigy.fallback`: launch the configured Genesys workflow with the Cognigy session's data.

use cxrelay_core::kinds::FallbackEvent;
use reqwest::Method;
use serde_json::{json, Value};

use crate::attempt::{Attempt, AttemptError};
use crate::genesys::{execution_request, LAUNCH_FLOW};
use crate::outcome::Outcome;
use crate::verdict::Verdict;

/// Path of the flow-execution call.
const EXECUTIONS_PATH: &str = "/api/v2/flows/executions";

/// Launches the fallback workflow; the result names the flow execution.
pub async fn handle(
    attempt: &mut Attempt<'_>,
    flow_id: &str,
    payload: &Value,
) -> Result<Verdict, AttemptError> {
    let event: FallbackEvent = match serde_json::from_value(payload.clone()) {
        Ok(event) => event,
        Err(error) => {
            return Ok(Verdict::dead(
                "invalid_payload",
                format!("payload is not a fallback event: {error}"),
            ))
        }
    };
    let body = execution_request(flow_id, &event);
    let call = attempt
        .genesys_call(LAUNCH_FLOW, Method::POST, EXECUTIONS_PATH, Some(&body))
        .await?;
    Ok(match call.outcome {
        Outcome::Success => {
            let execution = call.body.unwrap_or_default();
            let Some(id) = execution.get("id").and_then(Value::as_str) else {
                return Ok(Verdict::dead(
                    "unexpected_response",
                    "the flow execution answer has no id",
                ));
            };
            Verdict::Succeeded {
                result: json!({
                    "flowExecutionId": id,
                    "flowExecutionName": execution.get("name"),
                    "flowId": flow_id,
                }),
            }
        }
        Outcome::Permanent => Verdict::dead(
            "rejected",
            describe("Genesys refused the flow launch", &call),
        ),
        Outcome::Auth => Verdict::dead(
            "unauthorized",
            describe("Genesys refused a fresh token", &call),
        ),
        // Retries through the broker come with the delivery-guarantees work (issue 4); until
        // then a retryable failure is recorded and the event is dead with that reason.
        Outcome::Retryable => {
            Verdict::dead("unavailable", describe("Genesys was unavailable", &call))
        }
    })
}

fn describe(what: &str, call: &crate::call::CallResult) -> String {
    let status = call
        .http_status
        .map_or_else(|| "no answer".to_owned(), |s| format!("HTTP {s}"));
    let code = call.error_code.as_deref().unwrap_or("-");
    let permission = if call.http_status == Some(403) {
        " (the OAuth client's role needs architect:flow:launch)"
    } else {
        ""
    };
    format!("{what}: {status}, code {code}{permission}")
}
