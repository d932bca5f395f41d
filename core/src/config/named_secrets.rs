//! Named secrets: admin tokens, inbound API keys and HMAC secrets. Each secret has a name that
//! logs, events and the audit log record in its place (who sent, who acted), so that a secret can
//! be rotated (old and new valid together, under two names) and revoked alone.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};
use subtle::ConstantTimeEq;

use super::stringish;

/// One secret and the name it is known by.
#[derive(Clone)]
struct NamedToken {
    name: String,
    token: SecretString,
}

/// A list of named secrets (`CXRELAY_INGRESS__ADMIN_TOKENS=alice:token1,ops-bot:token2`).
/// Prints only the names; compared in constant time.
#[derive(Clone, Default)]
pub struct NamedSecrets(Vec<NamedToken>);

/// The named bearer tokens of the ingress admin listener; the name is the actor in the audit log.
pub type AdminTokens = NamedSecrets;

impl std::fmt::Debug for NamedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|t| t.name.as_str()).collect();
        write!(f, "NamedSecrets({names:?}, secrets redacted)")
    }
}

impl NamedSecrets {
    /// Secrets from `name:secret` entries; blank entries are dropped. The error names the entry
    /// by its position, never by its content (it holds a secret).
    pub fn parse<I, S>(entries: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut tokens: Vec<NamedToken> = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            let position = index + 1;
            let (name, token) = entry
                .split_once(':')
                .map(|(n, t)| (n.trim(), t.trim()))
                .filter(|(n, t)| !n.is_empty() && !t.is_empty())
                .ok_or_else(|| {
                    format!("entry {position} is not name:secret (both parts are required)")
                })?;
            if tokens.iter().any(|t| t.name == name) {
                return Err(format!("the name '{name}' is given twice"));
            }
            tokens.push(NamedToken {
                name: name.to_owned(),
                token: SecretString::from(token.to_owned()),
            });
        }
        Ok(Self(tokens))
    }

    /// True when no secret is configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names, in the configured order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|t| t.name.as_str())
    }

    /// The secrets with their names, in the configured order (for HMAC, where each secret is
    /// tried as a key rather than compared).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SecretString)> {
        self.0.iter().map(|t| (t.name.as_str(), &t.token))
    }

    /// Whether `presented` is the secret named `name`, compared in constant time.
    pub fn matches(&self, name: &str, presented: &str) -> bool {
        self.0.iter().any(|named| {
            named.name == name
                && bool::from(
                    named
                        .token
                        .expose_secret()
                        .as_bytes()
                        .ct_eq(presented.as_bytes()),
                )
        })
    }

    /// Adds a secret under `name` (used to fold the legacy key list into a source).
    pub fn push(&mut self, name: String, secret: SecretString) {
        self.0.push(NamedToken {
            name,
            token: secret,
        });
    }

    /// The name of the secret `presented` equals, if any. Every token is compared, each in
    /// constant time, so timing reveals neither which token matched nor how much of one did.
    pub fn identify(&self, presented: &str) -> Option<&str> {
        let presented = presented.as_bytes();
        self.0.iter().fold(None, |found, named| {
            let equal: bool = named
                .token
                .expose_secret()
                .as_bytes()
                .ct_eq(presented)
                .into();
            if equal {
                Some(named.name.as_str())
            } else {
                found
            }
        })
    }
}

impl<'de> Deserialize<'de> for NamedSecrets {
    /// Accepts a comma-separated string (the environment) or a list of `name:token` strings.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::parse(stringish::string_list(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_known_by_its_name_and_others_are_not() {
        let tokens = AdminTokens::parse(["alice:tok-1", " ops-bot : tok-2 "]).unwrap();
        assert_eq!(tokens.identify("tok-1"), Some("alice"));
        assert_eq!(tokens.identify("tok-2"), Some("ops-bot"));
        assert_eq!(tokens.identify("tok-"), None);
        assert_eq!(tokens.identify(""), None);
        assert_eq!(tokens.identify("alice"), None);
    }

    #[test]
    fn the_environment_form_parses_and_prints_names_only() {
        let tokens: AdminTokens = serde_json::from_str("\"alice:s3cret,, bob:other\"").unwrap();
        assert_eq!(tokens.identify("other"), Some("bob"));
        let printed = format!("{tokens:?}");
        assert!(
            printed.contains("alice") && !printed.contains("s3cret"),
            "{printed}"
        );
    }

    #[test]
    fn an_entry_without_a_name_or_a_token_is_refused_without_echoing_it() {
        let err = AdminTokens::parse(["alice:ok", "just-a-secret"]).unwrap_err();
        assert!(err.contains("entry 2"), "{err}");
        assert!(!err.contains("just-a-secret"), "{err}");
        assert!(AdminTokens::parse([":token"]).is_err());
        assert!(AdminTokens::parse(["a:x", "a:y"]).is_err());
        assert!(AdminTokens::parse(Vec::<String>::new()).unwrap().is_empty());
    }
}
