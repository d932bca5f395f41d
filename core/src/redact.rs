//! Removal of secrets from what cxrelay stores or prints.

use serde_json::Value;

/// Payload fields that are credentials (a Cognigy URLToken is the only credential of its
/// Endpoint); they never reach Postgres, logs or error bodies.
pub const SECRET_PAYLOAD_FIELDS: &[&str] = &["URLToken"];

/// What a stored or logged secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// A copy of `payload` with every secret field, at any depth, replaced by [`REDACTED`].
pub fn redact_payload(payload: &Value) -> Value {
    match payload {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = if SECRET_PAYLOAD_FIELDS.contains(&key.as_str()) {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact_payload(value)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_payload).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn url_tokens_are_redacted_at_any_depth() {
        let payload =
            json!({"URLToken": "abc", "data": {"URLToken": "def", "x": [{"URLToken": "g"}]}});
        let text = redact_payload(&payload).to_string();
        assert!(!text.contains("abc") && !text.contains("def") && !text.contains("\"g\""));
        assert_eq!(redact_payload(&json!({"a": 1})), json!({"a": 1}));
    }
}
