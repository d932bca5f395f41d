//! A JSON value against a fixture type: every field it lacks, every field the model lacks,
//! every value of the wrong type or outside its enum, each with where it is.

use std::fmt;

use serde_json::Value;

use super::fixture::{Fixture, TypeSpec};

/// Which way the value went: the vendor's server reads requests leniently where its SDK does
/// (enum values in any case), while an answer must be exactly what the model says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A request body sent to the vendor.
    Request,
    /// An answer of the vendor (here: of the simulator).
    Response,
}

/// What is wrong at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A field the model requires is absent (or null).
    Missing,
    /// A field the model does not have.
    Unknown,
    /// A value that is not of the type the model says.
    WrongType {
        /// The type the model says.
        expected: &'static str,
    },
    /// A string outside the enum of its field.
    NotAllowed {
        /// The value given.
        value: String,
        /// The values the model allows.
        allowed: Vec<String>,
    },
}

/// One thing wrong with a value: where (`participants[0].calls`, `$` for the value itself)
/// and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The place.
    pub path: String,
    /// The problem.
    pub problem: Problem,
}

impl Finding {
    /// Whether the vendor refuses a request with this (400 `bad.request`): a missing required
    /// field, a wrong type, an unknown enum value. A field the model lacks is ignored by the
    /// vendor's server, so it is reported, not refused.
    pub fn is_refused(&self) -> bool {
        !matches!(self.problem, Problem::Unknown)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Missing => write!(f, "{}: the required field is missing", self.path),
            Problem::Unknown => write!(f, "{}: the model has no such field", self.path),
            Problem::WrongType { expected } => write!(f, "{}: must be {expected}", self.path),
            Problem::NotAllowed { value, allowed } => write!(
                f,
                "{}: {value:?} is not one of the allowed values {allowed:?}",
                self.path
            ),
        }
    }
}

/// Everything wrong with `value` as a `ty`, in `fixture`'s models.
pub fn check(
    value: &Value,
    ty: &TypeSpec,
    fixture: &Fixture,
    direction: Direction,
) -> Vec<Finding> {
    let mut checker = Checker {
        fixture,
        direction,
        findings: Vec::new(),
    };
    checker.value(value, ty, "$");
    checker.findings
}

struct Checker<'f> {
    fixture: &'f Fixture,
    direction: Direction,
    findings: Vec<Finding>,
}

impl Checker<'_> {
    fn found(&mut self, path: &str, problem: Problem) {
        self.findings.push(Finding {
            path: path.to_owned(),
            problem,
        });
    }

    fn wrong(&mut self, path: &str, expected: &'static str) {
        self.found(path, Problem::WrongType { expected });
    }

    fn value(&mut self, value: &Value, ty: &TypeSpec, path: &str) {
        match ty {
            TypeSpec::Any => {}
            TypeSpec::String { values } => match value.as_str() {
                None => self.wrong(path, "a string"),
                Some(s) => {
                    if let Some(allowed) = values {
                        if !self.allows(allowed, s) {
                            self.found(
                                path,
                                Problem::NotAllowed {
                                    value: s.to_owned(),
                                    allowed: allowed.clone(),
                                },
                            );
                        }
                    }
                }
            },
            TypeSpec::Integer => {
                let whole = value.as_i64().is_some()
                    || value.as_u64().is_some()
                    || value.as_f64().is_some_and(|n| n.fract() == 0.0);
                if !whole {
                    self.wrong(path, "a whole number");
                }
            }
            TypeSpec::Number => {
                if !value.is_number() {
                    self.wrong(path, "a number");
                }
            }
            TypeSpec::Boolean => {
                if !value.is_boolean() {
                    self.wrong(path, "true or false");
                }
            }
            TypeSpec::DateTime => {
                let valid = value
                    .as_str()
                    .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok());
                if !valid {
                    self.wrong(path, "an ISO 8601 date and time");
                }
            }
            TypeSpec::Date => {
                let valid = value
                    .as_str()
                    .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok());
                if !valid {
                    self.wrong(path, "an ISO 8601 date");
                }
            }
            TypeSpec::Array { items } => match value.as_array() {
                None => self.wrong(path, "an array"),
                Some(elements) => {
                    for (index, element) in elements.iter().enumerate() {
                        self.value(element, items, &format!("{path}[{index}]"));
                    }
                }
            },
            TypeSpec::Map { values } => match value.as_object() {
                None => self.wrong(path, "an object"),
                Some(members) => {
                    for (key, member) in members {
                        self.value(member, values, &child(path, key));
                    }
                }
            },
            TypeSpec::Ref { model } => self.model(value, model, path),
        }
    }

    fn model(&mut self, value: &Value, name: &str, path: &str) {
        let Some(object) = value.as_object() else {
            return self.wrong(path, "an object");
        };
        // A model the fixture does not hold is the extractor's gap, not the value's fault.
        let Some(model) = self.fixture.models.get(name) else {
            return;
        };
        for (field, spec) in &model.fields {
            match object.get(field) {
                None | Some(Value::Null) if spec.required => {
                    self.found(&child(path, field), Problem::Missing);
                }
                None | Some(Value::Null) => {}
                Some(member) => self.value(member, &spec.ty, &child(path, field)),
            }
        }
        if !model.additional_fields {
            for key in object.keys() {
                if !model.fields.contains_key(key) {
                    self.found(&child(path, key), Problem::Unknown);
                }
            }
        }
    }

    fn allows(&self, allowed: &[String], given: &str) -> bool {
        match self.direction {
            // The SDKs compare enum values without case (`value.lower() in allowed`).
            Direction::Request => allowed.iter().any(|a| a.eq_ignore_ascii_case(given)),
            Direction::Response => allowed.iter().any(|a| a == given),
        }
    }
}

/// `path.key`, or `key` at the top.
fn child(path: &str, key: &str) -> String {
    if path == "$" {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::fixture::Vendor;
    use serde_json::json;

    fn request(model: &str, value: Value) -> Vec<String> {
        let ty = TypeSpec::Ref {
            model: model.to_owned(),
        };
        check(&value, &ty, Vendor::Genesys.fixture(), Direction::Request)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_complete_request_passes_and_each_fault_is_named_where_it_is() {
        let model = "SendAgentlessOutboundMessageRequest";
        let valid = json!({"fromAddress": "+15550001", "toAddress": "+15550100",
                           "toAddressMessengerType": "SMS", "textBody": "hi"});
        assert_eq!(request(model, valid), Vec::<String>::new());
        let findings = request(
            model,
            json!({"toAddress": 5, "toAddressMessengerType": "pigeon", "text": "hi"}),
        );
        assert_eq!(
            findings,
            [
                "fromAddress: the required field is missing",
                "toAddress: must be a string",
                "toAddressMessengerType: \"pigeon\" is not one of the allowed values [\"sms\", \"whatsapp\", \"open\", \"webmessaging\", \"apple\"]",
                "text: the model has no such field",
            ]
        );
    }

    #[test]
    fn answers_are_held_to_exact_enum_values_and_nested_models() {
        let ty = TypeSpec::Ref {
            model: "Conversation".to_owned(),
        };
        let answer = json!({"id": "c", "startTime": "2026-01-01T00:00:00.000Z",
            "participants": [{"id": "p", "state": "connected", "calls": [{"id": "m", "state": "Connected"}]}]});
        let findings: Vec<String> =
            check(&answer, &ty, Vendor::Genesys.fixture(), Direction::Response)
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings[0].starts_with("participants[0].calls[0].state: \"Connected\""));
        assert_eq!(
            findings[1],
            "participants[0].state: the model has no such field"
        );
    }
}
