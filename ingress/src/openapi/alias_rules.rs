//! A field given under two of its names is refused (422 `alias_conflict`, core's
//! `validation::Fields`): for each alias (`x-alias-of`) of a webhook request schema, a rule
//! that the alias and its field are not both given. "Given" as the parsers read it: not
//! null, and for a field that is not a string, not a blank string either.

use serde_json::{json, Value};

use cxrelay_core::text_values::BLANK;

use super::rules::ALIAS_EXTENSION;

/// Adds the rule of each alias of the webhook request schemas in `document`. Runs before
/// [`super::text_forms::add_text_forms`], which hides a property's type in an `anyOf`.
pub fn refuse_two_names(document: &mut Value, requests: &[&str]) {
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for name in requests {
        let Some(schema) = schemas.get_mut(*name) else {
            continue;
        };
        let both_given: Vec<Value> = aliases_of(schema)
            .into_iter()
            .map(|(alias, field, is_string)| pair_given(&alias, &field, is_string))
            .collect();
        if both_given.is_empty() {
            continue;
        }
        let names: Vec<String> = both_given
            .iter()
            .filter_map(|rule| rule["required"].as_array())
            .map(|pair| {
                let pair: Vec<&str> = pair.iter().filter_map(Value::as_str).collect();
                pair.join(" or ")
            })
            .collect();
        // One `not` over every pair: schemathesis's schema canonicalizer gives up on more than
        // five `not`s side by side, and one says the same.
        add_rules(
            schema,
            vec![json!({
                "description": format!(
                    "a field goes under one of its names: {} (else 422, rule alias_conflict)",
                    names.join("; ")
                ),
                "not": {"anyOf": both_given},
            })],
        );
    }
}

/// `(alias, field, whether it is a string)` of each alias property.
fn aliases_of(schema: &Value) -> Vec<(String, String, bool)> {
    let fields = schema
        .get("allOf")
        .and_then(|all| all.get(0))
        .unwrap_or(schema);
    let Some(properties) = fields.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(alias, property)| {
            let field = property.get(ALIAS_EXTENSION)?.as_str()?.to_owned();
            let is_string = property.get("type") == Some(&json!("string"))
                || property.get("type") == Some(&json!(["string", "null"]));
            Some((alias.clone(), field, is_string))
        })
        .collect()
}

/// Both `alias` and `field` given.
fn pair_given(alias: &str, field: &str, is_string: bool) -> Value {
    let given = if is_string {
        json!({"not": {"type": "null"}})
    } else {
        json!({"not": {"anyOf": [{"type": "null"}, {"type": "string", "pattern": BLANK}]}})
    };
    json!({
        "required": [alias, field],
        "properties": {alias: given.clone(), field: given},
    })
}

/// Appends `rules` to the schema's `allOf`, making one when it has none.
fn add_rules(schema: &mut Value, rules: Vec<Value>) {
    if let Some(all) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
        all.extend(rules);
        return;
    }
    let description = schema
        .as_object_mut()
        .and_then(|object| object.remove("description"));
    let fields = std::mem::take(schema);
    let mut all = vec![fields];
    all.extend(rules);
    let mut wrapped = json!({"allOf": all});
    if let Some(description) = description {
        wrapped["description"] = description;
    }
    *schema = wrapped;
}
