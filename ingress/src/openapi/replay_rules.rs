//! What the replay request's derived schema cannot say: event ids in their hyphenated form, a
//! filter with at least one criterion given (not null), `reason` and its alias `reasonClass`
//! not both, and `since`/`until` as an RFC 3339 time or an age.

use cxrelay_core::dead_letters::AGE_PATTERN;
use serde_json::{json, Value};

/// The hyphenated UUID, as `eventIds` takes them.
const UUID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// Applies the rules to the `ReplayRequest` schema of `document`.
pub fn add_replay_rules(document: &mut Value) {
    let Some(fields) = document
        .pointer_mut("/components/schemas/ReplayRequest/allOf/0/properties")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if let Some(items) = fields
        .get_mut("eventIds")
        .and_then(|ids| ids.get_mut("items"))
        .and_then(Value::as_object_mut)
    {
        items.remove("format");
        items.insert("pattern".into(), json!(UUID_PATTERN));
    }
    // `Option<ReplayFilter>` inlined: `oneOf: [null, {the object}]`.
    let Some(filter) = fields
        .get_mut("filter")
        .and_then(|filter| filter.get_mut("oneOf"))
        .and_then(Value::as_array_mut)
        .and_then(|forms| {
            forms
                .iter_mut()
                .find(|form| form.get("properties").is_some())
        })
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let criteria: Vec<String> = filter
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(properties) = filter.get_mut("properties").and_then(Value::as_object_mut) {
        for bound in ["since", "until"] {
            if let Some(property) = properties.get_mut(bound).and_then(Value::as_object_mut) {
                let description = property.remove("description");
                let mut time = json!({"anyOf": [
                    {"type": "null"},
                    {"type": "string", "format": "date-time"},
                    {"type": "string", "pattern": AGE_PATTERN},
                ]});
                if let Some(description) = description {
                    time["description"] = description;
                }
                properties.insert(bound.to_owned(), time);
            }
        }
    }
    let given = json!({"not": {"type": "null"}});
    let at_least_one: Vec<Value> = criteria
        .iter()
        .map(|criterion| json!({"required": [criterion], "properties": {criterion: given}}))
        .collect();
    filter.insert(
        "allOf".into(),
        json!([
            {"description": "at least one criterion, not null", "anyOf": at_least_one},
            {"description": "reasonClass is an alias of reason: give one of them (else 422, rule alias_conflict)",
             "not": {"required": ["reason", "reasonClass"],
                     "properties": {"reason": given, "reasonClass": given}}},
        ]),
    );
}
