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

#[tokio::test]
async fn a_prefix_fault_answers_a_burst_of_429s_under_its_prefix_then_stops() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.add_fault(json!({
        "method": "*", "pathPrefix": "/api/v2/", "status": 429, "times": 30, "retryAfterSecs": 2,
    }))
    .await;

    for i in 0..30 {
        let response = if i % 2 == 0 {
            app.launch(Some(&token), &launch_body()).await
        } else {
            app.api_get(Some(&token), "/api/v2/flows/executions/x")
                .await
        };
        assert_eq!(response.status(), 429, "request {i}");
        assert_eq!(response.headers()["retry-after"], "2");
        if i == 10 {
            app.token().await;
            let pending = app.control_get("/_sim/faults", 200).await;
            assert_eq!(pending[0]["pathPrefix"], "/api/v2/");
            assert_eq!(pending[0]["times"], 19, "the token request used none");
            assert!(pending[0].get("path").is_none(), "{pending}");
        }
    }

    assert_eq!(app.launch(Some(&token), &launch_body()).await.status(), 200);
    let faulted = app
        .sim
        .calls()
        .iter()
        .filter(|call| call.status == Some(429))
        .count();
    assert_eq!(faulted, 30);
}

#[tokio::test]
async fn a_fault_with_both_or_neither_of_path_and_prefix_is_refused() {
    let app = spawn_sim().await;
    for fault in [
        json!({"method": "*", "path": "/api/v2/x", "pathPrefix": "/api/v2/", "status": 500}),
        json!({"method": "*", "status": 500}),
    ] {
        let error = app.control_post("/_sim/faults", &fault, 400).await;
        assert!(
            error["error"].as_str().unwrap().contains("pathPrefix"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn a_faulted_call_is_recorded_with_its_status_and_its_delay() {
    let app = spawn_sim().await;
    app.add_fault(json!({
        "method": "POST", "path": "/api/v2/flows/executions", "status": 503, "delayMs": 20,
    }))
    .await;

    app.launch(None, &launch_body()).await;
    app.launch(None, &launch_body()).await;

    let calls = app.calls().await;
    assert_eq!(calls[0]["status"], 503);
    assert_eq!(calls[0]["injected"], "fault");
    assert_eq!(calls[0]["heldMs"], 20);
    assert_eq!(calls[1]["status"], 401, "the platform's own answer");
    assert!(calls[1].get("injected").is_none(), "{}", calls[1]);
}
