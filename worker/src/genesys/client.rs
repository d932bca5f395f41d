//! Authenticated JSON calls to the Genesys API, with the one retry a 401 allows.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::token::{AccessToken, TokenError, TokenProvider};
use crate::call::CallResult;
use crate::outcome::{classify_status, classify_transport_error, Outcome};

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
        let started = Instant::now();
        let url = match self.api_base.join(path.trim_start_matches('/')) {
            Ok(url) => url,
            Err(error) => return transport_failure(started, format!("bad path {path}: {error}")),
        };
        let mut request = self.http.request(method, url).bearer_auth(token.expose());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return transport_failure(started, error.without_url().to_string()),
        };
        let status = response.status().as_u16();
        let correlation_id = response
            .headers()
            .get(CORRELATION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        let json: Option<Value> = serde_json::from_str(&text).ok();
        let outcome = classify_status(status);
        let (error_code, error_message) = if outcome == Outcome::Success {
            (None, None)
        } else {
            error_fields(json.as_ref())
        };
        CallResult {
            outcome,
            http_status: Some(status),
            error_code,
            error_message,
            correlation_id,
            latency: started.elapsed(),
            body: json.filter(|_| outcome == Outcome::Success),
        }
    }
}

/// `code` and `message` of the Genesys error body, when there is one.
fn error_fields(body: Option<&Value>) -> (Option<String>, Option<String>) {
    let field = |name: &str| {
        body.and_then(|b| b.get(name))
            .and_then(Value::as_str)
            .map(|s| s.chars().take(500).collect::<String>())
    };
    (field("code"), field("message"))
}

fn transport_failure(started: Instant, message: String) -> CallResult {
    CallResult {
        outcome: classify_transport_error(),
        http_status: None,
        error_code: Some("transport".to_owned()),
        error_message: Some(message),
        correlation_id: None,
        latency: started.elapsed().max(Duration::from_micros(1)),
        body: None,
    }
}
