//! Starting a simulator and the calls every test makes.

use cxrelay_sim::{start, RunningSim, SimConfig};
use serde_json::{json, Value};
use tokio::net::TcpListener;

pub const CLIENT_ID: &str = "relay-client";
pub const CLIENT_SECRET: &str = "s3cret:with-colon";
pub const FLOW_ID: &str = "7c3f1b8e-0000-4000-8000-000000000001";

/// A simulator on a free port with the test client, plus an HTTP client.
pub struct TestSim {
    pub sim: RunningSim,
    pub http: reqwest::Client,
}

pub async fn spawn_sim() -> TestSim {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = SimConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        token_expires_in_secs: 3600,
    };
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
        let mut request = self
            .http
            .post(self.url("/api/v2/flows/executions"))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
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
}

pub fn uuid_like(value: &str) -> bool {
    value.len() == 36 && value.chars().filter(|c| *c == '-').count() == 4
}
