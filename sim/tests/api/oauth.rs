use serde_json::Value;

use crate::helpers::{spawn_sim, CLIENT_ID, CLIENT_SECRET};

#[tokio::test]
async fn good_basic_credentials_get_a_bearer_token_with_the_configured_lifetime() {
    let app = spawn_sim().await;

    let response = app
        .request_token(CLIENT_ID, CLIENT_SECRET, "client_credentials")
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["access_token"].as_str().is_some_and(|t| t.len() >= 32),
        "{body}"
    );
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
}

#[tokio::test]
async fn a_wrong_secret_gets_401_invalid_client_in_the_oauth_error_shape() {
    let app = spawn_sim().await;

    let response = app
        .request_token(CLIENT_ID, "not-the-secret", "client_credentials")
        .await;

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["description"], "client not found or bad secret");
    assert_eq!(body["error_description"], "client not found or bad secret");
}

#[tokio::test]
async fn credentials_in_the_form_instead_of_basic_auth_are_refused() {
    let app = spawn_sim().await;

    let response = app
        .http
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    let calls = app.sim.calls();
    assert_eq!(calls[0].body["client_secret"], "[redacted]");
}

#[tokio::test]
async fn another_grant_type_gets_400_unsupported_grant_type() {
    let app = spawn_sim().await;

    let response = app
        .request_token(CLIENT_ID, CLIENT_SECRET, "password")
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("client_credentials"));
}

#[tokio::test]
async fn a_token_request_is_recorded_with_the_basic_scheme_only_and_its_form_fields() {
    let app = spawn_sim().await;

    app.token().await;

    let calls = app.sim.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].method, "POST");
    assert_eq!(calls[0].path, "/oauth/token");
    assert_eq!(calls[0].headers["authorization"], "Basic [redacted]");
    assert_eq!(calls[0].body["grant_type"], "client_credentials");
}
