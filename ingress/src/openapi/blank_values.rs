//! A blank string stands for "absent" in an optional field that is not a string (a number, a
//! boolean, an object): that is how a form body says "none" (`intentScore=`), and the parsers
//! treat it so (core's `validation::Fields`). The derived schemas cannot say it; this adds a
//! blank-string alternative to each such property of the webhook request schemas.

use serde_json::{json, Map, Value};

use super::WEBHOOK_REQUESTS;

/// What the parsers read as blank: only white space (`str::trim` leaves nothing).
const BLANK_PATTERN: &str = r"^\s*$";

/// Adds the blank alternative to every optional non-string property of the webhook request
/// schemas in `document`.
pub fn allow_blank_values(document: &mut Value) {
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
        let Some(fields) = fields.as_object_mut() else {
            continue;
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
        for (property, schema) in properties.iter_mut() {
            if !required.contains(property) && !admits_strings(schema) {
                add_blank(schema);
            }
        }
    }
}

/// Whether a property's schema already takes strings (then a blank string is a value).
fn admits_strings(schema: &Value) -> bool {
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "string",
        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "string"),
        // `anyOf` forms (a number or a string of digits): their string form is not blank.
        _ => false,
    }
}

fn blank() -> Value {
    json!({
        "type": "string",
        "pattern": BLANK_PATTERN,
        "description": "Blank: the same as absent (as a form body sends an empty field)."
    })
}

fn add_blank(schema: &mut Value) {
    if let Some(alternatives) = schema.get_mut("anyOf").and_then(Value::as_array_mut) {
        alternatives.push(blank());
        return;
    }
    let Some(original) = schema.as_object_mut() else {
        return;
    };
    // The description and alias mark stay on the property; the type moves into the first form.
    let mut outer = Map::new();
    for key in ["description", crate::openapi::ALIAS_EXTENSION] {
        if let Some(value) = original.remove(key) {
            outer.insert(key.to_owned(), value);
        }
    }
    let typed = Value::Object(std::mem::take(original));
    outer.insert("anyOf".to_owned(), json!([typed, blank()]));
    *schema = Value::Object(outer);
}
