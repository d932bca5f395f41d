//! Keeping Cognigy URLTokens out of the call log. A URLToken is the only credential of an
//! Endpoint, so the log never holds one whole: in bodies every `URLToken` value is
//! [`REDACTED`]; in an Endpoint path only the first [`TOKEN_PREFIX_CHARS`] characters stay,
//! enough for a test to tell its Endpoints apart.

use serde_json::Value;

use crate::cognigy::ENDPOINT_PREFIX;
use crate::recording::REDACTED;

/// Characters of a URLToken kept in a recorded Endpoint path.
pub const TOKEN_PREFIX_CHARS: usize = 4;

/// `/endpoint/abcdef123` → `/endpoint/abcd…`; other paths unchanged.
pub fn recorded_path(path: &str) -> String {
    let Some(rest) = path.strip_prefix(ENDPOINT_PREFIX) else {
        return path.to_owned();
    };
    let (token, tail) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if token.is_empty() {
        return path.to_owned();
    }
    let kept: String = token.chars().take(TOKEN_PREFIX_CHARS).collect();
    format!("{ENDPOINT_PREFIX}{kept}…{tail}")
}

/// Replaces the value of every key named `URLToken` (any case, at any depth) with
/// [`REDACTED`].
pub fn redact_url_tokens(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                if key.eq_ignore_ascii_case("urltoken") {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    redact_url_tokens(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_url_tokens),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_endpoint_path_keeps_four_characters_of_its_token() {
        assert_eq!(recorded_path("/endpoint/abcdef123"), "/endpoint/abcd…");
        assert_eq!(recorded_path("/endpoint/ab"), "/endpoint/ab…");
        assert_eq!(recorded_path("/endpoint/abcdef/x"), "/endpoint/abcd…/x");
        assert_eq!(recorded_path("/endpoint/"), "/endpoint/");
        assert_eq!(
            recorded_path("/new/v2.0/endpoint/notify"),
            "/new/v2.0/endpoint/notify"
        );
    }

    #[test]
    fn url_tokens_are_redacted_at_any_depth() {
        let mut body = json!({
            "URLToken": "secret", "text": "hi",
            "data": {"nested": [{"urlToken": "secret2"}]},
        });
        redact_url_tokens(&mut body);
        assert_eq!(body["URLToken"], REDACTED);
        assert_eq!(body["data"]["nested"][0]["urlToken"], REDACTED);
        assert_eq!(body["text"], "hi");
    }
}
