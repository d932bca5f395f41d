//! Inbound API-key authentication of the webhook routes.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use cxrelay_core::config::ApiKeys;

use crate::problem::ApiError;

/// Header carrying the key as Cognigy's HTTP Request node sends it ("API Key (X-API-Key)").
const API_KEY_HEADER: &str = "x-api-key";
/// Scheme of `Authorization: ApiKey <key>`.
const API_KEY_SCHEME: &str = "ApiKey ";

/// Lets a request through only with a configured key; otherwise 401 and nothing else runs.
pub async fn require_api_key(
    State(keys): State<ApiKeys>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    match presented_key(request.headers()) {
        Some(key) if keys.accepts(key) => Ok(next.run(request).await),
        _ => Err(ApiError::Unauthorized),
    }
}

/// The key from `X-API-Key`, or else from `Authorization: ApiKey <key>`.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(value) = headers.get(API_KEY_HEADER) {
        return value.to_str().ok().map(str::trim);
    }
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let scheme = authorization.get(..API_KEY_SCHEME.len())?;
    scheme
        .eq_ignore_ascii_case(API_KEY_SCHEME)
        .then(|| authorization[API_KEY_SCHEME.len()..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, value.parse().unwrap());
        headers
    }

    #[test]
    fn both_header_forms_carry_the_key() {
        assert_eq!(presented_key(&headers("x-api-key", "k1")), Some("k1"));
        assert_eq!(
            presented_key(&headers("authorization", "ApiKey k2")),
            Some("k2")
        );
        assert_eq!(
            presented_key(&headers("authorization", "apikey k3")),
            Some("k3")
        );
        assert_eq!(presented_key(&headers("authorization", "Bearer k4")), None);
        assert_eq!(presented_key(&HeaderMap::new()), None);
    }
}
