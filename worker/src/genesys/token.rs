//! OAuth client-credentials tokens for Genesys Cloud: fetched once, shared, refreshed before
//! they expire, and fetched by one task at a time however many need one.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use cxrelay_core::metrics::TOKEN_FETCHES_TOTAL;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

/// Refresh this long before `expires_in` runs out (contracts.md: about 60 s), so no call races
/// the expiry; for short-lived tokens, at half their life.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A bearer token: a [`SecretString`], so it prints redacted and is wiped from memory when
/// the last copy goes.
#[derive(Clone)]
pub struct AccessToken(Arc<SecretString>);

impl AccessToken {
    /// The token for the `Authorization` header.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.expose() == other.expose()
    }
}

impl Eq for AccessToken {}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The login host refused the credentials or the request: retrying cannot help.
    #[error("the Genesys login refused the client credentials (HTTP {status}, {error})")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// OAuth `error` code, e.g. `invalid_client`.
        error: String,
    },
    /// The login host could not be reached or failed: may work later.
    #[error("the Genesys login is unavailable: {0}")]
    Unavailable(String),
}

struct Cached {
    token: AccessToken,
    refresh_at: Instant,
}

/// The shared token cache of one OAuth client.
pub struct TokenProvider {
    http: reqwest::Client,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    cached: RwLock<Option<Cached>>,
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    expires_in: u64,
}

#[derive(Deserialize, Default)]
struct TokenErrorBody {
    #[serde(default)]
    error: String,
}

impl TokenProvider {
    /// A provider for `client_id` at `{login_base}/oauth/token`.
    pub fn new(
        http: reqwest::Client,
        login_base: &Url,
        client_id: String,
        client_secret: SecretString,
    ) -> Self {
        let token_url = login_base
            .join("oauth/token")
            .unwrap_or_else(|_| login_base.clone());
        Self {
            http,
            token_url,
            client_id,
            client_secret,
            cached: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// A valid token: the cached one, or a new one fetched by exactly one task while the others
    /// wait for it.
    pub async fn token(&self) -> Result<AccessToken, TokenError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _only_one_fetch = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let (token, expires_in) = self.fetch().await?;
        let margin = REFRESH_MARGIN.min(expires_in / 2);
        let mut cached = self.cached.write().unwrap_or_else(|p| p.into_inner());
        *cached = Some(Cached {
            token: token.clone(),
            refresh_at: Instant::now() + expires_in - margin,
        });
        Ok(token)
    }

    /// Forgets `token` after a 401, unless another task already replaced it.
    pub fn invalidate(&self, token: &AccessToken) {
        let mut cached = self.cached.write().unwrap_or_else(|p| p.into_inner());
        if cached.as_ref().is_some_and(|c| &c.token == token) {
            *cached = None;
        }
    }

    fn fresh(&self) -> Option<AccessToken> {
        let cached = self.cached.read().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    async fn fetch(&self) -> Result<(AccessToken, Duration), TokenError> {
        let fetched = self.request_token().await;
        let result = match &fetched {
            Ok(_) => "ok",
            Err(TokenError::Rejected { .. }) => "rejected",
            Err(TokenError::Unavailable(_)) => "unavailable",
        };
        metrics::counter!(TOKEN_FETCHES_TOTAL, "result" => result).increment(1);
        fetched
    }

    async fn request_token(&self) -> Result<(AccessToken, Duration), TokenError> {
        let response = self
            .http
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .map_err(|e| TokenError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            let body: TokenResponse = response.json().await.map_err(|e| {
                TokenError::Unavailable(format!("unreadable token response: {}", e.without_url()))
            })?;
            tracing::info!(
                expires_in = body.expires_in,
                "fetched a Genesys access token"
            );
            return Ok((
                AccessToken(Arc::new(body.access_token)),
                Duration::from_secs(body.expires_in),
            ));
        }
        if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
            let body: TokenErrorBody = response.json().await.unwrap_or_default();
            return Err(TokenError::Rejected {
                status: status.as_u16(),
                error: body.error,
            });
        }
        Err(TokenError::Unavailable(format!("HTTP {status}")))
    }
}
