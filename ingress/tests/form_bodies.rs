//! Each kind accepts a form body (the Cognigy HTTP Request node's default) and makes of it the
//! same normalised payload as of the JSON body it stands for: numbers and booleans come as
//! strings, nesting as qs writes it. Values inside free-form objects (`data`, `attributes`)
//! stay the strings the form sent.

#![allow(clippy::unwrap_used)]

use cxrelay_core::kinds::{
    BotFailureEvent, BotSessionEvent, ConversationEndEvent, FallbackEvent, FlowRunEvent,
    VirtualAgentEvent,
};
use cxrelay_core::validation::FieldError;
use cxrelay_ingress::body::{decode_body, BodyLimits};
use serde::Serialize;
use serde_json::{json, Value};

const FORM: &[u8] = b"application/x-www-form-urlencoded";
const C: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const P: &str = "9b2f1c44-0d6e-4c1a-8f4e-2a7d5e3c1b90";

fn limits() -> BodyLimits {
    BodyLimits {
        max_bytes: 64 * 1024,
        max_depth: 32,
        max_string_chars: 16 * 1024,
    }
}

/// The payloads `parse` makes of the form body and of the JSON body; they must be equal.
fn both<T: Serialize>(
    form: &str,
    json_body: Value,
    parse: impl Fn(&Value) -> Result<T, FieldError>,
) -> (Value, Value) {
    let from_form = decode_body(Some(FORM), form.as_bytes(), &limits()).unwrap();
    let json_bytes = serde_json::to_vec(&json_body).unwrap();
    let from_json = decode_body(Some(b"application/json"), &json_bytes, &limits()).unwrap();
    let normalised = |raw: &Value| serde_json::to_value(parse(raw).unwrap()).unwrap();
    (normalised(&from_form), normalised(&from_json))
}

#[test]
fn a_fallback_form_as_the_cognigy_http_request_node_sends_it() {
    let form = "sessionId=s-1&userId=u-1&text=I+want+a+human&intent=&intentScore=0.2\
                &understood=false&localeId=en-US&channel=webchat3&inputId=in-7\
                &data%5BorderId%5D=42&data%5Btags%5D%5B0%5D=vip&data%5Btags%5D%5B1%5D=late";
    let json_body = json!({"sessionId": "s-1", "userId": "u-1", "text": "I want a human",
        "intent": "", "intentScore": 0.2, "understood": false, "localeId": "en-US",
        "channel": "webchat3", "inputId": "in-7",
        "data": {"orderId": "42", "tags": ["vip", "late"]}});
    let (form, json) = both(form, json_body, |raw| FallbackEvent::parse(raw, 0.5));
    assert_eq!(form, json);
    assert_eq!(form["intentScore"], 0.2);
    assert_eq!(form["understood"], false);
}

#[test]
fn a_bot_failure_form() {
    let form = format!("conversationId={C}&participantId={P}&sessionId=s-1&reason=timeout+in+flow");
    let json_body = json!({"conversationId": C, "participantId": P, "sessionId": "s-1",
        "reason": "timeout in flow"});
    let (form, json) = both(&form, json_body, BotFailureEvent::parse);
    assert_eq!(form, json);
}

#[test]
fn a_bot_session_form_with_snake_case_names_and_variables() {
    let form = "user_id=caller-1&queue_name=Billing&intent=pay_bill&language=en-US\
                &text=I+want+to+pay&variables[accountId]=A-9&variables[vip]=true";
    let json_body = json!({"user_id": "caller-1", "queue_name": "Billing", "intent": "pay_bill",
        "language": "en-US", "text": "I want to pay",
        "variables": {"accountId": "A-9", "vip": "true"}});
    let (form, json) = both(form, json_body, BotSessionEvent::parse);
    assert_eq!(form, json);
    assert_eq!(form["data"]["vip"], "true");
}

#[test]
fn a_flow_run_form() {
    let form = "endpoint=support&expectedSnapshot=64f0c0ffee0123456789abcd&userId=u-1\
                &sessionId=s-9&text=hello&data[cart][][sku]=A1&data[cart][][sku]=B2";
    let json_body = json!({"endpoint": "support", "expectedSnapshot": "64f0c0ffee0123456789abcd",
        "userId": "u-1", "sessionId": "s-9", "text": "hello",
        "data": {"cart": [{"sku": "A1"}, {"sku": "B2"}]}});
    let (form, json) = both(form, json_body, FlowRunEvent::parse);
    assert_eq!(form, json);
}

#[test]
fn a_virtual_agent_form_with_scores_as_strings() {
    let form = "botId=bot-1&toAddress=%2B15550100&toAddressMessengerType=whatsapp\
                &fromAddress=brand&text=Hi+there&intentScore=0.91&sentiment=-0.25\
                &attributes[plan]=gold&messagingTemplate[responseId]=r-1\
                &messagingTemplate[parameters][0][id]=name&messagingTemplate[parameters][0][value]=Ann";
    let json_body = json!({"botId": "bot-1", "toAddress": "+15550100",
        "toAddressMessengerType": "whatsapp", "fromAddress": "brand", "text": "Hi there",
        "intentScore": 0.91, "sentiment": -0.25, "attributes": {"plan": "gold"},
        "messagingTemplate": {"responseId": "r-1", "parameters": [{"id": "name", "value": "Ann"}]}});
    let (form, json) = both(form, json_body, VirtualAgentEvent::parse);
    assert_eq!(form, json);
    assert_eq!(form["sentiment"], -0.25);
}

#[test]
fn a_conversation_end_form_with_numbers_as_strings() {
    let form = format!(
        "eventTime=1767225600000&conversationId={C}&participantId={P}&disconnectType=client\
         &mediaType=MESSAGE&direction=inbound&interactingDurationMs=5000&divisionId=d-1"
    );
    let json_body = json!({"eventTime": 1_767_225_600_000_i64, "conversationId": C,
        "participantId": P, "disconnectType": "client", "mediaType": "MESSAGE",
        "direction": "inbound", "interactingDurationMs": 5000, "divisionId": "d-1"});
    let (form, json) = both(&form, json_body, ConversationEndEvent::parse);
    assert_eq!(form, json);
    assert_eq!(form["eventTime"], 1_767_225_600_000_i64);
}

#[test]
fn form_values_that_are_not_numbers_or_booleans_name_the_field() {
    let raw = decode_body(
        Some(FORM),
        b"sessionId=s&userId=u&text=t&intentScore=high",
        &limits(),
    )
    .unwrap();
    let err = FallbackEvent::parse(&raw, 0.5).unwrap_err();
    assert_eq!((err.field.as_str(), err.rule), ("intentScore", "type"));
    let raw = decode_body(
        Some(FORM),
        b"sessionId=s&userId=u&text=t&understood=yes",
        &limits(),
    )
    .unwrap();
    let err = FallbackEvent::parse(&raw, 0.5).unwrap_err();
    assert_eq!((err.field.as_str(), err.rule), ("understood", "type"));
}
