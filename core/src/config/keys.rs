//! The name of every setting, read from the settings types themselves.
//!
//! serde's derived `Deserialize` of a struct hands its deserializer the list of its field
//! names. [`setting_keys`] asks [`Settings`] for its fields with a deserializer that records
//! that list and then stops, and asks again one level deeper for every field that turns out to
//! be a struct (or a map, whose entries stand as [`ANY_NAME`]). So the list follows the types:
//! a setting added to a struct is listed without anyone maintaining a second list, under the
//! name serde (and so the TOML file and the environment) knows it by.

use std::cell::RefCell;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::Settings;

/// Stands for the entry name of a map setting: `cognigy.endpoints.*.url_token` is the
/// `url_token` of every configured Endpoint.
pub const ANY_NAME: &str = "*";

/// How deep settings nest at most; deeper means a type refers to itself, and the walk stops.
const MAX_DEPTH: usize = 8;

/// Every setting as a dotted key (`ingress.addr`, `worker.deadlines.fallback_secs`,
/// `cognigy.endpoints.*.id`), in the order the types declare them.
pub fn setting_keys() -> Vec<String> {
    let mut keys = Vec::new();
    collect(&mut Vec::new(), &mut keys);
    keys
}

/// Whether `key` (dotted, any case) names a setting; a map entry may have any name.
pub fn is_setting(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    setting_keys()
        .iter()
        .any(|pattern| key_matches(pattern, &key))
}

/// Whether the dotted `key` is an instance of the dotted `pattern` ([`ANY_NAME`] segments
/// match any one segment).
pub fn key_matches(pattern: &str, key: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let key: Vec<&str> = key.split('.').collect();
    pattern.len() == key.len()
        && pattern
            .iter()
            .zip(&key)
            .all(|(p, k)| *p == ANY_NAME || p == k)
}

/// The dotted settings key an environment variable sets (`CXRELAY_INGRESS__ADDR` →
/// `ingress.addr`, `DATABASE_URL` → `database.url`), or `None` for a variable that is not
/// cxrelay's. Whether that key is a setting is [`is_setting`]'s to say.
pub fn key_of_env(name: &str) -> Option<String> {
    match name {
        "DATABASE_URL" => Some("database.url".to_owned()),
        "AMQP_URL" => Some("amqp.url".to_owned()),
        _ => name
            .strip_prefix(super::load::ENV_PREFIX)
            .map(|rest| rest.to_ascii_lowercase().replace("__", ".")),
    }
}

fn collect(path: &mut Vec<String>, keys: &mut Vec<String>) {
    if path.len() > MAX_DEPTH {
        return;
    }
    match shape_at(path) {
        Shape::Leaf => keys.push(path.join(".")),
        Shape::Struct(fields) => {
            for field in fields {
                path.push((*field).to_owned());
                collect(path, keys);
                path.pop();
            }
        }
        Shape::Map => {
            path.push(ANY_NAME.to_owned());
            collect(path, keys);
            path.pop();
        }
    }
}

/// What the value at a settings path is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// A value of its own: number, string, list, address, URL, secret...
    Leaf,
    /// A struct with these fields.
    Struct(&'static [&'static str]),
    /// A map of entries named by the user.
    Map,
}

/// Deserializes [`Settings`] down `path` and notes what the value there asked to be. The
/// deserialization itself always fails: only the note matters.
fn shape_at(path: &[String]) -> Shape {
    let found = RefCell::new(None);
    let _ = Settings::deserialize(Probe {
        rest: path,
        found: &found,
    });
    // Nothing noted: something on the way is not a struct or a map, so the path ends in a leaf.
    found.into_inner().unwrap_or(Shape::Leaf)
}

/// The deserializer of one probe: hands each struct on the way exactly the one field of the
/// path, and notes the shape of the value the path ends at.
struct Probe<'a> {
    rest: &'a [String],
    found: &'a RefCell<Option<Shape>>,
}

impl Probe<'_> {
    fn reached<T>(self, shape: Shape) -> Result<T, de::value::Error> {
        if self.rest.is_empty() {
            *self.found.borrow_mut() = Some(shape);
        }
        Err(de::Error::custom("probed"))
    }
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        self.reached(Shape::Leaf)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        // An optional struct is still a struct: look inside.
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.rest.split_first() {
            None => self.reached(Shape::Struct(fields)),
            Some((field, rest)) => visitor.visit_map(OneEntry {
                key: Some(field),
                value: Some(Probe {
                    rest,
                    found: self.found,
                }),
            }),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.rest.split_first() {
            None => self.reached(Shape::Map),
            Some((_, rest)) => visitor.visit_map(OneEntry {
                key: Some(ANY_NAME),
                value: Some(Probe {
                    rest,
                    found: self.found,
                }),
            }),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

/// A map (or struct body) of exactly one entry: the next step of the path.
struct OneEntry<'a> {
    key: Option<&'a str>,
    value: Option<Probe<'a>>,
}

impl<'de> MapAccess<'de> for OneEntry<'_> {
    type Error = de::value::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.key.take() {
            Some(key) => seed.deserialize(KeyName(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(probe) => seed.deserialize(probe),
            None => Err(de::Error::custom("no value")),
        }
    }
}

/// A field name or map key. A map keyed by an enum gets its first variant for [`ANY_NAME`].
struct KeyName<'a>(&'a str);

impl<'de> Deserializer<'de> for KeyName<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let key = match (self.0, variants.first()) {
            (ANY_NAME, Some(first)) => *first,
            (key, _) => key,
        };
        IntoDeserializer::<Self::Error>::into_deserializer(key)
            .deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_sections_maps_and_optional_values_are_all_listed() {
        let keys = setting_keys();
        for expected in [
            "database.url",
            "amqp.prefix",
            "ingress.addr",
            "ingress.api_keys",
            "worker.retry_delays_ms",
            "worker.deadlines.fallback_secs",
            "worker.breaker.cooldown_secs",
            "genesys.region",
            "genesys.client_secret",
            "genesys.virtual_agent.sentiment_threshold",
            "genesys.rate.per_sec",
            "cognigy.endpoints.*.id",
            "cognigy.endpoints.*.url_token",
            "cognigy.endpoints.*.base_url",
            "crm.webhook_secret",
            "retention.events_days",
            "log.format",
        ] {
            assert!(keys.iter().any(|k| k == expected), "{expected} in {keys:?}");
        }
        // Only leaves: a section is not itself a setting.
        assert!(!keys
            .iter()
            .any(|k| k == "worker.deadlines" || k == "genesys"));
    }

    #[test]
    fn environment_names_map_to_settings_and_typos_do_not() {
        let key = |name: &str| key_of_env(name).unwrap();
        assert!(is_setting(&key("CXRELAY_INGRESS__ADDR")));
        assert!(is_setting(&key("DATABASE_URL")));
        assert!(is_setting(&key(
            "CXRELAY_COGNIGY__ENDPOINTS__SALES__URL_TOKEN"
        )));
        assert!(!is_setting(&key("CXRELAY_GENESYS__REGOIN")));
        assert!(!is_setting(&key("CXRELAY_GENESYS")));
        assert_eq!(key_of_env("HOME"), None);
    }
}
