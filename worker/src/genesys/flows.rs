//! Launching a Genesys workflow: `POST /api/v2/flows/executions`.

use cxrelay_core::kinds::FallbackEvent;
use serde_json::{json, Map, Value};

/// Operation name recorded in `attempts.operation`.
pub const LAUNCH_FLOW: &str = "genesys.flows.executions.create";

/// Longest execution `name` sent: a label for people, not data.
const MAX_NAME_CHARS: usize = 200;

/// The request body: `inputData` keys are the workflow's input variables, with the `Flow.`
/// prefix Genesys requires; absent values are omitted rather than sent as null.
pub fn execution_request(flow_id: &str, event: &FallbackEvent) -> Value {
    let mut input = Map::new();
    input.insert("Flow.cognigySessionId".into(), json!(event.session_id));
    input.insert("Flow.cognigyUserId".into(), json!(event.user_id));
    input.insert("Flow.userText".into(), json!(event.text));
    if let Some(language) = &event.language {
        input.insert("Flow.language".into(), json!(language));
    }
    if let Some(score) = event.intent_score {
        input.insert("Flow.intentScore".into(), json!(score));
    }
    let name: String = format!("cxrelay fallback for Cognigy session {}", event.session_id)
        .chars()
        .take(MAX_NAME_CHARS)
        .collect();
    json!({"flowId": flow_id, "name": name, "inputData": input})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_data_carries_the_flow_prefix_and_omits_absent_values() {
        let event: FallbackEvent = serde_json::from_value(json!({
            "sessionId": "s1", "userId": "u1", "text": "help", "intentScore": 0.25
        }))
        .unwrap();
        let body = execution_request("f-1", &event);
        assert_eq!(body["flowId"], "f-1");
        assert_eq!(
            body["inputData"],
            json!({"Flow.cognigySessionId": "s1", "Flow.cognigyUserId": "u1", "Flow.userText": "help", "Flow.intentScore": 0.25})
        );
        assert!(body["name"].as_str().unwrap().contains("s1"));
    }
}
