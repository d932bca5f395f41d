//! Field-by-field checks of inbound JSON objects, each failure naming the field and the rule.

use serde_json::{Map, Value};

use crate::text_values::{self, Interval};

/// Why a request body was refused: which field, which rule, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The field as the caller named it (`sessionId`, `data`, ...); `$` for the whole body.
    pub field: String,
    /// Machine-readable rule: `required`, `type`, `max_length`, `range`, `not_a_fallback`, ...
    pub rule: &'static str,
    /// What to fix, in words.
    pub message: String,
}

impl FieldError {
    /// A failure of `rule` on `field`.
    pub fn new(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }
}

/// The `rule` of a 422 for a field given under two of its names.
pub const ALIAS_CONFLICT_RULE: &str = "alias_conflict";

/// Reads typed fields from a JSON object. A field may have aliases (the names the tutorials
/// use): it is read under whichever one is given. Given under two names, it is refused
/// (422, rule [`ALIAS_CONFLICT_RULE`], naming both): two values for one field are either a
/// conflict or a mistake waiting to become one, and a refusal says so where silently keeping
/// one would not.
pub struct Fields<'a> {
    object: &'a Map<String, Value>,
}

/// Whether a value is "given": not null, and for a field that is not a string, not a blank
/// string either (a form body cannot send null and sends `name=`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Given {
    NotNull,
    NotNullNorBlank,
}

impl Given {
    fn admits(self, value: &Value) -> bool {
        match self {
            Given::NotNull => !value.is_null(),
            Given::NotNullNorBlank => {
                !value.is_null() && !value.as_str().is_some_and(text_values::is_blank)
            }
        }
    }
}

impl<'a> Fields<'a> {
    /// The body must be a JSON object.
    pub fn of(body: &'a Value) -> Result<Self, FieldError> {
        body.as_object()
            .map(|object| Self { object })
            .ok_or_else(|| FieldError::new("$", "type", "the body must be a JSON object"))
    }

    /// The one of `names` that is given, with its value; none when none is; 422
    /// [`ALIAS_CONFLICT_RULE`] when two are.
    fn given(
        &self,
        names: &[&'static str],
        given: Given,
    ) -> Result<Option<(&'static str, &'a Value)>, FieldError> {
        let mut present = names.iter().filter_map(|name| {
            self.object
                .get(*name)
                .filter(|value| given.admits(value))
                .map(|value| (*name, value))
        });
        let first = present.next();
        if let (Some((first, _)), Some((second, _))) = (first, present.next()) {
            return Err(FieldError::new(
                second,
                ALIAS_CONFLICT_RULE,
                format!("{first} and {second} are one field (aliases): send it under one name"),
            ));
        }
        Ok(first)
    }

    /// A string that must be present, non-empty and at most `max_chars` characters.
    pub fn required_str(
        &self,
        names: &[&'static str],
        max_chars: usize,
    ) -> Result<String, FieldError> {
        match self.optional_str(names, max_chars)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(FieldError::new(
                names[0],
                "required",
                format!("{} is required", names[0]),
            )),
        }
    }

    /// A string of at most `max_chars` characters, or nothing.
    pub fn optional_str(
        &self,
        names: &[&'static str],
        max_chars: usize,
    ) -> Result<Option<String>, FieldError> {
        let Some((name, value)) = self.given(names, Given::NotNull)? else {
            return Ok(None);
        };
        let s = value
            .as_str()
            .ok_or_else(|| FieldError::new(name, "type", format!("{name} must be a string")))?;
        if s.chars().count() > max_chars {
            return Err(FieldError::new(
                name,
                "max_length",
                format!("{name} must be at most {max_chars} characters"),
            ));
        }
        Ok(Some(s.to_owned()))
    }

    /// A number in `interval`, given as a number or as text in its grammar
    /// ([`text_values`]: form bodies send only strings, `intentScore=0.2`), or nothing.
    pub fn optional_number(
        &self,
        names: &[&'static str],
        interval: Interval,
    ) -> Result<Option<f64>, FieldError> {
        let Some((name, value)) = self.given(names, Given::NotNullNorBlank)? else {
            return Ok(None);
        };
        let (min, max) = interval.bounds();
        let out_of_range = || {
            FieldError::new(
                name,
                "range",
                format!("{name} must be between {min} and {max}"),
            )
        };
        match value {
            Value::Number(n) => {
                let n = n
                    .as_f64()
                    .ok_or_else(|| FieldError::new(name, "type", format!("{name} must be a number")))?;
                if (min..=max).contains(&n) {
                    Ok(Some(n))
                } else {
                    Err(out_of_range())
                }
            }
            Value::String(text) => text_values::decimal(text, interval)
                .map(Some)
                .ok_or_else(|| {
                    FieldError::new(
                        name,
                        "type",
                        format!(
                            "{name} must be a number from {min} to {max}, or such a number in decimals as text (`{}`)",
                            interval.grammar()
                        ),
                    )
                }),
            _ => Err(FieldError::new(name, "type", format!("{name} must be a number"))),
        }
    }

    /// A boolean, given as one or as the text `true` or `false` (any case; form bodies send
    /// only strings), or nothing.
    pub fn optional_bool(&self, names: &[&'static str]) -> Result<Option<bool>, FieldError> {
        let Some((name, value)) = self.given(names, Given::NotNullNorBlank)? else {
            return Ok(None);
        };
        match value {
            Value::Bool(b) => Some(*b),
            Value::String(text) => text_values::boolean(text),
            _ => None,
        }
        .map(Some)
        .ok_or_else(|| FieldError::new(name, "type", format!("{name} must be true or false")))
    }

    /// A JSON object, or nothing.
    pub fn optional_object(
        &self,
        names: &[&'static str],
    ) -> Result<Option<Map<String, Value>>, FieldError> {
        let Some((name, value)) = self.given(names, Given::NotNullNorBlank)? else {
            return Ok(None);
        };
        value
            .as_object()
            .cloned()
            .map(Some)
            .ok_or_else(|| FieldError::new(name, "type", format!("{name} must be a JSON object")))
    }
}

impl Fields<'_> {
    /// A UUID string that must be present (Genesys ids are UUIDs).
    pub fn required_uuid(&self, names: &[&'static str]) -> Result<String, FieldError> {
        self.optional_uuid(names)?.ok_or_else(|| {
            FieldError::new(names[0], "required", format!("{} is required", names[0]))
        })
    }

    /// A UUID in its hyphenated form (as Genesys writes its ids), or nothing: absent, null or
    /// blank (a form body sends `queueId=` for none).
    pub fn optional_uuid(&self, names: &[&'static str]) -> Result<Option<String>, FieldError> {
        let Some((name, value)) = self.given(names, Given::NotNullNorBlank)? else {
            return Ok(None);
        };
        let text = value
            .as_str()
            .ok_or_else(|| FieldError::new(name, "type", format!("{name} must be a string")))?;
        if text.len() == HYPHENATED_UUID_LEN && uuid::Uuid::try_parse(text).is_ok() {
            Ok(Some(text.to_owned()))
        } else {
            Err(FieldError::new(
                name,
                "format",
                format!("{name} must be a UUID (8-4-4-4-12 hexadecimal digits)"),
            ))
        }
    }

    /// A whole number from 0 to `i64::MAX`, given as a number (`1736931870000` or, as JSON
    /// Schema counts it, `1736931870000.0`) or as text of at most 18 digits (Genesys data
    /// actions often send numbers as strings, form bodies only strings); or nothing.
    pub fn optional_whole_number(&self, names: &[&'static str]) -> Result<Option<i64>, FieldError> {
        let Some((name, value)) = self.given(names, Given::NotNullNorBlank)? else {
            return Ok(None);
        };
        let number = match value {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(whole_number)),
            Value::String(text) => text_values::whole_number(text),
            _ => None,
        }
        .ok_or_else(|| {
            FieldError::new(
                name,
                "type",
                format!("{name} must be a whole number, or at most 18 digits as text"),
            )
        })?;
        if number < 0 {
            return Err(FieldError::new(
                name,
                "range",
                format!("{name} must be 0 or more"),
            ));
        }
        Ok(Some(number))
    }
}

/// Length of a UUID written 8-4-4-4-12 (the `uuid` crate also reads braced, URN and simple
/// forms, which no Genesys id takes).
const HYPHENATED_UUID_LEN: usize = 36;

/// `n` as an `i64` when it is a whole number within `i64`'s range (JSON Schema counts
/// `1736931870000.0` as an integer).
fn whole_number(n: f64) -> Option<i64> {
    // 2^63 is exactly representable; every f64 below it and above -2^63 converts exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (n.fract() == 0.0 && (-LIMIT..LIMIT).contains(&n)).then_some(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uuids_and_whole_numbers_are_checked() {
        let body = json!({"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "bad": "x",
                          "simple": "3fa85f645717456 2b3fc2c963f66afa6", "blank": " ",
                          "n": "42", "m": 7, "f": 1.5, "neg": -1});
        let fields = Fields::of(&body).unwrap();
        assert!(fields.required_uuid(&["id"]).is_ok());
        assert_eq!(fields.optional_uuid(&["bad"]).unwrap_err().rule, "format");
        assert_eq!(
            fields.optional_uuid(&["simple"]).unwrap_err().rule,
            "format"
        );
        assert_eq!(fields.optional_uuid(&["blank"]).unwrap(), None);
        assert_eq!(
            fields.required_uuid(&["none"]).unwrap_err().rule,
            "required"
        );
        assert_eq!(fields.optional_whole_number(&["n"]).unwrap(), Some(42));
        assert_eq!(fields.optional_whole_number(&["m"]).unwrap(), Some(7));
        assert_eq!(
            fields.optional_whole_number(&["neg"]).unwrap_err().rule,
            "range"
        );
        assert_eq!(
            fields.optional_whole_number(&["f"]).unwrap_err().rule,
            "type"
        );
    }

    #[test]
    fn numbers_and_booleans_may_come_as_text_in_their_grammar() {
        let body = json!({
            "score": " 0.25 ", "one": "1", "yes": "true", "no": "FALSE", "blank": " ",
            "inf": "inf", "nan": "NaN", "word": "maybe", "huge": "1e999", "exp": "5e-1",
            "high": 2, "text_high": "2",
        });
        let fields = Fields::of(&body).unwrap();
        assert_eq!(
            fields.optional_number(&["score"], Interval::Unit).unwrap(),
            Some(0.25)
        );
        assert_eq!(
            fields.optional_number(&["one"], Interval::Unit).unwrap(),
            Some(1.0)
        );
        assert_eq!(fields.optional_bool(&["yes"]).unwrap(), Some(true));
        assert_eq!(fields.optional_bool(&["no"]).unwrap(), Some(false));
        // A blank value is how a form says "none".
        assert_eq!(
            fields.optional_number(&["blank"], Interval::Unit).unwrap(),
            None
        );
        assert_eq!(fields.optional_bool(&["blank"]).unwrap(), None);
        assert_eq!(fields.optional_whole_number(&["blank"]).unwrap(), None);
        assert_eq!(fields.optional_object(&["blank"]).unwrap(), None);
        for not_a_number in ["inf", "nan", "word", "huge", "exp", "text_high"] {
            let err = fields
                .optional_number(&[not_a_number], Interval::Unit)
                .unwrap_err();
            assert_eq!((err.field.as_str(), err.rule), (not_a_number, "type"));
        }
        assert_eq!(
            fields
                .optional_number(&["high"], Interval::Unit)
                .unwrap_err()
                .rule,
            "range"
        );
        for not_a_bool in ["one", "word", "score"] {
            assert_eq!(
                fields.optional_bool(&[not_a_bool]).unwrap_err().rule,
                "type"
            );
        }
        // Strings stay strings: blank is a value there (and a required one is missing).
        assert_eq!(
            fields.optional_str(&["blank"], 5).unwrap().as_deref(),
            Some(" ")
        );
    }

    #[test]
    fn a_whole_number_written_with_a_zero_fraction_is_an_integer() {
        let body = json!({"t": 1_736_931_870_000.0, "big": 1e19, "neg": -3.0});
        let fields = Fields::of(&body).unwrap();
        assert_eq!(
            fields.optional_whole_number(&["t"]).unwrap(),
            Some(1_736_931_870_000)
        );
        assert_eq!(
            fields.optional_whole_number(&["neg"]).unwrap_err().rule,
            "range"
        );
        assert_eq!(
            fields.optional_whole_number(&["big"]).unwrap_err().rule,
            "type"
        );
    }

    #[test]
    fn a_field_given_under_two_names_is_refused_naming_both_and_an_ill_typed_alias_too() {
        let both = json!({"data": {"a": 1}, "metadata": "oops", "intentScore": 0.2,
                          "confidence": 0.2, "userId": "u", "user_id": {}});
        let fields = Fields::of(&both).unwrap();
        let error = fields.optional_object(&["data", "metadata"]).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.rule),
            ("metadata", "alias_conflict")
        );
        assert!(
            error.message.contains("data and metadata"),
            "{}",
            error.message
        );
        // Even equal values: one field, one name.
        let error = fields
            .optional_number(&["intentScore", "confidence"], Interval::Unit)
            .unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.rule),
            ("confidence", "alias_conflict")
        );
        let error = fields.optional_str(&["userId", "user_id"], 10).unwrap_err();
        assert_eq!(error.rule, "alias_conflict");
        // Null, and a blank value of a field that is not a string, are absent: no conflict.
        let one =
            json!({"data": {"a": 1}, "metadata": null, "intentScore": 0.2, "confidence": " "});
        let fields = Fields::of(&one).unwrap();
        assert!(fields
            .optional_object(&["data", "metadata"])
            .unwrap()
            .is_some());
        assert_eq!(
            fields
                .optional_number(&["intentScore", "confidence"], Interval::Unit)
                .unwrap(),
            Some(0.2)
        );
        // The alias alone is read as the field.
        let alias = json!({"user_id": "u-1"});
        let fields = Fields::of(&alias).unwrap();
        assert_eq!(
            fields.required_str(&["userId", "user_id"], 10).unwrap(),
            "u-1"
        );
    }
}
