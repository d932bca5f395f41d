//! Seeding and calling the simulated Cognigy.

use serde_json::{json, Value};

use crate::helpers::{TestSim, COGNIGY_API_KEY};

pub const ENDPOINT_ID: &str = "64f1a0c0ffee000000000001";
pub const URL_TOKEN: &str = "tok1-5e6f7a8b9c0d1e2f";
pub const SNAPSHOT_ID: &str = "65aa00000000000000000001";
pub const PROJECT_ID: &str = "65aa0000000000000000cafe";

impl TestSim {
    /// Seeds a snapshot and an Endpoint serving it with [`URL_TOKEN`].
    pub async fn seed_endpoint(&self, active: bool) -> Value {
        self.control_post(
            "/_sim/cognigy/snapshots",
            &json!({"_id": SNAPSHOT_ID, "name": "release 1", "projectId": PROJECT_ID}),
            201,
        )
        .await;
        self.control_post(
            "/_sim/cognigy/endpoints",
            &json!({
                "_id": ENDPOINT_ID, "name": "support", "URLToken": URL_TOKEN,
                "active": active, "entrypoint": SNAPSHOT_ID,
            }),
            201,
        )
        .await
    }

    /// `POST /endpoint/{url_token}` with `body`.
    pub async fn turn(&self, url_token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/{url_token}", self.sim.endpoint_base_url()))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// A management-API request with the right key.
    pub fn management(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("X-API-Key", COGNIGY_API_KEY)
    }
}

pub fn turn_body(session_id: &str, text: &str) -> Value {
    json!({"userId": "user-1", "sessionId": session_id, "text": text, "data": {"n": 1}})
}
