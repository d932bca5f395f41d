//! The text form of every webhook field that is not a string: a form body sends only strings
//! (`intentScore=0.2`, `understood=false`), Genesys data actions often send numbers as strings,
//! and a blank value stands for "absent" in an optional one. The parsers read each in the
//! grammar of `cxrelay_core::text_values`; this adds the same grammar, as a `pattern`, beside
//! the field's JSON type. UUIDs get their pattern too (JSON Schema's `format` only annotates).

use cxrelay_core::text_values::{
    anchored, anchored_or_blank, Interval, BLANK, BOOLEAN_TEXT, WHOLE_NUMBER_TEXT,
};
use serde_json::{json, Map, Value};

use super::rules::ALIAS_EXTENSION;
use super::WEBHOOK_REQUESTS;

/// A UUID as Genesys writes its ids, and as the parsers take one: 8-4-4-4-12 hex digits.
const UUID: &str = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// Largest whole number a field takes as a JSON number (`i64::MAX`).
const WHOLE_NUMBER_MAX: i64 = i64::MAX;

/// Adds the text forms to every property of the webhook request schemas in `document`.
pub fn add_text_forms(document: &mut Value) {
    for_each_property(document, |property, required| {
        let Some(kind) = kind_of(property) else {
            return;
        };
        transform(property, kind, required);
    });
}

/// Runs `change` on each property of the fields of the webhook request schemas, with whether
/// the property is required.
pub fn for_each_property(document: &mut Value, mut change: impl FnMut(&mut Value, bool)) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for name in WEBHOOK_REQUESTS {
        let Some(schema) = schemas.get_mut(*name) else {
            continue;
        };
        // A schema with cross-field rules is `allOf: [fields, rules...]`.
        let fields = match schema.get_mut("allOf").and_then(|all| all.get_mut(0)) {
            Some(first) => first,
            None => schema,
        };
        let required: Vec<String> = fields
            .get("required")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let Some(properties) = fields.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, property) in properties.iter_mut() {
            change(property, required.contains(name));
        }
    }
}

/// What a property holds, as far as its text form goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Uuid,
    Number(Interval),
    WholeNumber,
    Boolean,
    Object,
}

fn types_of(property: &Value) -> Vec<&str> {
    match property.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn kind_of(property: &Value) -> Option<Kind> {
    let types = types_of(property);
    if types.contains(&"string") {
        return (property.get("format") == Some(&json!("uuid"))).then_some(Kind::Uuid);
    }
    if types.contains(&"number") {
        let bounds = (
            property.get("minimum").and_then(Value::as_f64),
            property.get("maximum").and_then(Value::as_f64),
        );
        return Some(Kind::Number(match bounds {
            (Some(min), Some(max)) if (min, max) == Interval::Unit.bounds() => Interval::Unit,
            (Some(min), Some(max)) if (min, max) == Interval::SignedUnit.bounds() => {
                Interval::SignedUnit
            }
            // Every number of a webhook is a score or a sentiment: a new range needs its
            // grammar in core's text_values first.
            other => panic!("no text grammar for a number in {other:?}"),
        }));
    }
    if types.contains(&"integer") {
        return Some(Kind::WholeNumber);
    }
    if types.contains(&"boolean") {
        return Some(Kind::Boolean);
    }
    types.contains(&"object").then_some(Kind::Object)
}

fn transform(property: &mut Value, kind: Kind, required: bool) {
    let Some(original) = property.as_object_mut() else {
        return;
    };
    if kind == Kind::Uuid {
        // Blank is absent in an optional id; the pattern says what the parser takes.
        original.remove("format");
        let pattern = if required {
            format!("^{UUID}$")
        } else {
            format!(r"^({UUID}|[ \t]*)$")
        };
        original.insert("pattern".into(), json!(pattern));
        // The pattern bounds an id; a blank of any length is absent.
        original.remove("maxLength");
        return;
    }
    if kind == Kind::WholeNumber {
        original.insert("maximum".into(), json!(WHOLE_NUMBER_MAX));
    }
    let pattern = match (kind, required) {
        (Kind::Object, _) => BLANK.to_owned(),
        (Kind::Number(interval), true) => anchored(interval.grammar()),
        (Kind::Number(interval), false) => anchored_or_blank(interval.grammar()),
        (Kind::WholeNumber, true) => anchored(WHOLE_NUMBER_TEXT),
        (Kind::WholeNumber, false) => anchored_or_blank(WHOLE_NUMBER_TEXT),
        (Kind::Boolean, true) => anchored(BOOLEAN_TEXT),
        (Kind::Boolean, false) => anchored_or_blank(BOOLEAN_TEXT),
        (Kind::Uuid, _) => return,
    };
    let text = json!({
        "type": "string",
        "pattern": pattern,
        "description": if kind == Kind::Object {
            "Blank: the same as absent (as a form body sends an empty field)."
        } else {
            "The value as text (a form body, a data action), or blank for absent."
        },
    });
    // The description and alias mark stay on the property; the type moves into the first form.
    let mut outer = Map::new();
    for key in ["description", ALIAS_EXTENSION] {
        if let Some(value) = original.remove(key) {
            outer.insert(key.to_owned(), value);
        }
    }
    let typed = Value::Object(std::mem::take(original));
    outer.insert("anyOf".to_owned(), json!([typed, text]));
    *property = Value::Object(outer);
}
