//! The payload a replay sends: the stored one, without the secrets the store redacted.
//!
//! Postgres keeps payloads with every secret field (a Cognigy URLToken) replaced by
//! `[redacted]`. Sending that placeholder downstream would be sending a wrong credential, so
//! the field is removed instead: the replayed event is carried out without it (a fallback, for
//! instance, launches its Genesys workflow but cannot notify the user through Cognigy), and the
//! summary says how many events lost a secret that way.

use serde_json::{Map, Value};

use crate::redact::{REDACTED, SECRET_PAYLOAD_FIELDS};

/// `payload` without its redacted secret fields, at any depth, and the paths removed
/// (`URLToken`, `data.URLToken`).
pub fn without_redacted_secrets(payload: &Value) -> (Value, Vec<String>) {
    let mut removed = Vec::new();
    let cleaned = clean(payload, "", &mut removed);
    (cleaned, removed)
}

fn clean(value: &Value, path: &str, removed: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => {
            let mut kept = Map::new();
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let redacted = SECRET_PAYLOAD_FIELDS.contains(&key.as_str())
                    && child.as_str() == Some(REDACTED);
                if redacted {
                    removed.push(child_path);
                } else {
                    kept.insert(key.clone(), clean(child, &child_path, removed));
                }
            }
            Value::Object(kept)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| clean(item, &format!("{path}[{i}]"), removed))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacted_secrets_are_removed_and_named_and_everything_else_is_kept() {
        let stored = json!({
            "sessionId": "s1", "URLToken": "[redacted]",
            "data": {"URLToken": "[redacted]", "note": "[redacted]"},
        });
        let (sent, removed) = without_redacted_secrets(&stored);
        assert_eq!(
            sent,
            json!({"sessionId": "s1", "data": {"note": "[redacted]"}})
        );
        assert_eq!(removed, vec!["URLToken", "data.URLToken"]);
    }

    #[test]
    fn a_payload_without_secrets_is_sent_as_stored() {
        let stored = json!({"conversationId": "c", "items": [1, 2]});
        assert_eq!(without_redacted_secrets(&stored), (stored.clone(), vec![]));
    }
}
