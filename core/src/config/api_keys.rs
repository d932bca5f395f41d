//! Inbound API keys, compared in constant time.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use subtle::ConstantTimeEq;

use super::stringish;

/// The accepted inbound API keys. Prints redacted; compared in constant time.
#[derive(Clone, Default)]
pub struct ApiKeys(Vec<SecretString>);

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys([{} redacted])", self.0.len())
    }
}

impl ApiKeys {
    /// Keys from plain strings (blank ones are dropped).
    pub fn new<I, S>(keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(
            keys.into_iter()
                .map(Into::into)
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .map(SecretString::from)
                .collect(),
        )
    }

    /// The keys, in the configured order.
    pub fn secrets(&self) -> impl Iterator<Item = &SecretString> {
        self.0.iter()
    }

    /// True when no key is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `presented` equals one of the keys. Every configured key is compared, and each
    /// comparison takes the same time whatever the content, so timing reveals nothing.
    pub fn accepts(&self, presented: &str) -> bool {
        let presented = presented.as_bytes();
        self.0.iter().fold(false, |found, key| {
            let equal: bool = key.expose_secret().as_bytes().ct_eq(presented).into();
            found | equal
        })
    }
}

impl<'de> Deserialize<'de> for ApiKeys {
    /// Accepts a comma-separated string (the environment) or a list of strings (TOML).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::new(stringish::string_list(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_key_is_accepted_and_others_are_not() {
        let keys = ApiKeys::new(["alpha", " beta "]);
        assert!(keys.accepts("alpha"));
        assert!(keys.accepts("beta"));
        assert!(!keys.accepts("alph"));
        assert!(!keys.accepts(""));
        assert!(!keys.accepts("alphaa"));
    }

    #[test]
    fn blank_entries_of_a_comma_list_are_dropped() {
        let keys: ApiKeys = serde_json::from_str("\"a,, b ,\"").unwrap();
        assert!(keys.accepts("a") && keys.accepts("b"));
        assert!(!keys.accepts(""));
        assert_eq!(format!("{keys:?}"), "ApiKeys([2 redacted])");
    }
}
