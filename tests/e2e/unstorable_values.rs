//! Values Postgres cannot hold (a NUL character; form bytes that are not UTF-8), on both layers:
//! the ingress refuses them with a 422 naming field and rule and enqueues nothing; a message
//! that reaches the queue without the ingress still ends in a row of its own, dead
//! `database_refused` with its payload kept, once, and a replay ends the same way, not in a loop;
//! a vendor's answer holding a NUL is recorded with the character replaced.

use std::sync::Arc;

use chrono::Utc;
use cxrelay_core::envelope::EventEnvelope;
use cxrelay_core::kinds::{EventKind, Target};
use cxrelay_tests::app::API_KEY;
use cxrelay_tests::broker::{drain_envelopes, publish_envelope, queue_depth};
use cxrelay_tests::cli::cxrelay;
use cxrelay_tests::{spawn_app, wait, AppOptions, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

const FORM: &str = "application/x-www-form-urlencoded";
const C: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const P: &str = "9b2f1c44-0d6e-4c1a-8f4e-2a7d5e3c1b90";

async fn post(app: &TestApp, route: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.http
        .post(format!("{}{route}", app.public_url))
        .header("x-api-key", API_KEY)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Every envelope waiting in the work queues, taken out.
async fn drain_all(app: &TestApp) -> Vec<EventEnvelope> {
    let mut envelopes = Vec::new();
    for target in Target::ALL {
        envelopes.extend(drain_envelopes(&app.topology.work_queue(target)).await);
    }
    envelopes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_character_or_a_form_byte_that_is_not_utf8_is_a_422_on_every_route_and_nothing_is_enqueued(
) {
    // No worker: whatever is published stays in the queues, where this test counts it.
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    // Route, a JSON body with a NUL (as the escape \u0000), the field named, a form body with
    // one, the field named.
    let cases: Vec<(&str, String, &str, String, &str)> = vec![
        (
            "/v1/cognigy/fallback",
            r#"{"sessionId":"s-1","userId":"u-1","text":"a\u0000b"}"#.to_owned(),
            "text",
            "sessionId=s-1&userId=u-1&text=a%00b".to_owned(),
            "text",
        ),
        (
            "/v1/cognigy/bot-failure",
            format!(r#"{{"conversationId":"{C}","participantId":"{P}","reason":"x\u0000"}}"#),
            "reason",
            format!("conversationId={C}&participantId={P}&reason%00=x"),
            "$[\"reason\\u0000\"]",
        ),
        (
            "/v1/genesys/bot-sessions",
            r#"{"user_id":"caller-1","text":"hi","variables":{"vip\u0000":"true"}}"#.to_owned(),
            "variables[\"vip\\u0000\"]",
            "user_id=caller-1&text=hi&variables[vip]=%00".to_owned(),
            "variables.vip",
        ),
        (
            "/v1/cognigy/flow-runs",
            r#"{"endpoint":"support","userId":"u-1","text":"t","data":{"cart":["ok","\u0000"]}}"#
                .to_owned(),
            "data.cart[1]",
            "endpoint=support&userId=u-1&text=t&data[cart][]=%00".to_owned(),
            "data.cart[]",
        ),
        (
            "/v1/genesys/virtual-agent-sessions",
            r#"{"botId":"b-1","toAddress":"+15550100\u0000","toAddressMessengerType":"open","text":"Hi"}"#
                .to_owned(),
            "toAddress",
            "botId=b-1&toAddress=%2B15550100&toAddressMessengerType=open&text=H%00i".to_owned(),
            "text",
        ),
        (
            "/v1/genesys/conversation-events",
            format!(r#"{{"eventTime":1767225600000,"conversationId":"{C}","ani":"\u0000"}}"#),
            "ani",
            format!("eventTime=1767225600000&conversationId={C}&dnis=%00"),
            "dnis",
        ),
    ];
    for (route, json_body, json_field, form_body, form_field) in &cases {
        for (content_type, body, field) in [
            ("application/json", json_body, json_field),
            (FORM, form_body, form_field),
        ] {
            let response = post(&app, route, content_type, body.clone().into_bytes()).await;
            assert_eq!(response.status(), 422, "{route} {content_type}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(
                (problem["field"].as_str(), problem["rule"].as_str()),
                (Some(*field), Some("nul_character")),
                "{route} {content_type}: {problem}"
            );
            assert!(
                problem["detail"].as_str().unwrap().contains("U+0000"),
                "{problem}"
            );
        }
    }
    // A form byte that is not UTF-8 would have become U+FFFD, a value nobody sent.
    let response = post(
        &app,
        "/v1/cognigy/fallback",
        FORM,
        b"sessionId=s-1&userId=u-1&text=caf%E9".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        (&problem["field"], &problem["rule"]),
        (&json!("text"), &json!("utf8"))
    );

    // One valid event, so that the count below can see what was published.
    let response = post(
        &app,
        "/v1/cognigy/fallback",
        FORM,
        b"sessionId=s-1&userId=u-1&text=caf%C3%A9".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 202);
    let enqueued = drain_all(&app).await;
    assert_eq!(
        enqueued.len(),
        1,
        "sent 13 refused requests and 1 valid one; enqueued: {enqueued:?}"
    );
    assert_eq!(enqueued[0].payload["text"], "café");
}

/// A fallback envelope as the ingress would publish it, with a NUL in a string, a key and the
/// idempotency key: what a publisher other than the ingress could put in the queue.
fn envelope_with_nul() -> EventEnvelope {
    let payload: Value = serde_json::from_str(
        r#"{"sessionId":"s-nul","userId":"u-1","text":"a\u0000b","data":{"k\u0000":"v"}}"#,
    )
    .unwrap();
    EventEnvelope {
        event_id: Uuid::now_v7(),
        kind: EventKind::CognigyFallback,
        received_at: Utc::now(),
        request_id: Some("req-nul".into()),
        idempotency_key: Some("key\u{0}1".into()),
        attempt: 0,
        generation: 0,
        source: Some("cognigy".into()),
        key_name: Some("default".into()),
        payload,
    }
}

type Refused = (
    String,
    Option<String>,
    i32,
    i32,
    Value,
    Option<Vec<u8>>,
    Option<String>,
);

async fn refused_row(app: &TestApp, id: Uuid) -> Refused {
    sqlx::query_as(
        "SELECT status, reason, attempts, generation, payload, payload_raw, idempotency_key
           FROM events WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_with_a_nul_that_bypasses_the_ingress_is_recorded_dead_once_and_a_replay_ends_the_same_way(
) {
    let app = spawn_app(AppOptions::default()).await;
    let sent = envelope_with_nul();
    let id = sent.event_id;
    publish_envelope(&app.topology.work_queue(Target::Genesys), sent.clone()).await;

    let event = app.wait_for_final(&id.to_string()).await;
    assert_eq!(
        (&event["status"], &event["reason"], &event["attempts"]),
        (&json!("dead"), &json!("database_refused"), &json!(1)),
        "{event}"
    );
    let last_error = event["lastError"].as_str().unwrap();
    // 22021 for the NUL of a text column, 22P05 for one in jsonb: whichever Postgres meets first.
    assert!(last_error.contains("SQLSTATE 22"), "{last_error}");
    let (status, _, attempts, _, payload, raw, key) = refused_row(&app, id).await;
    assert_eq!((status.as_str(), attempts), ("dead", 1));
    // Sent: the payload with NULs. Arrived: the same payload byte for byte in payload_raw, and
    // in payload with each NUL replaced by U+FFFD.
    let raw: Value = serde_json::from_slice(&raw.expect("payload_raw is kept")).unwrap();
    assert_eq!(raw, sent.payload);
    assert_eq!(
        payload,
        json!({"sessionId": "s-nul", "userId": "u-1", "text": "a\u{FFFD}b", "data": {"k\u{FFFD}": "v"}})
    );
    assert_eq!(key.as_deref(), Some("key\u{FFFD}1"));
    // Not carried out, and nothing left for the broker to dead-letter.
    assert!(app.sim_calls().await.is_empty());
    assert_eq!(queue_depth(&app.topology.dead_letter_queue()).await, 0);
    assert_eq!(app.queue_depth(Target::Genesys).await, 0);

    // The dead letter is listed, and a replay sends what was sent: refused again, dead again,
    // in the new generation, after one delivery.
    let listed = cxrelay(&app.settings, &["dead-letters", "--format", "json"])
        .await
        .json();
    assert!(
        listed.to_string().contains(&id.to_string()),
        "not listed: {listed}"
    );
    let replayed = cxrelay(
        &app.settings,
        &[
            "replay",
            "--kind",
            "cognigy.fallback",
            "--since",
            "1h",
            "--reason",
            "test: after the fix",
            "--operator",
            "alice",
            "--format",
            "json",
        ],
    )
    .await
    .json();
    assert_eq!(replayed["replayed"], 1, "{replayed}");
    let again = wait::until(
        "the replayed event to be dead again",
        cxrelay_tests::app::PATIENCE,
        || async {
            let row = refused_row(&app, id).await;
            (row.0 == "dead" && row.3 == 1).then_some(row)
        },
    )
    .await;
    assert_eq!((again.1.as_deref(), again.2), (Some("database_refused"), 2));
    assert_eq!(
        serde_json::from_slice::<Value>(&again.5.unwrap()).unwrap(),
        sent.payload
    );
    let dead_audits: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE event_id = $1 AND action = 'event.dead'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(dead_audits, 2);
    assert!(app.sim_calls().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_a_vendor_answer_is_recorded_with_the_character_replaced_not_retried_for_ever() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(|settings| {
            settings.worker.retry_delays_ms = vec![100];
        })),
        ..AppOptions::default()
    })
    .await;
    // Genesys refuses the launch with a message holding a NUL: a permanent 400.
    app.inject_fault(&json!({
        "method": "POST", "path": "/api/v2/flows/executions", "status": 400,
        "code": "bad.request", "message": "flow input \u{0} refused",
    }))
    .await;
    let event = app
        .post_and_finish(
            "/v1/cognigy/fallback",
            &json!({"sessionId": "s-1", "userId": "u-1", "text": "help"}),
        )
        .await;
    assert_eq!(
        (
            &event["status"],
            &event["attempts"],
            &event["lastHttpStatus"]
        ),
        (&json!("dead"), &json!(1), &json!(400)),
        "{event}"
    );
    let id: Uuid = event["eventId"].as_str().unwrap().parse().unwrap();
    let message: Option<String> =
        sqlx::query_scalar("SELECT error_message FROM attempts WHERE event_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(message.as_deref(), Some("flow input \u{FFFD} refused"));
    let last_error = event["lastError"].as_str().unwrap();
    assert!(!last_error.contains('\0'), "{last_error}");
}
