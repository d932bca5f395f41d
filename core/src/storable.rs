//! Values Postgres cannot hold, and how cxrelay keeps them out of its tables.
//!
//! A `text` value cannot contain the NUL character (U+0000): Postgres refuses the byte 0x00
//! ("invalid byte sequence for encoding UTF8", SQLSTATE 22021), and `jsonb` refuses the escape
//! `\u0000` ("unsupported Unicode escape sequence", 22P05). It is the one character of valid
//! Unicode text that neither can hold, and the vendors' APIs, which store their messages in
//! databases of their own, do not promise to carry it either.
//!
//! The ingress refuses such a value at intake (422, rule [`NUL_RULE`]), so nothing accepted
//! carries one. What the worker stores from elsewhere (a vendor's answer, a message that reached
//! the queue without the ingress) is made storable with [`storable_text`] and
//! [`storable_json`]: each NUL becomes U+FFFD, the replacement character, which is what Unicode
//! puts where a character could not be represented.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// The character Postgres text and `jsonb` cannot hold.
pub const NUL: char = '\0';

/// What [`storable_text`] and [`storable_json`] put in its place: U+FFFD REPLACEMENT CHARACTER.
pub const REPLACEMENT: char = '\u{FFFD}';

/// The `rule` of a 422 for a string or key holding [`NUL`].
pub const NUL_RULE: &str = "nul_character";

/// Earliest year Postgres's `timestamptz` holds (4713 BC); chrono's times reach further back,
/// its latest year is within Postgres's range.
pub const EARLIEST_STORABLE_YEAR: i32 = -4712;

/// Whether `s` holds a character Postgres text cannot hold.
pub fn is_storable_text(s: &str) -> bool {
    !s.contains(NUL)
}

/// `s` as Postgres can hold it: unchanged (and not copied) unless it holds a NUL.
pub fn storable_text(s: &str) -> Cow<'_, str> {
    if is_storable_text(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.replace(NUL, &REPLACEMENT.to_string()))
    }
}

/// [`storable_text`] of an optional string, owned (the shape of the worker's row values).
pub fn storable_option(s: Option<&str>) -> Option<String> {
    s.map(|s| storable_text(s).into_owned())
}

/// Whether every string and key of `value` is [`is_storable_text`].
pub fn is_storable_json(value: &Value) -> bool {
    match value {
        Value::String(s) => is_storable_text(s),
        Value::Array(items) => items.iter().all(is_storable_json),
        Value::Object(map) => map
            .iter()
            .all(|(key, child)| is_storable_text(key) && is_storable_json(child)),
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Where in `value` the first string or key holding a NUL is, as the 422's `field` names it
/// (`reason`, `filter.reason`, `eventIds[2]`, `$` for the value itself); none when there is none.
pub fn first_nul(value: &Value) -> Option<String> {
    fn at(value: &Value, path: &str) -> Option<String> {
        let child = |key: &str| {
            if path == "$" {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        };
        match value {
            Value::String(s) => (!is_storable_text(s)).then(|| path.to_owned()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| at(item, &format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(key, inner)| {
                if is_storable_text(key) {
                    at(inner, &child(key))
                } else {
                    Some(child(&key.replace(NUL, "\\u0000")))
                }
            }),
            Value::Null | Value::Bool(_) | Value::Number(_) => None,
        }
    }
    at(value, "$")
}

/// `value` as `jsonb` can hold it: unchanged (and not copied) unless a string or key holds a
/// NUL. Two keys that become equal keep the later one, as a JSON object keeps a repeated key.
pub fn storable_json(value: &Value) -> Cow<'_, Value> {
    if is_storable_json(value) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(replaced(value))
}

fn replaced(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(storable_text(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(replaced).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, child)| (storable_text(key).into_owned(), replaced(child)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_without_nul_is_kept_as_it_is_and_nul_becomes_the_replacement_character() {
        assert!(matches!(
            storable_text("a\u{1}b é"),
            Cow::Borrowed("a\u{1}b é")
        ));
        assert_eq!(storable_text("a\0b\0"), "a\u{FFFD}b\u{FFFD}");
        assert_eq!(storable_option(Some("x\0")).as_deref(), Some("x\u{FFFD}"));
        assert_eq!(storable_option(None), None);
    }

    #[test]
    fn json_is_replaced_in_strings_and_keys_at_any_depth() {
        let clean = json!({"a": [1, "b", {"c": null}]});
        assert!(matches!(storable_json(&clean), Cow::Borrowed(_)));
        let dirty: Value =
            serde_json::from_str(r#"{"k\u0000":["x\u0000y",{"z":"\u0000"}],"n":1}"#).unwrap();
        assert!(!is_storable_json(&dirty));
        let stored = storable_json(&dirty).into_owned();
        assert_eq!(
            stored,
            json!({"k\u{FFFD}": ["x\u{FFFD}y", {"z": "\u{FFFD}"}], "n": 1})
        );
        assert!(is_storable_json(&stored));
    }

    #[test]
    fn the_first_nul_is_found_where_it_is() {
        assert_eq!(first_nul(&json!({"a": [1, "ok"]})), None);
        assert_eq!(first_nul(&json!("\u{0}")).as_deref(), Some("$"));
        assert_eq!(
            first_nul(&json!({"filter": {"reason": "x\u{0}"}})).as_deref(),
            Some("filter.reason")
        );
        assert_eq!(
            first_nul(&json!({"eventIds": ["a", "b\u{0}"]})).as_deref(),
            Some("eventIds[1]")
        );
        assert_eq!(
            first_nul(&json!({"k\u{0}": 1})).as_deref(),
            Some("k\\u0000")
        );
    }
}
