use cxrelay_core::kinds::Target;
use cxrelay_tests::app::API_KEY;
use cxrelay_tests::{spawn_app, AppOptions, TestApp};
use serde_json::{json, Value};

fn valid() -> Value {
    json!({"sessionId": "s-1", "userId": "u-1", "text": "help", "intent": null})
}

async fn problem_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    (status, response.json().await.unwrap())
}

async fn post_raw(app: &TestApp, headers: &[(&str, &str)], body: Vec<u8>) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/v1/cognigy/fallback", app.public_url))
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_requests_get_a_4xx_naming_field_and_rule_and_nothing_reaches_the_broker() {
    // No worker: whatever is published stays in the queue, where this test counts it.
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let json_with_key = [("content-type", "application/json"), ("x-api-key", API_KEY)];
    let body = serde_json::to_vec(&valid()).unwrap();

    // Authentication.
    let (status, problem) =
        problem_of(post_raw(&app, &[("content-type", "application/json")], body.clone()).await)
            .await;
    assert_eq!((status, problem["status"].as_u64()), (401, Some(401)));
    let wrong = [
        ("content-type", "application/json"),
        ("x-api-key", "not-the-key"),
    ];
    assert_eq!(post_raw(&app, &wrong, body.clone()).await.status(), 401);
    let wrong_scheme = [("authorization", "Bearer test-key-0f3c9a")];
    assert_eq!(
        post_raw(&app, &wrong_scheme, body.clone()).await.status(),
        401
    );

    // Each validation rule names its field and rule.
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"userId": "u", "text": "t"}), "sessionId", "required"),
        (json!({"sessionId": "s", "text": "t"}), "userId", "required"),
        (json!({"sessionId": "s", "userId": "u"}), "text", "required"),
        (
            json!({"sessionId": "x".repeat(257), "userId": "u", "text": "t"}),
            "sessionId",
            "max_length",
        ),
        (
            json!({"sessionId": "s", "userId": "x".repeat(257), "text": "t"}),
            "userId",
            "max_length",
        ),
        (
            json!({"sessionId": "s", "userId": "u", "text": "x".repeat(10_001)}),
            "text",
            "max_length",
        ),
        (
            json!({"sessionId": 5, "userId": "u", "text": "t"}),
            "sessionId",
            "type",
        ),
        (
            json!({"sessionId": "s", "userId": "u", "text": "t", "intent": "billing", "intentScore": 0.9}),
            "intent",
            "not_a_fallback",
        ),
        (
            json!({"sessionId": "s", "userId": "u", "text": "t", "confidence": 2}),
            "confidence",
            "range",
        ),
        (
            json!({"sessionId": "s", "userId": "u", "text": "t", "metadata": "x"}),
            "metadata",
            "type",
        ),
        (
            json!({"sessionId": "s", "userId": "u", "text": "t", "language": 1}),
            "language",
            "type",
        ),
        (json!(["not", "an", "object"]), "$", "type"),
    ];
    for (body, field, rule) in cases {
        let (status, problem) = problem_of(app.post_fallback(&body).await).await;
        assert_eq!(status, 422, "{field} {rule}: {problem}");
        assert_eq!(
            (problem["field"].as_str(), problem["rule"].as_str()),
            (Some(field), Some(rule)),
            "{problem}"
        );
    }

    // Not JSON, wrong media type, oversized, bad idempotency key.
    let (status, problem) =
        problem_of(post_raw(&app, &json_with_key, b"{not json".to_vec()).await).await;
    assert_eq!((status, problem["rule"].as_str()), (400, Some("json")));
    let form = [("content-type", "text/plain"), ("x-api-key", API_KEY)];
    assert_eq!(post_raw(&app, &form, body.clone()).await.status(), 415);
    let mut oversized = valid();
    oversized["data"] = json!({"blob": "x".repeat(70 * 1024)});
    let (status, _) = problem_of(
        post_raw(
            &app,
            &json_with_key,
            serde_json::to_vec(&oversized).unwrap(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 413);
    let long_key = "k".repeat(300);
    let bad_key = [
        ("content-type", "application/json"),
        ("x-api-key", API_KEY),
        ("idempotency-key", long_key.as_str()),
    ];
    let (status, problem) = problem_of(post_raw(&app, &bad_key, body.clone()).await).await;
    assert_eq!(
        (status, problem["field"].as_str()),
        (400, Some("Idempotency-Key"))
    );

    assert_eq!(
        app.queue_depth(Target::Genesys).await,
        0,
        "a rejected request reached the broker"
    );

    // The count above can fail: one accepted event is in the queue.
    assert_eq!(post_raw(&app, &json_with_key, body).await.status(), 202);
    assert_eq!(app.queue_depth(Target::Genesys).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_api_key_headers_are_accepted() {
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let body = serde_json::to_vec(&valid()).unwrap();
    let bearer_style = format!("ApiKey {API_KEY}");
    let authorization = [
        ("content-type", "application/json"),
        ("authorization", bearer_style.as_str()),
    ];
    assert_eq!(
        post_raw(&app, &authorization, body.clone()).await.status(),
        202
    );
    let header = [("content-type", "application/json"), ("x-api-key", API_KEY)];
    assert_eq!(post_raw(&app, &header, body).await.status(), 202);
    assert_eq!(app.queue_depth(Target::Genesys).await, 2);
}
