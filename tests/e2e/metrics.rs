use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::{json, Value};

async fn scrape(app: &cxrelay_tests::TestApp, base: &str) -> String {
    let response = app
        .http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_admin_listeners_expose_intake_outcome_and_downstream_metrics() {
    let app = spawn_app(AppOptions::default()).await;
    let refused = app
        .http
        .post(format!("{}/v1/cognigy/fallback", app.public_url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let accepted = app
        .post_fallback(&json!({"sessionId": "m", "userId": "u", "text": "help"}))
        .await;
    assert_eq!(accepted.status(), 202);
    let body: Value = accepted.json().await.unwrap();
    app.wait_for_final(body["eventId"].as_str().unwrap()).await;

    let ingress = scrape(&app, &app.admin_url).await;
    for expected in [
        r#"cxrelay_intake_total{kind="cognigy.fallback",status="202"}"#,
        r#"cxrelay_intake_total{kind="cognigy.fallback",status="401"}"#,
        "cxrelay_publish_confirm_seconds",
    ] {
        assert!(
            ingress.contains(expected),
            "ingress /metrics lacks {expected}:\n{ingress}"
        );
    }
    let worker = scrape(&app, &app.worker_admin_urls[0]).await;
    for expected in [
        r#"cxrelay_events_finished_total{kind="cognigy.fallback",status="succeeded""#,
        r#"cxrelay_downstream_call_seconds"#,
        r#"operation="genesys.flows.executions.create""#,
        r#"cxrelay_token_fetches_total{result="ok"}"#,
    ] {
        assert!(
            worker.contains(expected),
            "worker /metrics lacks {expected}:\n{worker}"
        );
    }
}
