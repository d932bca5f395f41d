//! The `Idempotency-Key` request header: which requests are one event.

use axum::http::HeaderMap;

use crate::problem::ApiError;

/// The header's name, as errors name it.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Longest accepted `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 256;

/// The caller's `Idempotency-Key`, trimmed: none when absent; 400 (`field` `Idempotency-Key`,
/// `rule` `format`) when it is not printable ASCII or not 1 to 256 characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let invalid = |message: &str| ApiError::InvalidHeader {
        header: IDEMPOTENCY_KEY_HEADER,
        rule: "format",
        message: message.to_owned(),
    };
    let key = value
        .to_str()
        .map_err(|_| invalid("Idempotency-Key must be printable ASCII"))?
        .trim();
    if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(invalid("Idempotency-Key must be 1 to 256 characters"));
    }
    Ok(Some(key.to_owned()))
}
