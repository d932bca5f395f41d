//! Which decoder a `Content-Type` asks for: JSON, a form, or none we take (415).

use crate::problem::ApiError;

/// The body formats the intake routes take, as they are named in a 415.
pub const ACCEPTED_MEDIA_TYPES: &str = "application/json, application/x-www-form-urlencoded";

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `application/json`, `application/<anything>+json`, or no content type (some HTTP
    /// clients send none).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// The format named by a `Content-Type` header's raw value; anything else, or a charset other
/// than UTF-8 (JSON is UTF-8; a Latin-1 form would be misread), is
/// [`ApiError::UnsupportedMediaType`].
pub fn body_format(content_type: Option<&[u8]>) -> Result<BodyFormat, ApiError> {
    let Some(raw) = content_type else {
        return Ok(BodyFormat::Json);
    };
    let value = std::str::from_utf8(raw)
        .map_err(|_| ApiError::UnsupportedMediaType)?
        .trim();
    if value.is_empty() {
        return Ok(BodyFormat::Json);
    }
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let format = if essence.eq_ignore_ascii_case("application/json") || is_json_suffixed(essence) {
        BodyFormat::Json
    } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        BodyFormat::Form
    } else {
        return Err(ApiError::UnsupportedMediaType);
    };
    for parameter in parts {
        let (name, charset) = parameter.split_once('=').unwrap_or((parameter, ""));
        if name.trim().eq_ignore_ascii_case("charset") && !is_utf8(charset) {
            return Err(ApiError::UnsupportedMediaType);
        }
    }
    Ok(format)
}

/// `application/<subtype>+json` (RFC 6839), e.g. `application/vnd.api+json`.
fn is_json_suffixed(essence: &str) -> bool {
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && subtype.len() > 5
        && subtype
            .get(subtype.len() - 5..)
            .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+json"))
}

fn is_utf8(charset: &str) -> bool {
    let charset = charset.trim().trim_matches('"');
    ["utf-8", "utf8", "us-ascii"]
        .iter()
        .any(|name| charset.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(content_type: &str) -> Option<BodyFormat> {
        body_format(Some(content_type.as_bytes())).ok()
    }

    #[test]
    fn json_and_forms_are_taken_and_nothing_else() {
        assert_eq!(body_format(None).ok(), Some(BodyFormat::Json));
        assert_eq!(format_of(""), Some(BodyFormat::Json));
        assert_eq!(format_of("application/json"), Some(BodyFormat::Json));
        assert_eq!(
            format_of("Application/JSON; charset=UTF-8"),
            Some(BodyFormat::Json)
        );
        assert_eq!(
            format_of("application/vnd.api+json"),
            Some(BodyFormat::Json)
        );
        assert_eq!(
            format_of("application/x-www-form-urlencoded;charset=\"utf-8\""),
            Some(BodyFormat::Form)
        );
        for refused in [
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/xml",
            "text/json+json",
            "+json",
            "application/x-www-form-urlencoded; charset=ISO-8859-1",
            "application/json; charset=utf-16",
        ] {
            assert_eq!(format_of(refused), None, "{refused}");
        }
        assert!(body_format(Some(b"application/json\xff")).is_err());
    }
}
