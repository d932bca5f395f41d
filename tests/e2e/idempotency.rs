//! Repeats of a request are one event, carried out once: by `Idempotency-Key`, or by the
//! natural key of the kind when the caller cannot send a header.

use std::sync::Arc;

use cxrelay_tests::app::API_KEY;
use cxrelay_tests::{spawn_app, AppOptions, TestApp};
use serde_json::{json, Value};

const EXECUTIONS: &str = "/api/v2/flows/executions";

async fn post_keyed(
    app: &TestApp,
    body: &Value,
    key: Option<&str>,
) -> (u16, Option<String>, String) {
    let mut request = app
        .http
        .post(format!("{}/v1/cognigy/fallback", app.public_url))
        .header("X-API-Key", API_KEY)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = response.json().await.unwrap();
    (
        status,
        replayed,
        body["eventId"].as_str().unwrap().to_owned(),
    )
}

async fn repeats_of(app: &TestApp, event_id: &str) -> i32 {
    sqlx::query_scalar("SELECT repeats FROM events WHERE id = $1::uuid")
        .bind(event_id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_with_the_same_idempotency_key_gets_the_same_event_and_no_second_call() {
    let app = spawn_app(AppOptions::default()).await;
    let body = json!({"sessionId": "s-idem", "userId": "u", "text": "agent please"});

    let (status, replayed, first) = post_keyed(&app, &body, Some("order-1")).await;
    assert_eq!((status, replayed), (202, None));
    assert_eq!(app.wait_for_final(&first).await["status"], "succeeded");

    let (status, replayed, second) = post_keyed(&app, &body, Some("order-1")).await;
    assert_eq!(status, 202);
    assert_eq!(second, first, "a repeat names the first event");
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(app.sim_calls_to("POST", EXECUTIONS).await.len(), 1);
    assert_eq!(repeats_of(&app, &first).await, 1);

    let (_, _, other) = post_keyed(&app, &body, Some("order-2")).await;
    assert_ne!(other, first, "another key is another event");
    assert_eq!(app.wait_for_final(&other).await["status"], "succeeded");
    assert_eq!(app.sim_calls_to("POST", EXECUTIONS).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_repeat_lookup_off_a_repeat_is_published_and_the_worker_counts_it() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(|settings| settings.ingress.repeat_lookup = false)),
        ..AppOptions::default()
    })
    .await;
    let body = json!({"sessionId": "s-nolookup", "userId": "u", "text": "agent please"});

    let (status, replayed, first) = post_keyed(&app, &body, Some("order-9")).await;
    assert_eq!((status, replayed), (202, None));
    assert_eq!(app.wait_for_final(&first).await["status"], "succeeded");

    // The event is recorded, but the ingress does not look: the repeat is published as a copy
    // (no Idempotent-Replayed), and the worker that takes it counts it without a second call.
    let (status, replayed, second) = post_keyed(&app, &body, Some("order-9")).await;
    assert_eq!((status, replayed), (202, None));
    assert_eq!(second, first, "a repeat still names the first event");
    cxrelay_tests::wait::until(
        "the worker to count the repeat",
        cxrelay_tests::app::PATIENCE,
        || {
            let app = &app;
            let first = first.clone();
            async move { (repeats_of(app, &first).await == 1).then_some(()) }
        },
    )
    .await;
    assert_eq!(app.sim_calls_to("POST", EXECUTIONS).await.len(), 1);
    let event = app.wait_for_final(&first).await;
    assert_eq!(event["status"], "succeeded");
    assert_eq!(event["attempts"], 1, "the copy made no attempt: {event}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_repeats_are_carried_out_once_and_each_repeat_is_counted() {
    let app = spawn_app(AppOptions::default()).await;
    let body = json!({"sessionId": "s-burst", "userId": "u", "text": "agent please"});
    const COPIES: usize = 12;

    let answers =
        futures::future::join_all((0..COPIES).map(|_| post_keyed(&app, &body, Some("burst-1"))))
            .await;
    let ids: Vec<&String> = answers.iter().map(|(_, _, id)| id).collect();
    assert!(answers.iter().all(|(status, _, _)| *status == 202));
    assert!(ids.iter().all(|id| *id == ids[0]), "one event id: {ids:?}");
    assert_eq!(app.wait_for_final(ids[0]).await["status"], "succeeded");

    // Copies published before the event was recorded are recognised by the worker; wait
    // until every copy has been seen, one way or the other.
    let event_id = ids[0].clone();
    cxrelay_tests::wait::until(
        "every repeat to be counted",
        cxrelay_tests::app::PATIENCE,
        || {
            let app = &app;
            let event_id = event_id.clone();
            async move { (repeats_of(app, &event_id).await == (COPIES - 1) as i32).then_some(()) }
        },
    )
    .await;
    assert_eq!(app.sim_calls_to("POST", EXECUTIONS).await.len(), 1);
    let successes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM attempts WHERE event_id = $1::uuid AND outcome = 'success'",
    )
    .bind(&event_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(successes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cognigy_inputs_and_genesys_end_events_are_recognised_by_their_natural_keys() {
    let app = spawn_app(AppOptions::default()).await;
    let input = json!({"sessionId": "s-nat", "userId": "u", "text": "help", "inputId": "in-77"});
    let (_, _, first) = post_keyed(&app, &input, None).await;
    app.wait_for_final(&first).await;
    let (_, replayed, again) = post_keyed(&app, &input, None).await;
    assert_eq!(again, first);
    assert_eq!(replayed.as_deref(), Some("true"));
    let mut next_input = input.clone();
    next_input["inputId"] = json!("in-78");
    let (_, _, next) = post_keyed(&app, &next_input, None).await;
    assert_ne!(next, first, "the next input of the session is a new event");
    let stored: String =
        sqlx::query_scalar("SELECT idempotency_key FROM events WHERE id = $1::uuid")
            .bind(&first)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, "natural:s-nat:in-77");

    let end = json!({
        "eventTime": 1_767_225_600_000_i64,
        "conversationId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "participantId": "9b2c0f3e-1111-4c4c-8d8d-000000000001",
        "mediaType": "MESSAGE",
    });
    let ids: Vec<String> = futures::future::join_all((0..2).map(|_| async {
        let response = app.post("/v1/genesys/conversation-events", &end).await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.unwrap();
        body["eventId"].as_str().unwrap().to_owned()
    }))
    .await;
    assert_eq!(ids[0], ids[1], "the same end reported twice is one event");
}
