//! The one-line configuration error a binary prints before it exits.

use super::load::env_name;

/// A missing or malformed setting, named by the environment variable that sets it.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {env} ({key}): {problem}")]
pub struct ConfigError {
    /// Dotted settings path, e.g. `ingress.addr` (the TOML name).
    pub key: String,
    /// Environment variable that sets it, e.g. `CXRELAY_INGRESS__ADDR`.
    pub env: String,
    /// What is wrong, in words.
    pub problem: String,
}

impl ConfigError {
    /// A required setting that has no value.
    pub fn missing(key: &str) -> Self {
        Self::invalid(key, "is required but not set")
    }

    /// A setting whose value breaks a rule.
    pub fn invalid(key: &str, problem: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            env: env_name(key),
            problem: problem.into(),
        }
    }
}
