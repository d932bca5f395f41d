//! `cxrelay replay --from-dlq`: what RabbitMQ's dead-letter queue holds goes back to work when
//! it can (a recorded event is replayed, an unrecorded one delivered as new), and what cannot
//! be decoded stays there, counted with its reason.

use chrono::Utc;
use cxrelay_core::amqp::DEAD_REASON_HEADER;
use cxrelay_core::envelope::{EventEnvelope, QueueMessage};
use cxrelay_core::kinds::EventKind;
use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::cli::cxrelay;
use cxrelay_tests::{broker, spawn_app, wait, AppOptions, TestApp};
use lapin::options::{
    BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::BasicProperties;
use secrecy::SecretString;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::replay::accept;

const EXECUTIONS: &str = "/api/v2/flows/executions";

fn envelope(event_id: Uuid, session: &str) -> Vec<u8> {
    QueueMessage::current(EventEnvelope {
        event_id,
        kind: EventKind::CognigyFallback,
        received_at: Utc::now(),
        request_id: Some(format!("req-{session}")),
        idempotency_key: None,
        attempt: 3,
        generation: 0,
        source: None,
        key_name: None,
        payload: json!({"sessionId": session, "userId": "u", "text": "help"}),
    })
    .to_bytes()
}

/// Puts `body` in the dead-letter queue as if it had been dead-lettered for `reason`.
async fn dead_letter(app: &TestApp, channel: &lapin::Channel, body: &[u8], header: (&str, &str)) {
    let mut headers = FieldTable::default();
    headers.insert(header.0.into(), AMQPValue::LongString(header.1.into()));
    let confirm = channel
        .basic_publish(
            app.topology.dead_letter_exchange().into(),
            "".into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default()
                .with_delivery_mode(2)
                .with_headers(headers),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack());
}

async fn depth_becomes(app: &TestApp, depth: u32) {
    let queue = app.topology.dead_letter_queue();
    wait::until(
        &format!("{depth} messages in {queue}"),
        PATIENCE,
        || async { (broker::queue_depth(&queue).await == depth).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dead_letter_queue_goes_back_to_work_except_what_cannot_be_decoded() {
    let app = spawn_app(AppOptions::default()).await;
    app.inject_fault(&json!({"method": "POST", "path": EXECUTIONS, "status": 400, "times": 1}))
        .await;
    let recorded = accept(
        &app,
        &json!({"sessionId": "s-rec", "userId": "u", "text": "help"}),
    )
    .await;
    assert_eq!(app.wait_for_final(&recorded).await["status"], "dead");
    let unrecorded = Uuid::now_v7();

    let connection =
        cxrelay_core::amqp::connect(&SecretString::from(broker::amqp_url()), "cxrelay-test")
            .await
            .unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let over_the_limit = ("x-first-death-reason", "delivery_limit");
    dead_letter(
        &app,
        &channel,
        &envelope(recorded.parse().unwrap(), "s-rec"),
        over_the_limit,
    )
    .await;
    dead_letter(
        &app,
        &channel,
        &envelope(unrecorded, "s-new"),
        over_the_limit,
    )
    .await;
    dead_letter(
        &app,
        &channel,
        b"{\"version\":\"1\",\"garbled\":true}",
        (DEAD_REASON_HEADER, "undecodable: missing field `eventId`"),
    )
    .await;
    depth_becomes(&app, 3).await;

    let dry = cxrelay(
        &app.settings,
        &[
            "replay",
            "--from-dlq",
            "--dry-run",
            "--reason",
            "what is in there?",
            "--operator",
            "carol",
            "--format",
            "json",
        ],
    )
    .await
    .json();
    assert_eq!(
        (
            &dry["source"],
            &dry["selected"],
            &dry["replayed"],
            &dry["freshDeliveries"]
        ),
        (&json!("dead-letter-queue"), &json!(3), &json!(1), &json!(1)),
        "{dry}"
    );
    depth_becomes(&app, 3).await;
    assert_eq!(app.get_event(&unrecorded.to_string()).await.status(), 404);

    let moved = cxrelay(
        &app.settings,
        &[
            "replay",
            "--from-dlq",
            "--reason",
            "broker incident INC-9",
            "--operator",
            "carol",
            "--format",
            "json",
        ],
    )
    .await
    .json();
    assert_eq!(
        (
            &moved["replayed"],
            &moved["freshDeliveries"],
            &moved["undecodable"]
        ),
        (
            &json!(1),
            &json!(1),
            &json!({"undecodable: missing field `eventId`": 1})
        ),
        "{moved}"
    );
    let recorded_now = app.wait_for_final(&recorded).await;
    assert_eq!(recorded_now["status"], "succeeded", "{recorded_now}");
    let fresh = app.wait_for_final(&unrecorded.to_string()).await;
    assert_eq!(fresh["status"], "succeeded", "{fresh}");
    let generations: Vec<(Uuid, i32)> =
        sqlx::query_as("SELECT id, generation FROM events ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let mut expected = vec![(recorded.parse().unwrap(), 1), (unrecorded, 0)];
    expected.sort();
    assert_eq!(generations, expected);

    // The undecodable message stayed, reason and all.
    depth_becomes(&app, 1).await;
    let kept = channel
        .basic_get(
            app.topology.dead_letter_queue().into(),
            BasicGetOptions::default(),
        )
        .await
        .unwrap()
        .unwrap();
    let reason = kept
        .delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get(DEAD_REASON_HEADER).cloned());
    assert_eq!(
        reason,
        Some(AMQPValue::LongString(
            "undecodable: missing field `eventId`".into()
        ))
    );
    kept.delivery
        .nack(BasicNackOptions {
            requeue: true,
            ..BasicNackOptions::default()
        })
        .await
        .unwrap();
    let _ = connection.close(200, "done".into()).await;

    let audit: Vec<(Option<Uuid>, String, String, Value)> = sqlx::query_as(
        "SELECT event_id, actor, action, detail FROM audit_log
          WHERE action IN ('replay', 'event.replayed') ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let fresh_rows: Vec<&Value> = audit
        .iter()
        .filter(|(id, _, action, _)| action == "event.replayed" && *id == Some(unrecorded))
        .map(|(_, _, _, detail)| detail)
        .collect();
    assert_eq!(fresh_rows.len(), 1);
    assert_eq!(fresh_rows[0]["fresh"], true);
    let (_, actor, _, run) = audit.last().unwrap();
    assert_eq!(actor, "carol");
    assert_eq!(run["source"], "dead-letter-queue");
    assert_eq!(run["selection"], "deadLetterQueue");
    assert_eq!(
        run["undecodable"],
        json!({"undecodable: missing field `eventId`": 1})
    );
}
