//! Authenticated JSON calls to the Genesys API.

use std::sync::Arc;

use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::token::{AccessToken, TokenError, TokenProvider};
use crate::call::{self, CallResult};

/// Header Genesys puts on every response to identify the request for support.
const CORRELATION_HEADER: &str = "inin-correlation-id";

/// A Genesys org's API, with its token cache.
#[derive(Clone)]
pub struct GenesysClient {
    http: reqwest::Client,
    api_base: Url,
    tokens: Arc<TokenProvider>,
}

impl GenesysClient {
    /// A client for `api_base` authenticating through `tokens`.
    pub fn new(http: reqwest::Client, api_base: Url, tokens: Arc<TokenProvider>) -> Self {
        Self {
            http,
            api_base,
            tokens,
        }
    }

    /// A token for the next call.
    pub async fn token(&self) -> Result<AccessToken, TokenError> {
        self.tokens.token().await
    }

    /// Drops a token the API answered 401 to.
    pub fn invalidate(&self, token: &AccessToken) {
        self.tokens.invalidate(token);
    }

    /// One call with `token`; never fails, every failure is a classified [`CallResult`].
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: &AccessToken,
    ) -> CallResult {
        let url = match self.api_base.join(path.trim_start_matches('/')) {
            Ok(url) => url,
            Err(_) => self.api_base.clone(),
        };
        let mut request = self.http.request(method, url).bearer_auth(token.expose());
        if let Some(body) = body {
            request = request.json(body);
        }
        call::send(request, CORRELATION_HEADER)
            .await
            .redacting(token.expose())
    }
}
