//! Realistic `cognigy.fallback` bodies, as a Cognigy flow's HTTP Request node posts them, each
//! of its own session so that no two share an idempotency key.

use serde_json::{json, Value};

/// Texts users write when the bot did not understand them; rotated through the bodies.
const TEXTS: [&str; 4] = [
    "I want to talk to a human about my last invoice, it was charged twice",
    "none of these options fit, can someone call me back about the router",
    "agent please",
    "my parcel says delivered but it is not here and the tracking page shows nothing",
];

/// Body number `n` of run `run`: a session, user, input and trace of its own, the fields
/// Cognigy sends (intent, score, channel, locale, URLToken) and some flow data.
pub fn fallback(run: &str, n: u64, with_url_token: bool) -> Value {
    let mut body = json!({
        "sessionId": format!("bench-{run}-session-{n}"),
        "userId": format!("bench-user-{}", n % 5_000),
        "text": TEXTS[usize::try_from(n % 4).unwrap_or(0)],
        "intent": null,
        "intentScore": 0.18,
        "understood": false,
        "language": "en-US",
        "channel": "webchat3",
        "inputId": format!("0190c7a2-{:04x}-7000-8000-{n:012x}", n % 0xffff),
        "traceId": format!("trace-{run}-{n}"),
        "data": {
            "customerId": format!("C-{:07}", n % 9_999_999),
            "plan": "gold",
            "lastOrder": {"id": format!("ORD-{n}"), "total": 129.9, "currency": "EUR"},
            "tags": ["billing", "priority"]
        }
    });
    if with_url_token {
        body["URLToken"] =
            json!("4f1c9e2b7a6d5c3e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6");
    }
    body
}

/// `body` without `inputId` and `traceId`: a fallback without a natural idempotency key, which
/// the ingress publishes without looking for an earlier copy in the database.
pub fn without_natural_key(mut body: Value) -> Value {
    if let Some(fields) = body.as_object_mut() {
        fields.remove("inputId");
        fields.remove("traceId");
    }
    body
}

#[cfg(test)]
mod tests {
    use cxrelay_core::kinds::FallbackEvent;

    #[test]
    fn the_bodies_are_valid_fallbacks_with_keys_of_their_own() {
        let first = FallbackEvent::parse(&super::fallback("r", 1, true), 0.5).unwrap();
        let second = FallbackEvent::parse(&super::fallback("r", 2, false), 0.5).unwrap();
        assert!(first.natural_key().is_some());
        assert_ne!(first.natural_key(), second.natural_key());
        let keyless = super::without_natural_key(super::fallback("r", 3, true));
        assert_eq!(
            FallbackEvent::parse(&keyless, 0.5).unwrap().natural_key(),
            None
        );
    }
}
