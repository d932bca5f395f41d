//! Starting a simulator and the calls every test makes.

use std::time::{Duration, Instant};

use cxrelay_sim::{start, RecordedCall, RunningSim, SimConfig};
use serde_json::{json, Value};
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "relay-client";
pub const CLIENT_SECRET: &str = "s3cret:with-colon";
pub const FLOW_ID: &str = "7c3f1b8e-0000-4000-8000-000000000001";
pub const COGNIGY_API_KEY: &str = "cognigy-test-key";

/// A simulator on a free port with the test client, plus an HTTP client.
pub struct TestSim {
    pub sim: RunningSim,
    pub http: reqwest::Client,
}

/// The configuration of every test simulator.
pub fn test_config() -> SimConfig {
    SimConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        token_expires_in_secs: 3600,
        cognigy_api_key: COGNIGY_API_KEY.into(),
        ..SimConfig::default()
    }
}

pub async fn spawn_sim() -> TestSim {
    spawn_sim_with(test_config()).await
}

pub async fn spawn_sim_with(config: SimConfig) -> TestSim {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = start(listener, config).await.unwrap();
    TestSim {
        sim,
        http: reqwest::Client::new(),
    }
}

impl TestSim {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// `POST /oauth/token` with Basic credentials and a form body.
    pub async fn request_token(
        &self,
        id: &str,
        secret: &str,
        grant_type: &str,
    ) -> reqwest::Response {
        self.http
            .post(self.url("/oauth/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", grant_type)])
            .send()
            .await
            .unwrap()
    }

    /// A valid access token of the test client.
    pub async fn token(&self) -> String {
        let response = self
            .request_token(CLIENT_ID, CLIENT_SECRET, "client_credentials")
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// `POST /api/v2/flows/executions` with an optional bearer token.
    pub async fn launch(&self, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.api_post(token, "/api/v2/flows/executions", body).await
    }

    /// `GET` of a Genesys API path with an optional bearer token.
    pub async fn api_get(&self, token: Option<&str>, path: &str) -> reqwest::Response {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// `POST` of a JSON body to a Genesys API path with an optional bearer token.
    pub async fn api_post(
        &self,
        token: Option<&str>,
        path: &str,
        body: &Value,
    ) -> reqwest::Response {
        let mut request = self.http.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// `POST` of a JSON body to a control route; asserts `status` and returns the body
    /// (`null` when empty).
    pub async fn control_post(&self, path: &str, body: &Value, status: u16) -> Value {
        let response = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path}");
        response.json().await.unwrap_or(Value::Null)
    }

    /// `GET` of a control route; asserts `status` and returns the JSON body.
    pub async fn control_get(&self, path: &str, status: u16) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        response.json().await.unwrap()
    }

    /// Seeds a conversation through `POST /_sim/genesys/conversations`.
    pub async fn seed_conversation(&self, conversation: Value) -> Value {
        self.control_post("/_sim/genesys/conversations", &conversation, 201)
            .await
    }

    /// Ends a conversation through `POST /_sim/genesys/conversations/{id}/end`.
    pub async fn end_conversation(&self, id: &str) {
        let path = format!("/_sim/genesys/conversations/{id}/end");
        self.control_post(&path, &json!({}), 204).await;
    }

    /// `POST /_sim/faults`.
    pub async fn add_fault(&self, fault: Value) {
        let response = self
            .http
            .post(self.url("/_sim/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
    }

    /// `POST /_sim/chaos`; asserts 200 and returns the active profiles.
    pub async fn set_chaos(&self, profile: Value) -> Value {
        self.control_post("/_sim/chaos", &profile, 200).await
    }

    /// `DELETE` of a control route (with its query); asserts `status`.
    pub async fn control_delete(&self, path_and_query: &str, status: u16) {
        let response = self
            .http
            .delete(self.url(path_and_query))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{path_and_query}");
    }

    /// Waits until the call log satisfies `ready` and returns it; fails after 10 s.
    pub async fn wait_for_calls(
        &self,
        ready: impl Fn(&[RecordedCall]) -> bool,
    ) -> Vec<RecordedCall> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let calls = self.sim.calls();
            if ready(&calls) {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "the calls never got ready: {calls:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// `GET /_sim/calls`.
    pub async fn calls(&self) -> Vec<Value> {
        let response = self.http.get(self.url("/_sim/calls")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

pub fn launch_body() -> Value {
    json!({
        "flowId": FLOW_ID,
        "name": "cognigy fallback s-1",
        "inputData": {"Flow.sessionId": "s-1", "Flow.reason": "no-match"},
    })
}

/// A live conversation of a customer and a bot, as cxrelay's bot-failure path meets it.
pub fn customer_and_bot() -> Value {
    json!({"participants": [
        {"purpose": "customer", "state": "connected"},
        {"purpose": "ivr", "state": "connected"},
    ]})
}

/// Asserts `body` is a Genesys error body with `status` and `code`.
pub fn assert_genesys_error(body: &Value, status: u16, code: &str) {
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let context_id = body["contextId"].as_str().unwrap();
    assert!(uuid_like(context_id), "{body}");
    assert_eq!(body["details"], Value::Array(vec![]), "{body}");
    assert_eq!(body["errors"], Value::Array(vec![]), "{body}");
    assert!(body["messageParams"].is_object(), "{body}");
}

/// Asserts `body` is a Cognigy RFC 7807 problem with `status`.
pub fn assert_problem(body: &Value, status: u16) {
    for field in ["type", "title", "detail"] {
        assert!(
            body[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {body}"
        );
    }
    assert_eq!(body["status"], status, "{body}");
    assert!(!body["code"].is_null(), "{body}");
    assert!(uuid_like(body["traceId"].as_str().unwrap()), "{body}");
    assert!(body["details"].is_object(), "{body}");
}

pub fn uuid_like(value: &str) -> bool {
    value.len() == 36 && value.chars().filter(|c| *c == '-').count() == 4
}
