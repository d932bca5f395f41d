//! What the fuzz targets feed: JSON values that are adversarial in type, size, text and
//! nesting; bytes; form-like text; limits.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Number, Value};

use cxrelay_ingress::body::BodyLimits;

/// Cases of a target: `default` unless `PROPTEST_CASES` says otherwise (for long runs).
pub fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        ..Config::default()
    }
}

/// The defaults of `ingress.*`.
pub fn default_limits() -> BodyLimits {
    BodyLimits {
        max_bytes: 64 * 1024,
        max_depth: 32,
        max_string_chars: 16 * 1024,
    }
}

/// Limits anywhere from tiny to the defaults.
pub fn limits() -> impl Strategy<Value = BodyLimits> {
    prop_oneof![
        3 => Just(default_limits()),
        1 => (1usize..70_000, 1usize..40, 1usize..20_000).prop_map(
            |(max_bytes, max_depth, max_string_chars)| BodyLimits {
                max_bytes,
                max_depth,
                max_string_chars,
            }
        ),
    ]
}

/// Strings a parser may choke on: any Unicode, numbers and booleans written out, blanks,
/// UUIDs. Short: long ones come from [`long_text`], where a field is.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[a-z0-9_-]{1,12}",
        1 => "-?[0-9]{1,25}(\\.[0-9]{0,8})?([eE][+-]?[0-9]{1,4})?",
        1 => prop::sample::select(vec![
            "", " ", "true", "false", "TRUE", "NaN", "inf", "-inf", "1e999", "0x10", "null",
            "fallback", "no_match", "sms", "whatsapp", "open", "\u{0}", "\u{FEFF}", "é",
            "\u{10FFFF}", "%", "[]", "{}",
        ])
        .prop_map(str::to_owned),
        1 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
    ]
}

/// Strings at and around every documented length limit, in one- and multi-byte characters.
pub fn long_text() -> impl Strategy<Value = String> {
    let around_limits = prop::sample::select(vec![
        32usize, 33, 64, 65, 128, 129, 255, 256, 257, 512, 513, 765, 766, 1_000, 1_001, 2_000,
        2_001, 10_000, 10_001, 16_384, 16_385,
    ]);
    (around_limits, prop::sample::select(vec!["x", "é", "😀"])).prop_map(|(n, c)| c.repeat(n))
}

/// Numbers at every edge: huge, tiny, negative, fractional, out of `i64`.
pub fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|n| Number::from_f64(n).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![
            0.0, -0.0, 0.5, 1.0, -1.0, 1.0000001, -1.0000001, 1e308, -1e308, 5e-324,
        ])
        .prop_map(Value::from),
        (-2.0f64..2.0).prop_map(Value::from),
    ]
}

/// Any JSON value, nested a little.
pub fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Arrays or objects nested `depth` deep around `inner`.
pub fn nested(depth: usize, arrays: bool, inner: Value) -> Value {
    (0..depth).fold(inner, |value, _| {
        if arrays {
            Value::Array(vec![value])
        } else {
            Value::Object(Map::from_iter([("k".to_owned(), value)]))
        }
    })
}

/// A value a field of a kind may be sent: usually a plausible one from `plausible`, else
/// anything (wrong types, huge numbers, deep nesting).
pub fn field(plausible: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        6 => plausible,
        2 => value(),
        1 => (0usize..50, any::<bool>()).prop_map(|(depth, arrays)| nested(depth, arrays, Value::Null)),
    ]
    .boxed()
}

/// A plausible string of one of `choices`, or text.
pub fn one_of(choices: &[&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![
        3 => prop::sample::select(choices.to_vec()).prop_map(Value::from),
        1 => text().prop_map(Value::String),
    ]
    .boxed()
}

/// Plausible text, or text at a length limit.
pub fn plausible_text() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => "[a-zA-Z0-9 ._-]{1,24}".prop_map(Value::String),
        2 => text().prop_map(Value::String),
        1 => long_text().prop_map(Value::String),
    ]
    .boxed()
}

/// A plausible UUID.
pub fn plausible_uuid() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => any::<u128>().prop_map(|n| Value::String(uuid::Uuid::from_u128(n).to_string())),
        1 => text().prop_map(Value::String),
    ]
    .boxed()
}

/// A plausible score in `min..=max`, as a number or as a form sends it (a string).
pub fn plausible_score(min: f64, max: f64) -> BoxedStrategy<Value> {
    prop_oneof![
        2 => (min..=max).prop_map(Value::from),
        1 => (min..=max).prop_map(|n| Value::String(n.to_string())),
        1 => number(),
    ]
    .boxed()
}

/// A plausible boolean, as JSON or as a form sends it.
pub fn plausible_bool() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec!["true", "false", "True", " false ", "", "yes"])
            .prop_map(Value::from),
    ]
    .boxed()
}

/// A plausible whole number, as JSON or as a string.
pub fn plausible_integer() -> BoxedStrategy<Value> {
    prop_oneof![
        2 => (0i64..=i64::MAX).prop_map(Value::from),
        1 => any::<i64>().prop_map(|n| Value::String(n.to_string())),
        1 => number(),
    ]
    .boxed()
}

/// A plausible free-form object.
pub fn plausible_object() -> BoxedStrategy<Value> {
    prop_oneof![
        6 => prop::collection::btree_map("[a-z]{1,8}", value(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        2 => value(),
        1 => prop::collection::btree_map("[a-z]{1,8}", long_text(), 1..4)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k, Value::String(v))).collect())),
    ]
    .boxed()
}

/// A body of a kind: each of `fields` present or not, as the strategy beside it makes it, and
/// sometimes members no kind knows; sometimes not an object at all.
pub fn body(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let members: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = fields
        .into_iter()
        .map(|(name, strategy)| {
            prop::option::weighted(0.8, strategy.prop_map(move |value| (name, value))).boxed()
        })
        .collect();
    let object = (members, prop::collection::btree_map(text(), value(), 0..3)).prop_map(
        |(members, extra)| {
            let mut object: Map<String, Value> = extra.into_iter().collect();
            for (name, value) in members.into_iter().flatten() {
                object.insert(name.to_owned(), value);
            }
            Value::Object(object)
        },
    );
    prop_oneof![9 => object, 1 => value()].boxed()
}

/// Most objects and arrays nested in one another in `value` (a string or number is 0).
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(elements) => 1 + elements.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Most characters of a string or key in `value`.
pub fn longest_text(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        Value::Array(elements) => elements.iter().map(longest_text).max().unwrap_or(0),
        Value::Object(members) => members
            .iter()
            .map(|(key, value)| key.chars().count().max(longest_text(value)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}
