//! Checks of the intake's body limits (`ingress.body_limit_bytes`, `ingress.max_json_depth`,
//! `ingress.max_string_chars`).

use super::{ConfigError, IngressSettings};

/// Deepest `ingress.max_json_depth` allowed: under serde_json's own recursion limit (128), so
/// that the configured limit is the one a caller meets, named in the answer.
pub const MAX_JSON_DEPTH_CEILING: usize = 100;

/// The limits must let a body through: at least one byte, one level (the body's object), one
/// character.
pub fn check(ingress: &IngressSettings) -> Result<(), ConfigError> {
    if ingress.body_limit_bytes == 0 {
        return Err(ConfigError::invalid(
            "ingress.body_limit_bytes",
            "must be at least 1",
        ));
    }
    if !(1..=MAX_JSON_DEPTH_CEILING).contains(&ingress.max_json_depth) {
        return Err(ConfigError::invalid(
            "ingress.max_json_depth",
            format!("must be 1 to {MAX_JSON_DEPTH_CEILING}"),
        ));
    }
    if ingress.max_string_chars == 0 {
        return Err(ConfigError::invalid(
            "ingress.max_string_chars",
            "must be at least 1",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass_and_zero_or_too_deep_do_not() {
        let defaults = IngressSettings::default();
        assert!(check(&defaults).is_ok());
        let too_deep = IngressSettings {
            max_json_depth: MAX_JSON_DEPTH_CEILING + 1,
            ..defaults.clone()
        };
        assert_eq!(
            check(&too_deep).unwrap_err().env,
            "CXRELAY_INGRESS__MAX_JSON_DEPTH"
        );
        let no_strings = IngressSettings {
            max_string_chars: 0,
            ..defaults
        };
        assert_eq!(
            check(&no_strings).unwrap_err().key,
            "ingress.max_string_chars"
        );
    }
}
