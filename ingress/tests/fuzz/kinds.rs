//! Each kind's parser over adversarial bodies: it never panics; what it accepts keeps the
//! kind's documented limits and is accepted again, unchanged, as the payload it became (the
//! worker and replays read it so); what it refuses names a field and a rule.

use cxrelay_core::kinds::{
    BotFailureEvent, BotSessionEvent, ConversationEndEvent, FallbackEvent, FlowRunEvent,
    VirtualAgentEvent, MESSENGER_TYPES,
};
use cxrelay_core::validation::FieldError;
use proptest::prelude::*;
use serde_json::Value;

use crate::strategies::*;

/// Every rule a kind's parser may name.
pub const KIND_RULES: &[&str] = &[
    "required",
    "type",
    "max_length",
    "range",
    "format",
    "one_of",
    "max_size",
    "not_a_fallback",
    "alias_conflict",
];

/// A refusal names a field and one of [`KIND_RULES`], and says what to fix.
pub fn check_refusal(error: &FieldError) -> Result<(), TestCaseError> {
    prop_assert!(!error.field.is_empty(), "no field: {error:?}");
    prop_assert!(KIND_RULES.contains(&error.rule), "unknown rule: {error:?}");
    prop_assert!(!error.message.is_empty(), "no message: {error:?}");
    Ok(())
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

fn within(s: &Option<String>, max: usize) -> bool {
    s.as_deref().is_none_or(|s| chars(s) <= max)
}

/// `parse` of the payload an accepted event became gives the same event.
fn check_round_trip<T, F>(event: &T, parse: F) -> Result<(), TestCaseError>
where
    T: serde::Serialize + PartialEq + std::fmt::Debug,
    F: Fn(&Value) -> Result<T, FieldError>,
{
    let payload = serde_json::to_value(event).unwrap();
    let again = parse(&payload);
    prop_assert_eq!(
        again.as_ref().ok(),
        Some(event),
        "payload {} refused: {:?}",
        payload,
        again
    );
    Ok(())
}

fn fallback_body() -> BoxedStrategy<Value> {
    body(vec![
        ("sessionId", field(plausible_text())),
        ("userId", field(plausible_text())),
        ("text", field(plausible_text())),
        (
            "intent",
            field(one_of(&["fallback", "no_match", "billing", ""])),
        ),
        ("intentScore", field(plausible_score(0.0, 1.0))),
        ("confidence", field(plausible_score(0.0, 1.0))),
        ("understood", field(plausible_bool())),
        ("language", field(plausible_text())),
        ("localeId", field(plausible_text())),
        ("channel", field(plausible_text())),
        ("URLToken", field(plausible_text())),
        ("inputId", field(plausible_text())),
        ("traceId", field(plausible_text())),
        ("data", field(plausible_object())),
        ("metadata", field(plausible_object())),
    ])
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn fallback_parse(body in fallback_body(), threshold in 0.0f64..=1.0) {
        match FallbackEvent::parse(&body, threshold) {
            Ok(event) => {
                prop_assert!((1..=256).contains(&chars(&event.session_id)));
                prop_assert!((1..=256).contains(&chars(&event.user_id)));
                prop_assert!((1..=10_000).contains(&chars(&event.text)));
                prop_assert!(within(&event.intent, 256) && within(&event.language, 256));
                prop_assert!(within(&event.channel, 256) && within(&event.input_id, 256));
                let url_token = event.url_token.as_ref().map(|t| t.expose().to_owned());
                prop_assert!(within(&event.trace_id, 256) && within(&url_token, 512));
                prop_assert!(event.intent_score.is_none_or(|s| (0.0..=1.0).contains(&s)));
                let no_intent = event.intent.as_deref().is_none_or(|i| {
                    i.trim().is_empty() || i.eq_ignore_ascii_case("fallback") || i.eq_ignore_ascii_case("no_match")
                });
                prop_assert!(
                    no_intent || event.understood == Some(false)
                        || event.intent_score.is_some_and(|s| s < threshold),
                    "not a fallback yet accepted: {:?}", event
                );
                check_round_trip(&event, |raw| FallbackEvent::parse(raw, threshold))?;
            }
            Err(error) => check_refusal(&error)?,
        }
    }

    #[test]
    fn bot_failure_parse(body in body(vec![
        ("conversationId", field(plausible_uuid())),
        ("participantId", field(plausible_uuid())),
        ("sessionId", field(plausible_text())),
        ("reason", field(plausible_text())),
        ("queueId", field(plausible_uuid())),
    ])) {
        match BotFailureEvent::parse(&body) {
            Ok(event) => {
                prop_assert!(is_uuid(&event.conversation_id) && is_uuid(&event.participant_id));
                prop_assert!(event.queue_id.as_deref().is_none_or(is_uuid));
                prop_assert!(within(&event.session_id, 256) && within(&event.reason, 1_000));
                check_round_trip(&event, BotFailureEvent::parse)?;
            }
            Err(error) => check_refusal(&error)?,
        }
    }

    #[test]
    fn bot_session_parse(body in body(vec![
        ("userId", field(plausible_text())),
        ("user_id", field(plausible_text())),
        ("sessionId", field(plausible_text())),
        ("text", field(plausible_text())),
        ("message", field(plausible_text())),
        ("queueName", field(plausible_text())),
        ("queue_name", field(plausible_text())),
        ("intent", field(plausible_text())),
        ("language", field(plausible_text())),
        ("locale", field(plausible_text())),
        ("conversationId", field(plausible_text())),
        ("endpoint", field(plausible_text())),
        ("data", field(plausible_object())),
        ("variables", field(plausible_object())),
    ])) {
        match BotSessionEvent::parse(&body) {
            Ok(event) => {
                prop_assert!((1..=256).contains(&chars(&event.user_id)));
                prop_assert!(within(&event.session_id, 256) && within(&event.text, 10_000));
                prop_assert!(within(&event.queue_name, 256) && within(&event.intent, 256));
                prop_assert!(within(&event.language, 64) && within(&event.conversation_id, 256));
                prop_assert!(within(&event.endpoint, 256));
                check_round_trip(&event, BotSessionEvent::parse)?;
            }
            Err(error) => check_refusal(&error)?,
        }
    }

    #[test]
    fn flow_run_parse(body in body(vec![
        ("endpoint", field(one_of(&["support", "sales-2", "a_b", "https://x/y", ""]))),
        ("expectedSnapshot", field(plausible_text())),
        ("userId", field(plausible_text())),
        ("sessionId", field(plausible_text())),
        ("text", field(plausible_text())),
        ("data", field(plausible_object())),
    ])) {
        match FlowRunEvent::parse(&body) {
            Ok(event) => {
                prop_assert!((1..=128).contains(&chars(&event.endpoint)));
                prop_assert!(event.endpoint.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
                prop_assert!((1..=256).contains(&chars(&event.user_id)));
                prop_assert!(within(&event.expected_snapshot, 64) && within(&event.session_id, 256));
                prop_assert!(within(&event.text, 10_000));
                prop_assert!(event.text.is_some() || event.data.is_some());
                check_round_trip(&event, FlowRunEvent::parse)?;
            }
            Err(error) => check_refusal(&error)?,
        }
    }

    #[test]
    fn virtual_agent_parse(body in body(vec![
        ("botId", field(plausible_text())),
        ("toAddress", field(plausible_text())),
        ("toAddressMessengerType", field(one_of(&["sms", "whatsapp", "open", "pigeon", "SMS"]))),
        ("fromAddress", field(plausible_text())),
        ("text", field(plausible_text())),
        ("intentScore", field(plausible_score(0.0, 1.0))),
        ("sentiment", field(plausible_score(-1.0, 1.0))),
        ("attributes", field(plausible_object())),
        ("messagingTemplate", field(plausible_object())),
    ])) {
        match VirtualAgentEvent::parse(&body) {
            Ok(event) => {
                let messenger = event.to_address_messenger_type.as_str();
                prop_assert!(MESSENGER_TYPES.contains(&messenger));
                let limit = if messenger == "sms" { 765 } else { 2_000 };
                prop_assert!((1..=limit).contains(&chars(&event.text)));
                prop_assert!((1..=256).contains(&chars(&event.bot_id)));
                prop_assert!((1..=256).contains(&chars(&event.to_address)));
                prop_assert!(within(&event.from_address, 256));
                prop_assert!(event.intent_score.is_none_or(|s| (0.0..=1.0).contains(&s)));
                prop_assert!(event.sentiment.is_none_or(|s| (-1.0..=1.0).contains(&s)));
                let attributes = event.attributes.as_ref().map_or(0, |a| serde_json::to_vec(a).unwrap().len());
                prop_assert!(attributes <= 40 * 1024);
                prop_assert!(messenger != "whatsapp" || event.messaging_template.is_some());
                check_round_trip(&event, VirtualAgentEvent::parse)?;
            }
            Err(error) => check_refusal(&error)?,
        }
    }

    #[test]
    fn conversation_end_parse(body in body(vec![
        ("eventTime", field(plausible_integer())),
        ("conversationId", field(plausible_uuid())),
        ("participantId", field(plausible_uuid())),
        ("sessionId", field(plausible_text())),
        ("disconnectType", field(plausible_text())),
        ("mediaType", field(plausible_text())),
        ("direction", field(plausible_text())),
        ("ani", field(plausible_text())),
        ("dnis", field(plausible_text())),
        ("addressFrom", field(plausible_text())),
        ("addressTo", field(plausible_text())),
        ("interactingDurationMs", field(plausible_integer())),
        ("divisionId", field(plausible_text())),
        ("externalContactId", field(plausible_text())),
    ])) {
        match ConversationEndEvent::parse(&body) {
            Ok(event) => {
                prop_assert!(event.event_time >= 0);
                prop_assert!(is_uuid(&event.conversation_id));
                prop_assert!(event.participant_id.as_deref().is_none_or(is_uuid));
                prop_assert!(event.interacting_duration_ms.is_none_or(|ms| ms >= 0));
                for label in [&event.session_id, &event.disconnect_type, &event.media_type,
                              &event.direction, &event.ani, &event.dnis, &event.address_from,
                              &event.address_to, &event.division_id, &event.external_contact_id] {
                    prop_assert!(within(label, 256));
                }
                check_round_trip(&event, ConversationEndEvent::parse)?;
            }
            Err(error) => check_refusal(&error)?,
        }
    }
}
