//! The retry policy as the pipeline applies it: Retry-After is honoured by the event's retry
//! and by every other event of the target, deadlines expire events instead of trying them,
//! and a message that can never be decoded goes to the dead-letter queue with its reason.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use cxrelay_core::amqp::DEAD_REASON_HEADER;
use cxrelay_core::kinds::EventKind;
use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::{broker, spawn_app, wait, AppOptions, TestApp};
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicPublishOptions};
use lapin::BasicProperties;
use secrecy::SecretString;
use serde_json::{json, Value};

const EXECUTIONS: &str = "/api/v2/flows/executions";

async fn accept(app: &TestApp, session: &str) -> String {
    let response = app
        .post_fallback(&json!({"sessionId": session, "userId": "u", "text": "help"}))
        .await;
    assert_eq!(response.status(), 202);
    let body: Value = response.json().await.unwrap();
    body["eventId"].as_str().unwrap().to_owned()
}

fn arrival(call: &Value) -> DateTime<Utc> {
    call["at"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_delays_the_retry_and_pauses_the_target_for_every_event() {
    let app = spawn_app(AppOptions::default()).await;
    // The test schedule's first retry is 200 ms; the target asks for 2 s.
    app.inject_fault(&json!({
        "method": "POST", "path": EXECUTIONS, "status": 429, "retryAfterSecs": 2, "times": 1
    }))
    .await;
    let first = accept(&app, "s-429-a").await;
    let limited = wait::until("the 429", PATIENCE, || async {
        let calls = app.sim_calls_to("POST", EXECUTIONS).await;
        calls.first().filter(|c| c["status"] == 429).cloned()
    })
    .await;
    let second = accept(&app, "s-429-b").await;

    for id in [&first, &second] {
        assert_eq!(app.wait_for_final(id).await["status"], "succeeded");
    }
    let calls = app.sim_calls_to("POST", EXECUTIONS).await;
    assert_eq!(calls.len(), 3, "the 429, then one call per event");
    let paused_from = arrival(&limited);
    for call in &calls[1..] {
        let waited = arrival(call) - paused_from;
        assert!(
            waited >= chrono::Duration::milliseconds(1_900),
            "a call {waited} after the 429 asking for 2 s"
        );
    }
    let retry_in_ms: i64 = sqlx::query_scalar(
        "SELECT (detail->>'retryInMs')::bigint FROM audit_log
          WHERE event_id = $1::uuid AND action = 'event.retrying'",
    )
    .bind(&first)
    .fetch_one(&app.db)
    .await
    .unwrap();
    // The longest delay queue of the test schedule (1 s, +20 %) is as close to 2 s as it
    // gets; the pause holds the rest.
    assert_eq!(retry_in_ms, 1_200);
    let pauses: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM target_events WHERE event = 'paused' AND reason = 'rate_limited'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(pauses, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_whose_retry_would_come_after_its_deadline_expires() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(|settings| {
            settings.worker.deadlines.fallback_secs = 1;
            settings.worker.retry_delays_ms = vec![200, 5_000];
        })),
        ..AppOptions::default()
    })
    .await;
    app.inject_fault(&json!({"method": "POST", "path": EXECUTIONS, "status": 503, "times": 5}))
        .await;
    let id = accept(&app, "s-late").await;
    let event = app.wait_for_final(&id).await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("expired"), Some("unavailable")),
        "{event}"
    );
    // Tried, retried after ~200 ms, then the 5 s retry would pass the 1 s deadline.
    assert_eq!(event["calls"].as_array().unwrap().len(), 2, "{event}");
    assert!(event["lastError"]
        .as_str()
        .unwrap()
        .contains("after the deadline"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_taken_after_its_deadline_expires_without_a_call() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(|settings| {
            settings.worker.deadlines.fallback_secs = 0;
        })),
        ..AppOptions::default()
    })
    .await;
    let id = accept(&app, "s-stale").await;
    let event = app.wait_for_final(&id).await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("expired"), Some("deadline_passed")),
        "{event}"
    );
    assert!(event["calls"].as_array().unwrap().is_empty());
    assert!(app.sim_calls_to("POST", EXECUTIONS).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_message_is_dead_lettered_with_its_reason_and_the_worker_goes_on() {
    let app = spawn_app(AppOptions::default()).await;
    let connection =
        cxrelay_core::amqp::connect(&SecretString::from(broker::amqp_url()), "cxrelay-test")
            .await
            .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .basic_publish(
            app.topology.events_exchange().into(),
            EventKind::CognigyFallback.as_str().into(),
            BasicPublishOptions::default(),
            b"{\"version\":\"1\",\"not\":\"an envelope\"}",
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();

    let dead_queue = app.topology.dead_letter_queue();
    let dead = wait::until("the message in the dead-letter queue", PATIENCE, || {
        let channel = channel.clone();
        let dead_queue = dead_queue.clone();
        async move {
            channel
                .basic_get(dead_queue.into(), BasicGetOptions::default())
                .await
                .unwrap()
        }
    })
    .await;
    let headers = dead
        .delivery
        .properties
        .headers()
        .clone()
        .unwrap_or_default();
    let reason = headers
        .inner()
        .get(DEAD_REASON_HEADER)
        .and_then(|v| v.as_long_string())
        .map(|s| s.to_string())
        .unwrap_or_default();
    assert!(reason.starts_with("undecodable:"), "{reason}");
    dead.delivery.ack(BasicAckOptions::default()).await.unwrap();
    let _ = connection.close(200, "done".into()).await;

    let id = accept(&app, "s-after-poison").await;
    assert_eq!(app.wait_for_final(&id).await["status"], "succeeded");
    assert_eq!(
        broker::queue_depth(
            &app.topology
                .work_queue(cxrelay_core::kinds::Target::Genesys)
        )
        .await,
        0,
        "the bad message is not redelivered"
    );
}
