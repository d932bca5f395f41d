//! Bearer-token check of the Genesys API host.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::GenesysError;
use crate::state::SimState;
use crate::tokens::TokenStatus;

/// Middleware: lets a request through only with `Authorization: Bearer <token>` of a token the
/// login route issued and that has not expired. Unknown and missing tokens get
/// `authentication.required`; expired ones `bad.credentials`, the signal to fetch a new token.
pub async fn require_bearer(
    State(state): State<SimState>,
    request: Request,
    next: Next,
) -> Response {
    let status = match bearer_token(request.headers()) {
        Some(token) => state.tokens().check(token),
        None => TokenStatus::Unknown,
    };
    match status {
        TokenStatus::Valid => next.run(request).await,
        TokenStatus::Expired => GenesysError::bad_credentials().into_response(),
        TokenStatus::Unknown => GenesysError::authentication_required().into_response(),
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_authorization(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn only_a_bearer_scheme_with_a_token_gives_a_token() {
        assert_eq!(bearer_token(&with_authorization("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&with_authorization("bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&with_authorization("Basic abc")), None);
        assert_eq!(bearer_token(&with_authorization("Bearer ")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
