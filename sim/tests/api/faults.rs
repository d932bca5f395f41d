use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{assert_genesys_error, launch_body, spawn_sim};

#[tokio::test]
async fn an_injected_429_answers_twice_with_retry_after_then_the_launch_succeeds() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.add_fault(json!({
        "method": "POST",
        "path": "/api/v2/flows/executions",
        "status": 429,
        "times": 2,
        "retryAfterSecs": 5,
    }))
    .await;

    for _ in 0..2 {
        let response = app.launch(Some(&token), &launch_body()).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "5");
        assert!(response.headers().contains_key("inin-correlation-id"));
        let body: Value = response.json().await.unwrap();
        assert_genesys_error(&body, 429, "too.many.requests.retry.after");
        assert_eq!(
            body["message"],
            "Rate limit exceeded the maximum. Retry the request in [5] seconds"
        );
    }
    let response = app.launch(Some(&token), &launch_body()).await;
    assert_eq!(response.status(), 200);

    let launches = app
        .sim
        .calls()
        .iter()
        .filter(|c| c.path == "/api/v2/flows/executions")
        .count();
    assert_eq!(launches, 3, "faulted calls are recorded too");
}

#[tokio::test]
async fn an_injected_503_uses_the_default_code_and_hits_even_without_a_token() {
    let app = spawn_sim().await;
    app.add_fault(json!({"method": "post", "path": "/api/v2/flows/executions", "status": 503}))
        .await;

    let response = app.launch(None, &launch_body()).await;

    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 503, "service.unavailable");
    let after = app.launch(None, &launch_body()).await;
    assert_eq!(after.status(), 401, "the fault was used once");
}

#[tokio::test]
async fn a_fault_with_a_delay_answers_late() {
    let app = spawn_sim().await;
    app.add_fault(json!({
        "method": "POST",
        "path": "/oauth/token",
        "status": 504,
        "delayMs": 300,
    }))
    .await;
    let started = Instant::now();

    let response = app.request_token("any", "any", "client_credentials").await;

    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(response.status(), 504);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "gateway.timeout");
}

#[tokio::test]
async fn cleared_faults_no_longer_hit() {
    let app = spawn_sim().await;
    app.add_fault(json!({"method": "POST", "path": "/oauth/token", "status": 500, "times": 5}))
        .await;

    let cleared = app
        .http
        .delete(app.url("/_sim/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);

    app.token().await;
}

#[tokio::test]
async fn a_fault_with_a_success_status_is_refused() {
    let app = spawn_sim().await;

    let response = app
        .http
        .post(app.url("/_sim/faults"))
        .json(&json!({"method": "POST", "path": "/oauth/token", "status": 200}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert!(app.sim.state().faults().pending().is_empty());
}
