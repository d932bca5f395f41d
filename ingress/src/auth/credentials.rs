//! The credential a request presents: an API key in `X-API-Key` or `Authorization: ApiKey`, or
//! a key name and key in `Authorization: Basic` (what Genesys data actions' and Cognigy HTTP
//! nodes' "Basic Auth" send).

use axum::http::HeaderMap;
use base64::Engine;

/// Header carrying the key as Cognigy's HTTP Request node sends it ("API Key (X-API-Key)").
const API_KEY_HEADER: &str = "x-api-key";
/// Scheme of `Authorization: ApiKey <key>`.
const API_KEY_SCHEME: &str = "ApiKey ";
/// Scheme of `Authorization: Basic base64(<key name>:<key>)`.
const BASIC_SCHEME: &str = "Basic ";

/// What a request presented to authenticate with.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented {
    /// Nothing.
    Nothing,
    /// A bare key (`X-API-Key`, `Authorization: ApiKey`).
    Key(String),
    /// `Authorization: Basic`: the user name is the key's name, the password the key.
    Basic {
        /// The key's configured name.
        name: String,
        /// The key.
        key: String,
    },
    /// A header that is there but unreadable (not UTF-8, bad base64, no colon).
    Malformed,
}

/// The credential of `headers`; `X-API-Key` wins over `Authorization`.
pub fn presented(headers: &HeaderMap) -> Presented {
    if let Some(value) = headers.get(API_KEY_HEADER) {
        return match value.to_str() {
            Ok(key) if !key.trim().is_empty() => Presented::Key(key.trim().to_owned()),
            _ => Presented::Malformed,
        };
    }
    let Some(authorization) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Presented::Nothing;
    };
    let Ok(authorization) = authorization.to_str() else {
        return Presented::Malformed;
    };
    if let Some(key) = after_scheme(authorization, API_KEY_SCHEME) {
        return if key.is_empty() {
            Presented::Malformed
        } else {
            Presented::Key(key.to_owned())
        };
    }
    if let Some(encoded) = after_scheme(authorization, BASIC_SCHEME) {
        return basic(encoded).unwrap_or(Presented::Malformed);
    }
    // Another scheme (Bearer, Digest): not a credential of this API.
    Presented::Malformed
}

/// The rest of `value` after `scheme` (matched in any case), trimmed.
fn after_scheme<'v>(value: &'v str, scheme: &str) -> Option<&'v str> {
    value
        .get(..scheme.len())
        .filter(|s| s.eq_ignore_ascii_case(scheme))
        .map(|_| value[scheme.len()..].trim())
}

fn basic(encoded: &str) -> Option<Presented> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (name, key) = decoded.split_once(':')?;
    (!name.is_empty() && !key.is_empty()).then(|| Presented::Basic {
        name: name.to_owned(),
        key: key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, value.parse().unwrap());
        headers
    }

    fn key(k: &str) -> Presented {
        Presented::Key(k.to_owned())
    }

    #[test]
    fn every_header_form_carries_the_key() {
        assert_eq!(presented(&headers("x-api-key", " k1 ")), key("k1"));
        assert_eq!(presented(&headers("authorization", "ApiKey k2")), key("k2"));
        assert_eq!(presented(&headers("authorization", "apikey k3")), key("k3"));
        let basic = base64::engine::general_purpose::STANDARD.encode("genesys-2026:k:4");
        assert_eq!(
            presented(&headers("authorization", &format!("Basic {basic}"))),
            Presented::Basic {
                name: "genesys-2026".into(),
                key: "k:4".into()
            }
        );
        assert_eq!(presented(&HeaderMap::new()), Presented::Nothing);
    }

    #[test]
    fn unreadable_credentials_are_malformed() {
        for value in ["Bearer k4", "ApiKey ", "Basic !!!", "Basic a2V5"] {
            assert_eq!(
                presented(&headers("authorization", value)),
                Presented::Malformed,
                "{value}"
            );
        }
        assert_eq!(presented(&headers("x-api-key", " ")), Presented::Malformed);
    }
}
