//! Request bodies of the intake routes, from bytes to a JSON value: the content type picks the
//! decoder (JSON or form), and the limits are checked as the body is read. A pure function of
//! its inputs, so that it is tested and fuzzed without a network (`ingress/tests/fuzz`).

mod form;
mod json;
mod media_type;
mod path;

pub use media_type::{body_format, BodyFormat, ACCEPTED_MEDIA_TYPES};

use cxrelay_core::config::IngressSettings;
use serde_json::Value;

use crate::problem::ApiError;

/// What a body may be: its size, how deep it nests, how long its strings are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// Largest body, bytes (`ingress.body_limit_bytes`); larger is 413.
    pub max_bytes: usize,
    /// Most objects and arrays nested in each other, the body's own object being the first
    /// (`ingress.max_json_depth`); deeper is 422 `max_depth`.
    pub max_depth: usize,
    /// Most characters in any string or key (`ingress.max_string_chars`); longer is 422
    /// `max_length`. Each kind's fields have their own, smaller limits.
    pub max_string_chars: usize,
}

impl BodyLimits {
    /// The limits the settings give.
    pub fn from_settings(ingress: &IngressSettings) -> Self {
        Self {
            max_bytes: ingress.body_limit_bytes,
            max_depth: ingress.max_json_depth,
            max_string_chars: ingress.max_string_chars,
        }
    }
}

/// Decodes a body sent with `content_type` (the header's raw value, if any) into JSON: 413 over
/// the size, 415 for a content type other than JSON or a form, 400 for a body that is not what
/// its content type says (`json`, `form`), 422 for a limit broken (`max_depth`, `max_length`,
/// with the path of the first offender as `field`).
///
/// The body is never put in a log line or an error: answers name where, never what.
pub fn decode_body(
    content_type: Option<&[u8]>,
    body: &[u8],
    limits: &BodyLimits,
) -> Result<Value, ApiError> {
    if body.len() > limits.max_bytes {
        return Err(ApiError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    match body_format(content_type)? {
        BodyFormat::Json => json::decode(body, limits),
        BodyFormat::Form => form::decode(body, limits),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: BodyLimits = BodyLimits {
        max_bytes: 16,
        max_depth: 2,
        max_string_chars: 4,
    };

    #[test]
    fn the_content_type_picks_the_decoder_after_the_size_is_checked() {
        let form = Some(&b"application/x-www-form-urlencoded"[..]);
        assert_eq!(
            decode_body(None, br#"{"a":"1"}"#, &LIMITS).unwrap(),
            decode_body(form, b"a=1", &LIMITS).unwrap()
        );
        let too_large = decode_body(Some(b"text/plain"), &[b' '; 17], &LIMITS).unwrap_err();
        assert!(matches!(too_large, ApiError::TooLarge { limit: 16 }));
        let unsupported = decode_body(Some(b"text/plain"), b"a", &LIMITS).unwrap_err();
        assert!(matches!(unsupported, ApiError::UnsupportedMediaType));
    }
}
