//! No string or key of a request may hold the NUL character (422 `nul_character`): Postgres
//! cannot store it (`cxrelay_core::storable`). This says so in the document: a pattern without
//! NUL on every string of the request schemas that has no pattern of its own (each pattern of
//! ours admits no NUL: the test below checks), and for every free-form object (the webhooks'
//! own, whose unlisted fields are ignored but still decoded, and `data`, `attributes`, ...)
//! keys without NUL and values that are [`STORABLE_VALUE`]: any JSON whose strings and keys
//! have none, within the body limits' default string length.

use serde_json::{json, Value};

/// The component of a JSON value Postgres can store.
pub const STORABLE_VALUE: &str = "StorableValue";

/// A string without the NUL character.
const NUL_FREE: &str = r"^[^\u0000]*$";

/// The default of `ingress.max_string_chars`: the longest string or key anywhere in a body.
const MAX_STRING_CHARS: u64 = 16 * 1024;

/// Adds the rule to the schemas `requests` and the [`STORABLE_VALUE`] component.
pub fn refuse_nul(document: &mut Value, requests: &[&str]) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for name in requests {
        if let Some(schema) = schemas.get_mut(*name) {
            walk(schema);
        }
    }
    schemas.insert(STORABLE_VALUE.to_owned(), storable_value());
}

fn reference() -> Value {
    json!({"$ref": format!("#/components/schemas/{STORABLE_VALUE}")})
}

fn key_names() -> Value {
    json!({"maxLength": MAX_STRING_CHARS, "pattern": NUL_FREE})
}

fn storable_value() -> Value {
    json!({
        "description": "Any JSON value whose strings and keys hold no NUL character (U+0000) \
            and are at most `ingress.max_string_chars` (16,384) characters long.",
        "anyOf": [
            {"type": ["null", "boolean", "number"]},
            {"type": "string", "maxLength": MAX_STRING_CHARS, "pattern": NUL_FREE},
            {"type": "array", "items": reference()},
            {"type": "object", "propertyNames": key_names(), "additionalProperties": reference()},
        ],
    })
}

/// Adds the rule to `schema` and every schema inside it, but those under `not` (a pattern
/// there would widen what the `not` refuses).
fn walk(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let types: Vec<String> = match object.get("type") {
                Some(Value::String(kind)) => vec![kind.clone()],
                Some(Value::Array(kinds)) => kinds
                    .iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            if types.iter().any(|t| t == "string") && !object.contains_key("pattern") {
                object.insert("pattern".into(), json!(NUL_FREE));
            }
            // An object that takes unlisted members (a request's own, whose unlisted fields are
            // decoded and ignored, or free-form data) takes only storable ones.
            if types.iter().any(|t| t == "object") && !object.contains_key("additionalProperties") {
                object.insert("propertyNames".into(), key_names());
                object.insert("additionalProperties".into(), reference());
            }
            for (key, inner) in object.iter_mut() {
                if key == "properties" {
                    if let Some(properties) = inner.as_object_mut() {
                        properties.values_mut().for_each(walk);
                    }
                } else if !matches!(
                    key.as_str(),
                    "not" | "additionalProperties" | "propertyNames"
                ) {
                    walk(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `pattern` under `value`.
    fn patterns(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                for (key, inner) in object {
                    match (key.as_str(), inner) {
                        ("pattern", Value::String(pattern)) => out.push(pattern.clone()),
                        _ => patterns(inner, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| patterns(item, out)),
            _ => {}
        }
    }

    #[test]
    fn no_pattern_of_a_request_schema_admits_a_nul_character() {
        let document = crate::openapi::document();
        let schemas = &document["components"]["schemas"];
        let mut all = Vec::new();
        let forms: Vec<String> = crate::openapi::WEBHOOK_REQUESTS
            .iter()
            .map(|name| format!("{}Form", name.trim_end_matches("Request")))
            .collect();
        let names = crate::openapi::WEBHOOK_REQUESTS
            .iter()
            .map(|name| (*name).to_owned())
            .chain(forms)
            .chain(["ReplayRequest".to_owned(), STORABLE_VALUE.to_owned()]);
        for name in names {
            assert!(schemas.get(&name).is_some(), "{name}");
            patterns(&schemas[&name], &mut all);
        }
        assert!(all.len() > 20, "{all:?}");
        for pattern in all {
            // ECMA-262 and the regex crate read these patterns alike (classes, anchors, `?`,
            // `{m,n}`, `\u0000`).
            let regex = regex::Regex::new(&pattern).unwrap();
            for with_nul in ["\0", "a\0", "\0 ", "0\0", "true\0"] {
                assert!(!regex.is_match(with_nul), "{pattern} admits {with_nul:?}");
            }
        }
    }
}
