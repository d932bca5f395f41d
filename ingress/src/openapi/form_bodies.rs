//! The six webhook routes take `application/x-www-form-urlencoded` bodies as well as JSON (the
//! Cognigy HTTP Request node's default content type). A form carries only strings, so each
//! route's form gets a schema of its own, `<Kind>Form`, made from its JSON schema:
//!
//! - a field that is not a string keeps only its text form (`intentScore=0.2`,
//!   `understood=false`, blank for absent: `text_forms`); a string field cannot be null;
//! - an object field (`data`, `variables`, `attributes`, ...) is sent as `deepObject`
//!   (`data[plan]=gold`), one level of string members whose names are neither empty nor a
//!   number nor hold brackets (`data[]`, `data[0]` would make it an array), and at least one
//!   (an empty object cannot be written as a form);
//! - the request's other keys hold no brackets (which would nest them).
//!
//! The parser reads deeper nesting too (`data[a][b]=x`, `list[]=a`, as qs writes it), which
//! the document leaves out: OpenAPI's `deepObject` describes one level. Each route's form
//! example is its JSON example written as a form.

use serde_json::{json, Map, Value};

use super::WEBHOOK_REQUESTS;

/// Media type of form bodies.
const FORM: &str = "application/x-www-form-urlencoded";
/// Media type of JSON bodies.
const JSON: &str = "application/json";

/// A string a form carries: no NUL, at most the default `ingress.max_string_chars`.
fn leaf() -> Value {
    json!({"type": "string", "maxLength": 16_384, "pattern": r"^[^\u0000]*$"})
}

/// The name of a member of a form object: not empty, not a canonical index (`0`, `17`), no
/// brackets, no NUL.
const MEMBER_NAME: &str = r"^([^\[\]\u0000]*[^0-9\[\]\u0000][^\[\]\u0000]*|0[0-9]+)$";

/// The name of a top-level form key the schema does not list: no brackets, no NUL.
const TOP_LEVEL_NAME: &str = r"^[^\[\]\u0000]*$";

/// Adds the form media type, its schema and its example to every webhook request body of
/// `document`; runs after every other pass over the JSON schemas.
pub fn add_form_bodies(document: &mut Value) {
    let mut forms = Map::new();
    if let Some(schemas) = document.pointer("/components/schemas") {
        for name in WEBHOOK_REQUESTS {
            if let Some(schema) = schemas.get(*name) {
                forms.insert(form_name(name), form_schema(schema));
            }
        }
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        if !path.starts_with("/v1/") {
            continue;
        }
        let Some(body) = item.pointer_mut("/post/requestBody") else {
            continue;
        };
        let Some(json_body) = body.pointer(&format!("/content/{}", JSON.replace('/', "~1"))) else {
            continue;
        };
        let Some(name) = json_body
            .pointer("/schema/$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.rsplit('/').next())
        else {
            continue;
        };
        let Some(form) = forms.get(&form_name(name)) else {
            continue;
        };
        let example = json_body
            .pointer("/examples")
            .and_then(Value::as_object)
            .and_then(|examples| examples.values().next())
            .and_then(|example| example.get("value"))
            .map(form_example);
        let mut content = json!({
            "schema": {"$ref": format!("#/components/schemas/{}", form_name(name))},
            "encoding": encodings(form),
        });
        if let Some(example) = example {
            content["example"] = example;
        }
        if let Some(all) = body.get_mut("content").and_then(Value::as_object_mut) {
            all.insert(FORM.to_owned(), content);
        }
        body["description"] = json!(
            "JSON, or a form (`application/x-www-form-urlencoded`): every value as text \
             (`intentScore=0.2`, `understood=false`, blank for absent), an object's members as \
             `data[plan]=gold` (`deepObject`; the parser also reads deeper keys as qs writes \
             them, `data[a][b]=x`, `list[]=a`)."
        );
    }
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, form) in forms {
            schemas.insert(name, form);
        }
    }
}

fn form_name(request: &str) -> String {
    format!("{}Form", request.trim_end_matches("Request"))
}

/// The form schema of a JSON request schema (see the module documentation).
fn form_schema(request: &Value) -> Value {
    let mut form = request.clone();
    let fields = match form.get_mut("allOf").and_then(|all| all.get_mut(0)) {
        Some(first) => first,
        None => &mut form,
    };
    if let Some(object) = fields.as_object_mut() {
        object.insert(
            "propertyNames".into(),
            json!({"maxLength": 16_384, "pattern": TOP_LEVEL_NAME}),
        );
        object.insert("additionalProperties".into(), leaf());
        if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
            for property in properties.values_mut() {
                *property = form_property(property);
            }
        }
    }
    if let Some(description) = form.get("description").and_then(Value::as_str) {
        let described = format!("{description} As a form.");
        form["description"] = json!(described);
    }
    form
}

/// A property as a form sends it.
fn form_property(property: &Value) -> Value {
    let mut outer = Map::new();
    for key in ["description", super::ALIAS_EXTENSION] {
        if let Some(value) = property.get(key) {
            outer.insert(key.to_owned(), value.clone());
        }
    }
    let forms: Vec<&Value> = match property.get("anyOf").and_then(Value::as_array) {
        Some(alternatives) => alternatives.iter().collect(),
        None => vec![property],
    };
    let mut kept = Vec::new();
    for form in forms {
        let types = types_of(form);
        if types.contains(&"object") {
            kept.push(json!({
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"maxLength": 16_384, "pattern": MEMBER_NAME},
                "additionalProperties": leaf(),
            }));
        } else if types.contains(&"string") || types.is_empty() {
            // A string, or a reference or enum of strings (the messenger type).
            let mut string = form.clone();
            if let Some(object) = string.as_object_mut() {
                if !types.is_empty() {
                    object.insert("type".into(), json!("string"));
                }
                object.remove("description");
                object.remove(super::ALIAS_EXTENSION);
            }
            kept.push(string);
        }
    }
    match kept.len() {
        1 => {
            let mut only = kept.remove(0);
            if let Some(object) = only.as_object_mut() {
                object.extend(outer);
            }
            only
        }
        _ => {
            outer.insert("anyOf".into(), Value::Array(kept));
            Value::Object(outer)
        }
    }
}

fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(kind)) => vec![kind.as_str()],
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `deepObject` for every object property of a form schema.
fn encodings(form: &Value) -> Value {
    let fields = form.get("allOf").and_then(|all| all.get(0)).unwrap_or(form);
    let mut encoding = Map::new();
    if let Some(properties) = fields.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let alternatives: Vec<&Value> = match property.get("anyOf").and_then(Value::as_array) {
                Some(all) => all.iter().collect(),
                None => vec![property],
            };
            if alternatives.iter().any(|a| types_of(a).contains(&"object")) {
                encoding.insert(
                    name.clone(),
                    json!({"style": "deepObject", "explode": true}),
                );
            }
        }
    }
    Value::Object(encoding)
}

/// A JSON example written as a form: every value as text, an object's members one level deep.
fn form_example(example: &Value) -> Value {
    let Some(object) = example.as_object() else {
        return example.clone();
    };
    let text = |value: &Value| match value {
        Value::String(s) => Value::String(s.clone()),
        other => Value::String(other.to_string()),
    };
    Value::Object(
        object
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| {
                let written = match value {
                    Value::Object(members) => Value::Object(
                        members
                            .iter()
                            .map(|(member, inner)| (member.clone(), text(inner)))
                            .collect(),
                    ),
                    other => text(other),
                };
                (key.clone(), written)
            })
            .collect(),
    )
}
