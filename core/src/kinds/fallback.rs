//! `cognigy.fallback`: a Cognigy flow did not understand the user and hands over to Genesys.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::carried_secret::CarriedSecret;
use crate::text_values::{is_blank, Interval};
use crate::validation::{FieldError, Fields};

/// Longest `sessionId` / `userId` Cognigy accepts on an Endpoint.
pub const MAX_ID_CHARS: usize = 256;
/// Longest `text` Cognigy accepts on an Endpoint.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest free-form label (language, channel, intent, ids of inputs and traces).
pub const MAX_LABEL_CHARS: usize = 256;
/// Longest URLToken accepted (Cognigy's are 64 hex characters; room for other formats).
pub const MAX_URL_TOKEN_CHARS: usize = 512;
/// Intent names that Cognigy flows use to mean "nothing matched".
const FALLBACK_INTENTS: [&str; 2] = ["fallback", "no_match"];

/// [`FALLBACK_INTENTS`] in any letter case, as a pattern (the OpenAPI document's rule).
pub const FALLBACK_INTENT_PATTERN: &str =
    "^([Ff][Aa][Ll][Ll][Bb][Aa][Cc][Kk]|[Nn][Oo]_[Mm][Aa][Tt][Cc][Hh])$";

/// A validated fallback event, in the normalised names cxrelay carries through the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackEvent {
    /// Cognigy session id.
    pub session_id: String,
    /// Cognigy user id.
    pub user_id: String,
    /// What the user said.
    pub text: String,
    /// Matched intent (null when nothing matched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// Score of the matched intent (0..1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent_score: Option<f64>,
    /// Cognigy's `understood` flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub understood: Option<bool>,
    /// Language or locale of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Cognigy channel (`webchat3`, `voiceGateway2`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Endpoint URLToken of the session, for notifying the user; a secret (prints redacted).
    #[serde(rename = "URLToken", skip_serializing_if = "Option::is_none")]
    pub url_token: Option<CarriedSecret>,
    /// Cognigy input id (part of the natural idempotency key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_id: Option<String>,
    /// Cognigy trace id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// Free-form data of the input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Map<String, Value>>,
}

impl FallbackEvent {
    /// Validates a request body as Cognigy's HTTP Request node sends it (`input.*` names and the
    /// tutorial aliases `confidence`, `metadata`). `threshold`: a matched intent scoring under it
    /// is still a fallback.
    pub fn parse(body: &Value, threshold: f64) -> Result<Self, FieldError> {
        let fields = Fields::of(body)?;
        let event = Self {
            session_id: fields.required_str(&["sessionId"], MAX_ID_CHARS)?,
            user_id: fields.required_str(&["userId"], MAX_ID_CHARS)?,
            text: fields.required_str(&["text"], MAX_TEXT_CHARS)?,
            intent: fields.optional_str(&["intent"], MAX_LABEL_CHARS)?,
            intent_score: fields.optional_number(&["intentScore", "confidence"], Interval::Unit)?,
            understood: fields.optional_bool(&["understood"])?,
            language: fields.optional_str(&["language", "localeId"], MAX_LABEL_CHARS)?,
            channel: fields.optional_str(&["channel"], MAX_LABEL_CHARS)?,
            url_token: fields
                .optional_str(&["URLToken"], MAX_URL_TOKEN_CHARS)?
                .map(CarriedSecret::from),
            input_id: fields.optional_str(&["inputId"], MAX_LABEL_CHARS)?,
            trace_id: fields.optional_str(&["traceId"], MAX_LABEL_CHARS)?,
            data: fields.optional_object(&["data", "metadata"])?,
        };
        event.check_is_fallback(threshold)?;
        Ok(event)
    }

    /// `sessionId:inputId` (or `sessionId:traceId`): Cognigy gives every input its own id, so
    /// the same input reported twice has the same key. None when the caller sent neither.
    pub fn natural_key(&self) -> Option<String> {
        let input = self.input_id.as_ref().or(self.trace_id.as_ref())?;
        Some(format!("{}:{input}", self.session_id))
    }

    /// A fallback is: no intent (absent, null, or blank: a form body sends `intent=` for
    /// none), a fallback intent name, `understood: false`, or a score under the threshold.
    /// Anything else was understood and must not be handed over.
    fn check_is_fallback(&self, threshold: f64) -> Result<(), FieldError> {
        let no_intent = match &self.intent {
            None => true,
            Some(intent) => {
                is_blank(intent)
                    || FALLBACK_INTENTS
                        .iter()
                        .any(|f| intent.eq_ignore_ascii_case(f))
            }
        };
        let low_score = self.intent_score.is_some_and(|score| score < threshold);
        if no_intent || low_score || self.understood == Some(false) {
            return Ok(());
        }
        Err(FieldError::new(
            "intent",
            "not_a_fallback",
            format!(
                "intent must be null, \"fallback\" or \"no_match\", or intentScore must be under {threshold}; \
                 got intent {:?} with intentScore {}",
                self.intent.as_deref().unwrap_or_default(),
                self.intent_score.map_or_else(|| "null".to_owned(), |s| s.to_string()),
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_intent_pattern_is_the_fallback_names_in_any_case() {
        let pattern = regex::Regex::new(FALLBACK_INTENT_PATTERN).unwrap();
        for name in ["fallback", "FALLBACK", "No_Match", "no_match"] {
            assert!(pattern.is_match(name), "{name}");
        }
        for other in ["fallback ", "nomatch", "billing", "no-match"] {
            assert!(!pattern.is_match(other), "{other}");
        }
    }

    fn valid() -> Value {
        json!({"sessionId": "s-1", "userId": "u-1", "text": "I want a human", "intent": null})
    }

    fn rule_of(body: Value) -> (String, &'static str) {
        let err = FallbackEvent::parse(&body, 0.5).unwrap_err();
        (err.field, err.rule)
    }

    #[test]
    fn a_no_match_is_accepted_with_aliases_normalised() {
        let mut body = valid();
        body["confidence"] = json!(0.2);
        body["metadata"] = json!({"plan": "gold"});
        body["localeId"] = json!("en-US");
        let event = FallbackEvent::parse(&body, 0.5).unwrap();
        assert_eq!(event.intent_score, Some(0.2));
        assert_eq!(event.language.as_deref(), Some("en-US"));
        assert_eq!(event.data.unwrap()["plan"], "gold");
    }

    #[test]
    fn each_required_field_is_named_when_missing() {
        for field in ["sessionId", "userId", "text"] {
            let mut body = valid();
            body.as_object_mut().unwrap().remove(field);
            assert_eq!(rule_of(body), (field.to_owned(), "required"));
        }
    }

    #[test]
    fn limits_and_types_are_enforced() {
        let mut body = valid();
        body["sessionId"] = json!("x".repeat(MAX_ID_CHARS + 1));
        assert_eq!(rule_of(body), ("sessionId".into(), "max_length"));
        let mut body = valid();
        body["text"] = json!("x".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(rule_of(body), ("text".into(), "max_length"));
        let mut body = valid();
        body["userId"] = json!(42);
        assert_eq!(rule_of(body), ("userId".into(), "type"));
        let mut body = valid();
        body["intentScore"] = json!(1.5);
        assert_eq!(rule_of(body), ("intentScore".into(), "range"));
        let mut body = valid();
        body["data"] = json!([1]);
        assert_eq!(rule_of(body), ("data".into(), "type"));
        assert_eq!(rule_of(json!([])), ("$".into(), "type"));
    }

    #[test]
    fn a_confident_match_is_not_a_fallback() {
        let mut body = valid();
        body["intent"] = json!("order_status");
        body["intentScore"] = json!(0.9);
        assert_eq!(rule_of(body.clone()), ("intent".into(), "not_a_fallback"));
        body["intentScore"] = json!(0.3);
        assert!(FallbackEvent::parse(&body, 0.5).is_ok());
        body["intentScore"] = json!(0.9);
        body["understood"] = json!(false);
        assert!(FallbackEvent::parse(&body, 0.5).is_ok());
        body["intent"] = json!("No_Match");
        body["understood"] = json!(true);
        assert!(FallbackEvent::parse(&body, 0.5).is_ok());
        body["intent"] = json!("");
        assert!(FallbackEvent::parse(&body, 0.5).is_ok());
    }
}
