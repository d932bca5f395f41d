//! The form decoder: form-like text never panics and keeps the limits; and an object written
//! as qs writes it (`a[b][0]=x`, or `a[]=x` for lists) decodes back to that object.

use cxrelay_ingress::body::decode_body;
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::decode::{check_accepted, check_body_refusal, form_token_text};
use crate::strategies::*;

const FORM: Option<&[u8]> = Some(b"application/x-www-form-urlencoded");

/// A value a form can carry: strings without NUL in objects (non-empty, names not numbers,
/// without brackets) and arrays (non-empty); the top is an object.
fn representable() -> impl Strategy<Value = Value> {
    let name = "[a-zA-Z_][a-zA-Z0-9_ .é-]{0,8}";
    let leaf = any::<String>().prop_map(|s| Value::String(s.replace('\0', "")));
    let nested = leaf.prop_recursive(4, 32, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Value::Array),
            prop::collection::btree_map(name, inner, 1..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(name, nested, 0..5)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<String, Value>>()))
}

/// The pairs qs writes for `value` under `key`; lists of strings as `key[]` when `brackets`.
fn pairs(key: &str, value: &Value, brackets: bool, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((key.to_owned(), s.clone())),
        Value::Array(elements) => {
            for (index, element) in elements.iter().enumerate() {
                let key = if brackets && element.is_string() {
                    format!("{key}[]")
                } else {
                    format!("{key}[{index}]")
                };
                pairs(&key, element, brackets, out);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                pairs(&format!("{key}[{name}]"), member, brackets, out);
            }
        }
        _ => unreachable!("a form carries strings"),
    }
}

fn encode(value: &Value, brackets: bool) -> String {
    let mut out = Vec::new();
    for (name, member) in value.as_object().unwrap() {
        pairs(name, member, brackets, &mut out);
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(out)
        .finish()
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn form_text_never_panics_and_keeps_the_limits(
        pairs in prop::collection::vec((form_token_text(), form_token_text()), 0..16),
        separator in prop::sample::select(vec!["&", "&&", ";"]),
        limits in limits(),
    ) {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(separator);
        match decode_body(FORM, body.as_bytes(), &limits) {
            Ok(value) => {
                prop_assert!(value.is_object());
                check_accepted(&value, &limits)?;
            }
            Err(error) => check_body_refusal(error)?,
        }
    }

    #[test]
    fn an_object_written_as_qs_writes_it_decodes_back(
        value in representable(),
        brackets in any::<bool>(),
    ) {
        let body = encode(&value, brackets);
        let limits = default_limits();
        prop_assume!(body.len() <= limits.max_bytes);
        let decoded = decode_body(FORM, body.as_bytes(), &limits);
        prop_assert_eq!(decoded.as_ref().ok(), Some(&value), "{} gave {:?}", body, decoded);
    }

    #[test]
    fn a_nul_character_anywhere_in_a_form_is_refused_naming_its_field(
        value in representable(),
        brackets in any::<bool>(),
    ) {
        let mut body = encode(&value, brackets);
        prop_assume!(body.contains('=') && body.len() < default_limits().max_bytes);
        // A NUL at the end of the first value: the field is the first pair's key.
        let first_end = body.find('&').unwrap_or(body.len());
        body.insert_str(first_end, "%00");
        let error = decode_body(FORM, body.as_bytes(), &default_limits()).unwrap_err();
        prop_assert_eq!(error.field_and_rule().map(|(_, rule)| rule), Some("nul_character"));
    }
}
