//! JSON bodies, parsed with their limits checked as they are read: the first container too
//! deep stops the parser there, so a body of 100,000 `[` costs no more than one of 33.
//!
//! The parser is serde_json's; what it builds is a [`Value`] built by the visitor below, which
//! counts nesting and measures strings. serde_json's own recursion limit (128) stays in force
//! above ours (at most [`cxrelay_core::config::MAX_JSON_DEPTH_CEILING`]).

use std::cell::RefCell;
use std::fmt;

use cxrelay_core::storable::is_storable_text;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::path::{self, Segment};
use super::BodyLimits;
use crate::problem::ApiError;

/// Parses `bytes` as one JSON document within `limits`.
pub fn decode(bytes: &[u8], limits: &BodyLimits) -> Result<Value, ApiError> {
    let context = Context {
        limits,
        broken: RefCell::new(None),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = ValueSeed {
        context: &context,
        depth: 0,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    match (parsed, context.broken.into_inner()) {
        (Err(_), Some(broken)) => Err(ApiError::Invalid(broken.into_error(limits))),
        (Err(error), None) => Err(ApiError::MalformedJson(error.to_string())),
        (Ok(value), _) => Ok(value),
    }
}

/// What one parse shares: the limits, and the limit broken if one was.
struct Context<'l> {
    limits: &'l BodyLimits,
    broken: RefCell<Option<Broken>>,
}

/// The limit a body broke and where; the path is gathered as the error unwinds, innermost
/// step first, so that a body within its limits pays nothing for it.
struct Broken {
    limit: Limit,
    reversed_path: Vec<Segment>,
}

enum Limit {
    Depth,
    Length,
    /// A string or key holds the NUL character, which Postgres cannot store.
    Nul,
}

impl Broken {
    fn into_error(mut self, limits: &BodyLimits) -> cxrelay_core::validation::FieldError {
        self.reversed_path.reverse();
        match self.limit {
            Limit::Depth => path::too_deep(&self.reversed_path, limits.max_depth),
            Limit::Length => path::too_long(&self.reversed_path, limits.max_string_chars),
            Limit::Nul => path::nul_character(&self.reversed_path),
        }
    }
}

impl Context<'_> {
    /// Records a broken limit and gives the parser an error to stop with.
    fn stop<E: de::Error>(&self, limit: Limit, at: Option<Segment>) -> E {
        *self.broken.borrow_mut() = Some(Broken {
            limit,
            reversed_path: at.into_iter().collect(),
        });
        E::custom("a body limit is broken")
    }

    /// Adds `segment` to the path of a broken limit, on the error's way out.
    fn unwind(&self, segment: Segment) {
        if let Some(broken) = self.broken.borrow_mut().as_mut() {
            broken.reversed_path.push(segment);
        }
    }

    fn too_long(&self, s: &str) -> bool {
        // Bytes bound characters from above: most strings are decided without counting.
        s.len() > self.limits.max_string_chars && s.chars().count() > self.limits.max_string_chars
    }

    /// The limit `s` breaks as a string or key, if any.
    fn broken_by(&self, s: &str) -> Option<Limit> {
        if self.too_long(s) {
            Some(Limit::Length)
        } else if !is_storable_text(s) {
            Some(Limit::Nul)
        } else {
            None
        }
    }
}

/// One value at `depth` containers below the top.
#[derive(Clone, Copy)]
struct ValueSeed<'c, 'l> {
    context: &'c Context<'l>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        // serde_json refuses numbers out of f64's range before this point; null as serde_json's
        // own Value would make of a non-finite one.
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        if let Some(limit) = self.context.broken_by(value) {
            return Err(self.context.stop(limit, None));
        }
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        if let Some(limit) = self.context.broken_by(&value) {
            return Err(self.context.stop(limit, None));
        }
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.enter::<A::Error>()?;
        // No capacity from a size hint: the body decides how much is allocated, element by element.
        let mut elements = Vec::new();
        loop {
            match seq.next_element_seed(inner) {
                Ok(Some(element)) => elements.push(element),
                Ok(None) => return Ok(Value::Array(elements)),
                Err(error) => {
                    self.context.unwind(Segment::Index(elements.len()));
                    return Err(error);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.enter::<A::Error>()?;
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if let Some(limit) = self.context.broken_by(&key) {
                return Err(self.context.stop(limit, Some(Segment::Key(key))));
            }
            match map.next_value_seed(inner) {
                Ok(value) => {
                    object.insert(key, value);
                }
                Err(error) => {
                    self.context.unwind(Segment::Key(key));
                    return Err(error);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

impl ValueSeed<'_, '_> {
    /// The seed of the values inside a container at this place; an error when that container
    /// is one level too many.
    fn enter<E: de::Error>(self) -> Result<Self, E> {
        let depth = self.depth + 1;
        if depth > self.context.limits.max_depth {
            return Err(self.context.stop(Limit::Depth, None));
        }
        Ok(Self { depth, ..self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LIMITS: BodyLimits = BodyLimits {
        max_bytes: 1 << 20,
        max_depth: 4,
        max_string_chars: 8,
    };

    fn broken(body: &str) -> (String, &'static str) {
        match decode(body.as_bytes(), &LIMITS) {
            Err(ApiError::Invalid(error)) => (error.field, error.rule),
            other => panic!("expected a broken limit, got {other:?}"),
        }
    }

    #[test]
    fn values_within_the_limits_parse_as_serde_json_parses_them() {
        let body =
            r#"{"a":[1,-2,3.5,true,null,"12345678"],"b":{"c":{"d":[]}},"e":18446744073709551615}"#;
        let expected: Value = serde_json::from_str(body).unwrap();
        assert_eq!(decode(body.as_bytes(), &LIMITS).unwrap(), expected);
        assert_eq!(decode(b" \"x\" ", &LIMITS).unwrap(), json!("x"));
    }

    #[test]
    fn the_first_container_too_deep_is_named() {
        assert_eq!(
            broken(r#"{"a":{"b":{"c":{"d":{}}}}}"#),
            ("a.b.c.d".into(), "max_depth")
        );
        assert_eq!(
            broken(r#"{"a":[0,[1,[2]],[{"x":{}}]]}"#),
            ("a[2][0].x".into(), "max_depth")
        );
        assert_eq!(broken("[[[[[]]]]]"), ("$[0][0][0][0]".into(), "max_depth"));
    }

    #[test]
    fn a_hundred_thousand_brackets_stop_at_the_limit() {
        let body = "[".repeat(100_000);
        assert_eq!(broken(&body), ("$[0][0][0][0]".into(), "max_depth"));
        let body = r#"{"a":"#.repeat(100_000);
        assert_eq!(broken(&body), ("a.a.a.a".into(), "max_depth"));
    }

    #[test]
    fn long_strings_and_keys_are_named_counting_characters() {
        assert_eq!(
            broken(r#"{"a":["ok","123456789"]}"#),
            ("a[1]".into(), "max_length")
        );
        assert_eq!(
            broken(r#"{"123456789":1}"#),
            ("$[\"123456789\"]".into(), "max_length")
        );
        // Eight characters of two bytes each are within the limit.
        assert!(decode(r#"{"a":"éééééééé"}"#.as_bytes(), &LIMITS).is_ok());
        assert!(decode(
            r#"{"a":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}"#.as_bytes(),
            &LIMITS
        )
        .is_ok());
    }

    #[test]
    fn a_nul_character_in_a_string_or_key_is_named_with_its_rule() {
        assert_eq!(
            broken(r#"{"text":"a\u0000b"}"#),
            ("text".into(), "nul_character")
        );
        assert_eq!(
            broken(r#"{"data":{"list":["ok","\u0000"]}}"#),
            ("data.list[1]".into(), "nul_character")
        );
        assert_eq!(
            broken(r#"{"data":{"k\u0000":1}}"#),
            ("data[\"k\\u0000\"]".into(), "nul_character")
        );
        // Other control characters are text Postgres holds.
        assert!(decode(br#"{"a":"\u0001\t\u001f"}"#, &LIMITS).is_ok());
    }

    #[test]
    fn malformed_json_is_not_a_broken_limit() {
        for body in ["{", "{\"a\":1,}", "[1] [2]", "", "1e999", "\"\\ud800\""] {
            assert!(
                matches!(
                    decode(body.as_bytes(), &LIMITS),
                    Err(ApiError::MalformedJson(_))
                ),
                "{body}"
            );
        }
    }
}
