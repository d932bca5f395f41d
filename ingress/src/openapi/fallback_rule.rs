//! The rule that makes a `cognigy.fallback` event one (else 422 `not_a_fallback`), told in the
//! fallback's request schema: no intent (absent, null or blank), a fallback intent name,
//! `understood: false`, or an intent score under the threshold; the document states the
//! default threshold (`ingress.intent_score_threshold`, 0.5).

use cxrelay_core::kinds::FALLBACK_INTENT_PATTERN;
use cxrelay_core::text_values::{anchored, BLANK, FALSE_TEXT, UNDER_HALF_TEXT};
use serde_json::{json, Value};

/// The default `ingress.intent_score_threshold`, which [`UNDER_HALF_TEXT`] is written for.
const DEFAULT_THRESHOLD: f64 = 0.5;

/// Adds the rule to the `FallbackRequest` schema of `document`.
pub fn add_fallback_rule(document: &mut Value) {
    let Some(all) = document
        .pointer_mut("/components/schemas/FallbackRequest/allOf")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let low_score = json!({"anyOf": [
        {"type": "number", "minimum": 0, "exclusiveMaximum": DEFAULT_THRESHOLD},
        {"type": "string", "pattern": anchored(UNDER_HALF_TEXT)},
    ]});
    all.push(json!({
        "description": format!(
            "a fallback: no intent (absent, null or blank), the intent fallback or no_match (any \
             case), understood false, or intentScore (confidence) under \
             ingress.intent_score_threshold ({DEFAULT_THRESHOLD} by default); else 422, rule \
             not_a_fallback"
        ),
        "anyOf": [
            {"properties": {"intent": {"anyOf": [
                {"type": "null"},
                {"type": "string", "pattern": BLANK},
                {"type": "string", "pattern": FALLBACK_INTENT_PATTERN},
            ]}}},
            {"required": ["understood"], "properties": {"understood": {"anyOf": [
                {"const": false},
                {"type": "string", "pattern": anchored(FALSE_TEXT)},
            ]}}},
            {"required": ["intentScore"], "properties": {"intentScore": low_score.clone()}},
            {"required": ["confidence"], "properties": {"confidence": low_score}},
        ],
    }));
}
