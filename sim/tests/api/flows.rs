use serde_json::{json, Value};

use crate::helpers::{assert_genesys_error, launch_body, spawn_sim, uuid_like, FLOW_ID};

#[tokio::test]
async fn a_launch_with_a_token_answers_the_execution_id_and_the_genesys_headers() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app.launch(Some(&token), &launch_body()).await;

    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let correlation = headers["inin-correlation-id"].to_str().unwrap();
    assert!(uuid_like(correlation), "{correlation}");
    assert_eq!(headers["inin-ratelimit-allowed"], "300");
    assert!(headers.contains_key("inin-ratelimit-count"));
    assert!(headers.contains_key("inin-ratelimit-reset"));
    let body: Value = response.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert!(uuid_like(id), "{body}");
    assert_eq!(body["name"], "cognigy fallback s-1");
    assert_eq!(body["flowVersion"]["id"], "1.0");
    assert_eq!(body["flowVersion"]["name"], "1.0");
    assert_eq!(
        body["flowVersion"]["selfUri"],
        format!("/api/v2/flows/{FLOW_ID}/versions/1.0")
    );
    assert_eq!(body["selfUri"], format!("/api/v2/flows/executions/{id}"));
}

#[tokio::test]
async fn a_launch_is_recorded_with_its_input_data_and_a_redacted_bearer() {
    let app = spawn_sim().await;
    let token = app.token().await;

    app.launch(Some(&token), &launch_body()).await;

    let calls = app.calls().await;
    let launch = calls
        .iter()
        .find(|c| c["path"] == "/api/v2/flows/executions")
        .unwrap();
    assert_eq!(launch["method"], "POST");
    assert_eq!(launch["headers"]["authorization"], "Bearer [redacted]");
    assert_eq!(launch["body"]["inputData"]["Flow.sessionId"], "s-1");
    assert_eq!(launch["body"]["flowId"], FLOW_ID);
    assert!(!launch["headers"]["authorization"]
        .as_str()
        .unwrap()
        .contains(&token));
}

#[tokio::test]
async fn a_launch_without_a_token_gets_401_authentication_required() {
    let app = spawn_sim().await;

    let response = app.launch(None, &launch_body()).await;

    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("inin-correlation-id"));
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 401, "authentication.required");
}

#[tokio::test]
async fn a_token_the_simulator_never_issued_gets_401_authentication_required() {
    let app = spawn_sim().await;

    let response = app.launch(Some("made-up"), &launch_body()).await;

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 401, "authentication.required");
}

#[tokio::test]
async fn an_expired_token_gets_401_bad_credentials_and_a_new_token_works() {
    let app = spawn_sim().await;
    let old = app.token().await;
    let expire = app
        .http
        .post(app.url("/_sim/tokens/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(expire.status(), 204);

    let refused = app.launch(Some(&old), &launch_body()).await;
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_genesys_error(&body, 401, "bad.credentials");

    let fresh = app.token().await;
    assert_ne!(fresh, old);
    let accepted = app.launch(Some(&fresh), &launch_body()).await;
    assert_eq!(accepted.status(), 200);
}

#[tokio::test]
async fn a_launch_without_flow_id_gets_400_naming_flow_id() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app
        .launch(Some(&token), &json!({"inputData": {"Flow.x": "y"}}))
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 400, "bad.request");
    assert!(
        body["message"].as_str().unwrap().contains("flowId"),
        "{body}"
    );
}

#[tokio::test]
async fn input_data_that_is_not_an_object_gets_400_naming_input_data() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app
        .launch(Some(&token), &json!({"flowId": FLOW_ID, "inputData": "x"}))
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("inputData"),
        "{body}"
    );
}

#[tokio::test]
async fn a_launched_execution_can_be_read_back_as_completed() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let launched: Value = app
        .launch(Some(&token), &launch_body())
        .await
        .json()
        .await
        .unwrap();
    let id = launched["id"].as_str().unwrap();

    let response = app
        .http
        .get(app.url(&format!("/api/v2/flows/executions/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], id);
    assert_eq!(body["name"], "cognigy fallback s-1");
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(body["completionReason"], "Completed");
    assert_eq!(body["outputData"], json!({}));
    assert_eq!(body["flowErrorInfo"], Value::Null);
    for date in ["dateLaunched", "dateCompleted"] {
        let text = body[date].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "{date}: {text}"
        );
    }
}

#[tokio::test]
async fn an_unknown_execution_gets_404_not_found() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app
        .http
        .get(app.url("/api/v2/flows/executions/does-not-exist"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 404, "not.found");
}
