use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::{json, Value};

async fn post_and_finish(app: &cxrelay_tests::TestApp, session: &str) -> Value {
    let response = app
        .post_fallback(&json!({"sessionId": session, "userId": "u", "text": "help"}))
        .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    app.wait_for_final(body["eventId"].as_str().unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_replaced_once_and_the_call_succeeds() {
    let app = spawn_app(AppOptions::default()).await;
    assert_eq!(post_and_finish(&app, "s-1").await["status"], "succeeded");
    assert_eq!(app.sim_calls_to("POST", "/oauth/token").await.len(), 1);

    let expired = app
        .http
        .post(format!("{}/_sim/tokens/expire", app.sim.base_url()))
        .send()
        .await
        .unwrap();
    assert!(expired.status().is_success());

    let event = post_and_finish(&app, "s-2").await;
    assert_eq!(event["status"], "succeeded", "{event}");
    let calls = event["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{event}");
    assert_eq!(
        (
            calls[0]["outcome"].as_str(),
            calls[0]["httpStatus"].as_u64()
        ),
        (Some("auth"), Some(401))
    );
    assert_eq!(
        (
            calls[1]["outcome"].as_str(),
            calls[1]["httpStatus"].as_u64()
        ),
        (Some("success"), Some(200))
    );
    assert_eq!(
        app.sim_calls_to("POST", "/oauth/token").await.len(),
        2,
        "exactly one new token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_flow_launch_is_dead_with_status_code_and_correlation_id_recorded() {
    let app = spawn_app(AppOptions::default()).await;
    app.inject_fault(
        &json!({"method": "POST", "path": "/api/v2/flows/executions", "status": 403, "times": 1}),
    )
    .await;

    let event = post_and_finish(&app, "s-403").await;
    assert_eq!(event["status"], "dead", "{event}");
    assert_eq!(event["reason"], "rejected");
    assert_eq!(event["lastHttpStatus"], 403);
    assert_eq!(event["lastErrorCode"], "missing.permissions");
    assert!(
        event["lastError"]
            .as_str()
            .unwrap()
            .contains("architect:flow:launch"),
        "{event}"
    );
    let call = &event["calls"][0];
    assert_eq!(call["outcome"], "permanent");
    assert!(
        call["correlationId"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "{call}"
    );
    assert!(call["latencyMs"].as_i64().is_some());

    let (actions,): (Vec<String>,) = sqlx::query_as(
        "SELECT array_agg(action ORDER BY id) FROM audit_log WHERE event_id = $1::uuid",
    )
    .bind(event["eventId"].as_str().unwrap())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(actions, ["event.processing", "event.dead"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_through_the_broker_until_the_call_succeeds() {
    let app = spawn_app(AppOptions::default()).await;
    app.inject_fault(
        &json!({"method": "POST", "path": "/api/v2/flows/executions", "status": 503, "times": 2}),
    )
    .await;
    let event = post_and_finish(&app, "s-503").await;
    assert_eq!(event["status"], "succeeded", "{event}");
    let outcomes: Vec<&str> = event["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|call| call["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["retryable", "retryable", "success"]);
    assert_eq!(
        app.sim_calls_to("POST", "/api/v2/flows/executions")
            .await
            .len(),
        3
    );
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE event_id = $1::uuid ORDER BY id")
            .bind(event["eventId"].as_str().unwrap())
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "event.processing",
            "event.retrying",
            "event.processing",
            "event.retrying",
            "event.processing",
            "event.succeeded"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_whose_retries_are_used_up_is_dead_with_the_last_reason() {
    let app = spawn_app(AppOptions::default()).await;
    // The test schedule has three retries: four tries in all, each answered 500.
    app.inject_fault(
        &json!({"method": "POST", "path": "/api/v2/flows/executions", "status": 500, "times": 10}),
    )
    .await;
    let event = post_and_finish(&app, "s-500").await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("dead"), Some("unavailable")),
        "{event}"
    );
    assert!(
        event["lastError"]
            .as_str()
            .unwrap_or_default()
            .contains("gave up after 3 retries"),
        "{event}"
    );
    assert_eq!(event["calls"].as_array().unwrap().len(), 4);
    assert_eq!(event["lastHttpStatus"], 500);
}
