//! Reading a Genesys request body: a JSON object whose bad fields are named in a 400
//! `bad.request`, as Genesys's own messages name them.

use axum::http::{header, HeaderMap, StatusCode};
use serde_json::{Map, Value};

use super::errors::GenesysError;

/// Whether the request declares a JSON body (`application/json`, any parameters).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// 415 `unsupported.media.type` unless the body is declared JSON: Genesys refuses other types.
pub fn require_json(headers: &HeaderMap) -> Result<(), GenesysError> {
    if is_json(headers) {
        Ok(())
    } else {
        Err(GenesysError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported.media.type",
            "Content-Type must be application/json",
        ))
    }
}

/// The body as a JSON object (after [`require_json`]).
pub fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, GenesysError> {
    require_json(headers)?;
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        GenesysError::bad_request(format!("The request body is not valid JSON: {e}"))
    })?;
    match value {
        Value::Object(fields) => Ok(fields),
        _ => Err(GenesysError::bad_request(
            "The request body must be a JSON object",
        )),
    }
}

/// A string field that must be present and not blank.
pub fn required_string(fields: &Map<String, Value>, field: &str) -> Result<String, GenesysError> {
    optional_string(fields, field)?
        .ok_or_else(|| GenesysError::bad_request(format!("{field} is required")))
}

/// A string field that may be absent or `null`; present, it must be a non-blank string.
pub fn optional_string(
    fields: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, GenesysError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) if !value.trim().is_empty() => Ok(Some(value.clone())),
        Some(_) => Err(GenesysError::bad_request(format!(
            "{field} must be a non-empty string"
        ))),
    }
}

/// A boolean field that may be absent or `null`.
pub fn optional_bool(
    fields: &Map<String, Value>,
    field: &str,
) -> Result<Option<bool>, GenesysError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(_) => Err(GenesysError::bad_request(format!(
            "{field} must be true or false"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers
    }

    fn fields(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(fields) => fields,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn a_body_that_is_not_declared_json_gets_415() {
        let error = json_object(&HeaderMap::new(), b"{}").unwrap_err();
        assert_eq!(error.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(json_object(&json_headers(), b"{}").is_ok());
        assert!(json_object(&json_headers(), b"[]").is_err());
    }

    #[test]
    fn a_missing_blank_or_mistyped_field_is_named() {
        let body = fields(json!({"a": "x", "blank": " ", "n": 1, "b": true}));
        assert_eq!(required_string(&body, "a").unwrap(), "x");
        let missing = required_string(&body, "queueId").unwrap_err();
        assert_eq!(missing.message(), "queueId is required");
        assert!(required_string(&body, "blank")
            .unwrap_err()
            .message()
            .contains("blank"));
        assert!(optional_string(&body, "n").is_err());
        assert_eq!(optional_bool(&body, "b").unwrap(), Some(true));
        assert!(optional_bool(&body, "a").is_err());
    }
}
