//! Strings from the environment: figment reads `CXRELAY_X=12345` as a number, but an API key,
//! client id or secret that happens to be all digits is still a string.

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

/// A scalar as written: string, number or boolean.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum Scalar {
    /// Already a string.
    Text(String),
    /// An unsigned integer.
    Unsigned(u64),
    /// A signed integer.
    Signed(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Scalar {
    pub(super) fn into_string(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Unsigned(n) => n.to_string(),
            Scalar::Signed(n) => n.to_string(),
            Scalar::Float(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// `Option<String>` from any scalar.
pub(super) fn option_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Scalar>::deserialize(d)?.map(Scalar::into_string))
}

/// `String` from any scalar.
pub(super) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Scalar::deserialize(d)?.into_string())
}

/// `Option<SecretString>` from any scalar.
pub(super) fn option_secret<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<SecretString>, D::Error> {
    Ok(option_string(d)?.map(SecretString::from))
}

/// `SecretString` from any scalar.
pub(super) fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    Ok(SecretString::from(string(d)?))
}

/// A list of whole numbers: a TOML array, or a comma-separated string from the environment.
pub(super) fn u64_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<u64>),
        Joined(String),
    }
    match Raw::deserialize(d)? {
        Raw::List(list) => Ok(list),
        Raw::Joined(joined) => joined
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<u64>().map_err(serde::de::Error::custom))
            .collect(),
    }
}

/// A list of strings: a TOML array, or a comma-separated string from the environment (each
/// entry as written, numbers and all; empty entries are the caller's to drop).
pub(super) fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Joined(Scalar),
        List(Vec<Scalar>),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Joined(joined) => joined.into_string().split(',').map(str::to_owned).collect(),
        Raw::List(list) => list.into_iter().map(Scalar::into_string).collect(),
    })
}
