//! `POST /oauth/token` of the login host: the client-credentials grant.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use crate::recording::is_form;
use crate::state::{SimConfig, SimState};

/// An OAuth error answer: `{"error","description","error_description"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client not found or bad secret",
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.error,
            "description": self.description,
            "error_description": self.description,
        });
        (self.status, Json(body)).into_response()
    }
}

/// Issues a token to the configured client. The client authenticates with HTTP Basic only, as
/// Genesys requires; credentials in the form (the tutorials' mistake) are not accepted.
pub async fn token(State(state): State<SimState>, headers: HeaderMap, body: Bytes) -> Response {
    match check_grant(state.config(), &headers, &body) {
        Ok(()) => {
            let expires_in = state.config().token_expires_in_secs;
            let access_token = state.tokens().issue(Duration::from_secs(expires_in));
            Json(json!({
                "access_token": access_token,
                "token_type": "bearer",
                "expires_in": expires_in,
            }))
            .into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// Checks the client first (a stranger learns nothing about the grant), then the form.
fn check_grant(config: &SimConfig, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    match basic_credentials(headers) {
        Some((id, secret)) if id == config.client_id && secret == config.client_secret => {}
        _ => return Err(OAuthError::invalid_client()),
    }
    if !is_form(headers) {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    let grant_type = form_urlencoded::parse(body)
        .find(|(name, _)| name == "grant_type")
        .map(|(_, value)| value.into_owned());
    match grant_type.as_deref() {
        Some("client_credentials") => Ok(()),
        Some(other) => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type '{other}' is not supported: use client_credentials"),
        )),
        None => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type is required: use client_credentials",
        )),
    }
}

/// `(client_id, client_secret)` of an `Authorization: Basic base64(id:secret)` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn config() -> SimConfig {
        SimConfig {
            client_id: "id".into(),
            client_secret: "se:cret".into(),
            token_expires_in_secs: 60,
            ..SimConfig::default()
        }
    }

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(authorization).unwrap(),
        );
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers
    }

    fn basic(credentials: &str) -> String {
        format!("Basic {}", STANDARD.encode(credentials))
    }

    #[test]
    fn a_secret_may_contain_a_colon() {
        let result = check_grant(
            &config(),
            &headers(&basic("id:se:cret")),
            b"grant_type=client_credentials",
        );
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn a_bad_secret_or_undecodable_header_is_an_invalid_client() {
        for authorization in [
            basic("id:wrong"),
            "Basic !!!".to_owned(),
            "Bearer x".to_owned(),
        ] {
            let error = check_grant(
                &config(),
                &headers(&authorization),
                b"grant_type=client_credentials",
            )
            .unwrap_err();
            assert_eq!(error.error, "invalid_client", "{authorization}");
            assert_eq!(error.status, StatusCode::UNAUTHORIZED);
        }
    }

    #[test]
    fn a_json_body_is_refused_as_an_invalid_request() {
        let mut headers = headers(&basic("id:se:cret"));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let error = check_grant(
            &config(),
            &headers,
            br#"{"grant_type":"client_credentials"}"#,
        )
        .unwrap_err();
        assert_eq!(error.error, "invalid_request");
    }
}
