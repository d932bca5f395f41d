//! Bearer-token authentication of the admin API (`/admin/v1/...`): each token has a name, and
//! the name (never the token) is who the audit log says acted.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use cxrelay_core::config::AdminTokens;

use crate::problem::ApiError;

/// Scheme of `Authorization: Bearer <token>`.
const BEARER_SCHEME: &str = "Bearer ";

/// The name of the admin token a request presented; set by [`require_admin_token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminIdentity(pub String);

/// Lets a request through only with a configured admin token, naming its holder in the
/// request's extensions. No token configured: 403, the admin API is disabled. A missing or
/// unknown token: 401. Nothing else runs either way.
pub async fn require_admin_token(
    State(tokens): State<AdminTokens>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if tokens.is_empty() {
        return Err(ApiError::AdminDisabled);
    }
    let name = bearer_token(request.headers())
        .and_then(|token| tokens.identify(token))
        .ok_or(ApiError::AdminUnauthorized)?
        .to_owned();
    request.extensions_mut().insert(AdminIdentity(name));
    Ok(next.run(request).await)
}

/// The token of `Authorization: Bearer <token>` (scheme in any case).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let scheme = authorization.get(..BEARER_SCHEME.len())?;
    scheme
        .eq_ignore_ascii_case(BEARER_SCHEME)
        .then(|| authorization[BEARER_SCHEME.len()..].trim())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorization(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", value.parse().unwrap());
        headers
    }

    #[test]
    fn only_a_bearer_authorization_carries_an_admin_token() {
        assert_eq!(bearer_token(&authorization("Bearer t1")), Some("t1"));
        assert_eq!(bearer_token(&authorization("bearer  t2 ")), Some("t2"));
        assert_eq!(bearer_token(&authorization("Bearer ")), None);
        assert_eq!(bearer_token(&authorization("ApiKey t3")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
