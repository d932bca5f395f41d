//! A secret an event carries from the caller to the worker (a Cognigy URLToken in a fallback):
//! the queue message must hold it, so it serializes as itself, but it prints redacted, and the
//! copies Postgres keeps have it replaced by [`crate::redact::REDACTED`] (see
//! [`crate::redact::redact_payload`]).

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret field of an event payload. `Debug` prints `[redacted]`; `Serialize` writes the
/// secret, for the queue message only.
#[derive(Clone)]
pub struct CarriedSecret(SecretString);

impl CarriedSecret {
    /// The secret, for the one call that needs it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for CarriedSecret {
    fn from(secret: String) -> Self {
        Self(SecretString::from(secret))
    }
}

impl std::fmt::Debug for CarriedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::redact::REDACTED)
    }
}

impl PartialEq for CarriedSecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Serialize for CarriedSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for CarriedSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::from(String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_prints_redacted_and_serializes_as_itself() {
        let secret = CarriedSecret::from("tok-5e3".to_owned());
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"tok-5e3\"");
        let back: CarriedSecret = serde_json::from_str("\"tok-5e3\"").unwrap();
        assert_eq!(back, secret);
        assert_eq!(back.expose(), "tok-5e3");
    }
}
