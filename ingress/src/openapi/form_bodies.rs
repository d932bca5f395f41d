//! The six webhook routes take `application/x-www-form-urlencoded` bodies as well as JSON (the
//! Cognigy HTTP Request node's default content type). A form carries only strings, so each
//! route's form gets a schema of its own, `<Kind>Form`, made from its JSON schema:
//!
//! - a field that is not a string keeps only its text form (`intentScore=0.2`,
//!   `understood=false`, blank for absent: `text_forms`); a string field cannot be null;
//! - an object field (`data`, `variables`, `attributes`, ...) is sent as `deepObject`
//!   (`data[plan]=gold`), one level of string members; the schema says which names the parser
//!   reads as array indices (`data[]`, `data[0]`) or as keys of their own (`data[a[b]`), and
//!   that an empty object, which is no pair at all, is absent;
//! - a key of its own is not a listed field with brackets (`text[a]`: the parser nests it).
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

/// A string without NUL: a member name of a form object, or a key of the form's own.
const MEMBER_NAME: &str = r"^[^\u0000]*$";

/// A member name the parser does not read as a member of its own: empty (`data[]`) or a
/// canonical number (`data[0]`), an array index; or holding a bracket, which makes the whole
/// key a plain name of its own (`data[a[b]`), an unlisted field the parser ignores.
const NOT_A_MEMBER: &str = r"^((0|[1-9][0-9]*)?|[\s\S]*[\[\]][\s\S]*)$";

/// A name holding a bracket (searched, not anchored).
const BRACKET: &str = r"[\[\]]";

/// What the parser makes an array of: an object with a name without brackets but no member
/// name besides the indices of qs's arrays. One member name keeps it an object, its indices
/// becoming keys, as qs does.
fn array_to_the_parser() -> Value {
    json!({
        "minProperties": 1,
        "propertyNames": {"pattern": NOT_A_MEMBER},
        "not": {"propertyNames": {"pattern": BRACKET}},
    })
}

/// An object field as a rule needs it present in a form: a pair the parser reads (an empty
/// object, or one of bracketed names only, is no such pair: the field is absent).
fn present_object() -> Value {
    json!({"type": "object", "minProperties": 1, "not": {"propertyNames": {"pattern": BRACKET}}})
}

/// Adds the form media type, its schema and its example to every webhook request body of
/// `document`; runs after every other pass over the JSON schemas.
pub fn add_form_bodies(document: &mut Value) {
    let mut forms = Map::new();
    let mut aliases = Map::new();
    if let Some(schemas) = document.pointer("/components/schemas") {
        for name in WEBHOOK_REQUESTS {
            if let Some(schema) = schemas.get(*name) {
                forms.insert(form_name(name), form_schema(schema));
                aliases.insert(form_name(name), aliases_of(schema));
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
            .map(|example| form_example(example, &aliases[&form_name(name)]));
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

/// `name` with the characters a regular expression reads as syntax escaped.
fn regex_escape(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            let escaped = !(c.is_ascii_alphanumeric() || c == '_');
            escaped
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
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
    let mut aliases = Vec::new();
    if let Some(object) = fields.as_object_mut() {
        let listed: Vec<String> = object
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().map(|name| regex_escape(name)).collect())
            .unwrap_or_default();
        // A key naming a listed field with brackets that pair up (`text[a]`) is that field
        // nested, which the parser reads as such: it is only the serialization of an object
        // field, never a key of its own. Any other key is a field the parser ignores.
        let nested_listed = format!(r"^({})(\[[^\[\]]*\])+$", listed.join("|"));
        object.insert(
            "propertyNames".into(),
            json!({"maxLength": 16_384, "pattern": MEMBER_NAME, "not": {"pattern": nested_listed}}),
        );
        object.insert("additionalProperties".into(), leaf());
        if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
            // The aliases (the tutorials' names) are read in a form too, but a form of
            // Cognigy's sends its own names: the form's schema lists those alone, and so has
            // no rule between a field and its alias (whose `not`, with an empty object that a
            // form cannot send, schemathesis 4.32's coverage phase misreads).
            aliases = properties
                .iter()
                .filter(|(_, property)| property.get(super::ALIAS_EXTENSION).is_some())
                .map(|(name, _)| name.clone())
                .collect();
            properties.retain(|name, _| !aliases.contains(name));
            for property in properties.values_mut() {
                *property = form_property(property);
            }
        }
    }
    let objects = object_fields(&form);
    if let Some(rules) = form.get_mut("allOf").and_then(Value::as_array_mut) {
        let fields = rules.remove(0);
        // The alias rule is the one `not` among the rules (`alias_rules`).
        rules.retain(|rule| rule.get("not").is_none());
        for rule in rules.iter_mut() {
            form_rule(rule, &objects, &aliases);
        }
        rules.insert(0, fields);
    }
    if let Some(description) = form.get("description").and_then(Value::as_str) {
        let described = format!(
            "{description} As a form; the JSON schema's aliases (`x-alias-of`) are read here too."
        );
        form["description"] = json!(described);
    }
    form
}

/// A cross-field rule as a form must meet it: where it needs one of the `objects` fields
/// present, a form needs a member of it (an empty object is no pair, so absent); an
/// alternative that names one of the `aliases`, which a form's schema does not list, goes.
fn form_rule(rule: &mut Value, objects: &[String], aliases: &[String]) {
    match rule {
        Value::Object(object) => {
            if let Some(alternatives) = object.get_mut("anyOf").and_then(Value::as_array_mut) {
                alternatives.retain(|alternative| {
                    !alternative
                        .get("required")
                        .and_then(Value::as_array)
                        .is_some_and(|names| {
                            names.iter().any(|name| {
                                name.as_str()
                                    .is_some_and(|n| aliases.iter().any(|a| a == n))
                            })
                        })
                });
                // One alternative left is no choice: the rule is that alternative.
                if alternatives.len() == 1 {
                    if let Some(Value::Object(only)) = alternatives.pop() {
                        object.remove("anyOf");
                        object.extend(only);
                    }
                }
            }
            if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
                for (name, property) in properties.iter_mut() {
                    if objects.contains(name) && types_of(property).contains(&"object") {
                        *property = present_object();
                    }
                }
            }
            for (key, inner) in object.iter_mut() {
                if key != "properties" {
                    form_rule(inner, objects, aliases);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| form_rule(item, objects, aliases)),
        _ => {}
    }
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
            // An empty object is no pair at all: the same as absent, which an optional field
            // may be. Rules that need the object present ask for a member (`form_rule`).
            kept.push(json!({
                "type": "object",
                "propertyNames": {"maxLength": 16_384, "pattern": MEMBER_NAME},
                "additionalProperties": leaf(),
                "not": array_to_the_parser(),
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

/// The names of the object fields of a form schema.
fn object_fields(form: &Value) -> Vec<String> {
    encodings(form)
        .as_object()
        .map(|encodings| encodings.keys().cloned().collect())
        .unwrap_or_default()
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

/// Each alias of a request schema, with the field it stands for.
fn aliases_of(request: &Value) -> Value {
    let fields = request
        .get("allOf")
        .and_then(|all| all.get(0))
        .unwrap_or(request);
    let mut aliases = Map::new();
    if let Some(properties) = fields.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            if let Some(field) = property.get(super::ALIAS_EXTENSION) {
                aliases.insert(name.clone(), field.clone());
            }
        }
    }
    Value::Object(aliases)
}

/// A JSON example written as a form: every value as text, an object's members one level deep,
/// each field under its own name (the form's schema lists no aliases).
fn form_example(example: &Value, aliases: &Value) -> Value {
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
                let name = aliases
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or(key)
                    .to_owned();
                (name, written)
            })
            .collect(),
    )
}
