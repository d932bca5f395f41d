//! Calls to Cognigy: `POST {endpoint host}/{URLToken}` and `{api-base}/new/v2.0/...` with
//! `X-API-Key`.

use reqwest::header::HeaderValue;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

use crate::call::{self, CallResult};
use cxrelay_core::config::CognigyEndpoint;

/// Operation names recorded in `attempts.operation`.
pub const RUN_TURN: &str = "cognigy.endpoint.turn";
/// Reading an Endpoint's state from the management API.
pub const CHECK_ENDPOINT: &str = "cognigy.endpoints.get";
/// Pushing a message to the user of a live session.
pub const NOTIFY: &str = "cognigy.endpoint.notify";

/// Header of the management API key.
const API_KEY_HEADER: &str = "X-API-Key";

/// Cognigy does not send a correlation header; its error bodies carry `traceId`.
const NO_CORRELATION_HEADER: &str = "x-cognigy-trace-id";

/// A Cognigy tenant: Endpoints by URLToken, the management API by key (when configured).
#[derive(Clone)]
pub struct CognigyClient {
    http: reqwest::Client,
    api_base: Option<Url>,
    api_key: Option<SecretString>,
}

impl CognigyClient {
    /// A client; without `api_base` and `api_key` only Endpoint turns work.
    pub fn new(
        http: reqwest::Client,
        api_base: Option<Url>,
        api_key: Option<SecretString>,
    ) -> Self {
        Self {
            http,
            api_base,
            api_key,
        }
    }

    /// Whether the management API (notify, Endpoint checks) is configured.
    pub fn has_management_api(&self) -> bool {
        self.missing_management_settings().is_empty()
    }

    /// The settings the management API still needs, by their environment names.
    pub fn missing_management_settings(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.api_base.is_none() {
            missing.push("CXRELAY_COGNIGY__API_BASE_URL");
        }
        if self.api_key.is_none() {
            missing.push("CXRELAY_COGNIGY__API_KEY");
        }
        missing
    }

    /// Sends one turn `{userId, sessionId, text, data}` into the Endpoint's Flow.
    ///
    /// The URL holds the Endpoint's URLToken, so it goes nowhere but into the request:
    /// [`call::send`] keeps it out of transport errors, and whatever the answer echoes of the
    /// token is redacted before the result is recorded.
    pub async fn run_turn(&self, endpoint: &CognigyEndpoint, body: &Value) -> CallResult {
        let token = endpoint.url_token.expose_secret();
        let base = endpoint.base_url.as_str().trim_end_matches('/');
        let url = format!("{base}/{token}");
        call::send(self.http.post(url).json(body), NO_CORRELATION_HEADER)
            .await
            .redacting(token)
    }

    /// `GET /new/v2.0/endpoints/{id}`.
    pub async fn get_endpoint(&self, endpoint_id: &str) -> CallResult {
        self.management(
            Method::GET,
            &format!("new/v2.0/endpoints/{endpoint_id}"),
            None,
        )
        .await
    }

    /// `POST /new/v2.0/endpoint/notify`; the body's `URLToken` is redacted from the result.
    pub async fn notify(&self, body: &Value) -> CallResult {
        let result = self
            .management(Method::POST, "new/v2.0/endpoint/notify", Some(body))
            .await;
        match body.get("URLToken").and_then(Value::as_str) {
            Some(token) => result.redacting(token),
            None => result,
        }
    }

    async fn management(&self, method: Method, path: &str, body: Option<&Value>) -> CallResult {
        let (Some(base), Some(key)) = (&self.api_base, &self.api_key) else {
            return CallResult::not_configured("the Cognigy management API (CXRELAY_COGNIGY__API_BASE_URL, CXRELAY_COGNIGY__API_KEY)");
        };
        let base = base.as_str().trim_end_matches('/');
        let mut request = self.http.request(method, format!("{base}/{path}"));
        match HeaderValue::from_str(key.expose_secret()) {
            Ok(mut value) => {
                // Marked sensitive like reqwest's own `Authorization`: HTTP/2 never indexes
                // it (HPACK) and its `Debug` prints `Sensitive`.
                value.set_sensitive(true);
                request = request.header(API_KEY_HEADER, value);
            }
            Err(_) => {
                return CallResult::not_configured(
                    "a valid Cognigy API key (CXRELAY_COGNIGY__API_KEY holds characters a header cannot carry)",
                )
            }
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        call::send(request, NO_CORRELATION_HEADER)
            .await
            .redacting(key.expose_secret())
    }
}
