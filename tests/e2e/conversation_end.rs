use std::sync::Arc;

use cxrelay_tests::crm_receiver::CrmReceiver;
use cxrelay_tests::{spawn_app, AppOptions, TestApp};
use secrecy::SecretString;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const ROUTE: &str = "/v1/genesys/conversation-events";
const CRM_SECRET: &str = "crm-shared-secret-9";

/// The trigger's top-level fields, as the workflow's data action sends them (numbers as text).
fn end_event(conversation: &str) -> Value {
    json!({"eventTime": chrono::Utc::now().timestamp_millis().to_string(), "conversationId": conversation,
           "disconnectType": "client", "mediaType": "MESSAGE", "direction": "inbound"})
}

async fn ended_conversation(app: &TestApp, analytics_never: bool) -> String {
    let conversation = app
        .sim_post(
            "/_sim/genesys/conversations",
            &json!({"mediaType": "message", "analyticsNever": analytics_never, "participants": [
                {"purpose": "customer", "state": "connected"},
                {"purpose": "acd", "state": "connected", "queueId": "0d3b2a1c-9999-4a4a-9b9b-000000000009"},
            ]}),
        )
        .await;
    let id = conversation["id"].as_str().unwrap().to_owned();
    app.sim_post(&format!("/_sim/genesys/conversations/{id}/end"), &json!({}))
        .await;
    id
}

/// HMAC-SHA256 written out from its definition (RFC 2104), to check cxrelay's signature
/// without sharing its code.
fn plain_hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner_key: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let outer_key: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::digest([inner_key.as_slice(), message].concat());
    hex::encode(Sha256::digest(
        [outer_key.as_slice(), inner.as_slice()].concat(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_analytics_are_waited_for_then_metrics_are_stored_and_the_crm_gets_a_signed_summary(
) {
    let crm = Arc::new(CrmReceiver::start().await);
    let url = crm.url.clone();
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(move |settings| {
            settings.crm.webhook_url = Some(url.parse().unwrap());
            settings.crm.webhook_secret = Some(SecretString::from(CRM_SECRET));
        })),
        ..AppOptions::default()
    })
    .await;
    app.sim_post("/_sim/settings", &json!({"analyticsLagMs": 600}))
        .await;
    app.seed_endpoint(true, cxrelay_tests::app::SNAPSHOT_ID)
        .await;
    let conversation = ended_conversation(&app, false).await;
    let bot_session = app
        .post_and_finish(
            "/v1/genesys/bot-sessions",
            &json!({"userId": "caller", "text": "hi", "conversationId": conversation}),
        )
        .await;
    assert_eq!(bot_session["status"], "succeeded", "{bot_session}");

    let event = app.post_and_finish(ROUTE, &end_event(&conversation)).await;
    assert_eq!(event["status"], "succeeded", "{event}");
    assert!(
        event["attempts"].as_i64().unwrap() >= 2,
        "analytics lagged, so it was retried: {event}"
    );
    assert_eq!(
        event["result"]["sessionsEnded"], 1,
        "the first delivery ended the session; the last one still counts it: {event}"
    );
    let (status, ended_by): (String, Option<uuid::Uuid>) =
        sqlx::query_as("SELECT status, ended_by FROM sessions WHERE conversation_id = $1")
            .bind(&conversation)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "ended");
    assert_eq!(
        ended_by.map(|id| id.to_string()).as_deref(),
        event["eventId"].as_str()
    );
    let path = format!("/api/v2/analytics/conversations/{conversation}/details");
    let reads = app.sim_calls_to("GET", &path).await;
    assert!(
        reads.len() >= 2,
        "first read found nothing yet: {}",
        reads.len()
    );

    let (queues, segments, disconnect): (Vec<String>, i32, Option<String>) = sqlx::query_as(
        "SELECT queue_ids, segment_count, disconnect_type FROM conversation_metrics WHERE conversation_id = $1",
    )
    .bind(&conversation)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(queues, ["0d3b2a1c-9999-4a4a-9b9b-000000000009"]);
    assert!(segments >= 2);
    assert_eq!(disconnect.as_deref(), Some("client"));

    let received = crm.received();
    assert_eq!(received.len(), 1, "one summary");
    let request = &received[0];
    let timestamp = &request.headers["x-cxrelay-timestamp"];
    let signed = [timestamp.as_bytes(), b".", request.body.as_slice()].concat();
    let expected = format!(
        "sha256={}",
        plain_hmac_sha256(CRM_SECRET.as_bytes(), &signed)
    );
    assert_eq!(request.headers["x-cxrelay-signature"], expected);
    let summary: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(summary["conversationId"], conversation.as_str());
    assert_eq!(summary["sessionsEnded"], 1, "{summary}");
    assert!(!String::from_utf8_lossy(&request.body).contains(CRM_SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_that_never_come_end_dead_after_the_configured_wait() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(|settings| {
            settings.genesys.analytics_max_wait_secs = 1
        })),
        ..AppOptions::default()
    })
    .await;
    let conversation = ended_conversation(&app, true).await;
    let event = app.post_and_finish(ROUTE, &end_event(&conversation)).await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("dead"), Some("analytics_unavailable")),
        "{event}"
    );
    let reads = app
        .sim_calls_to(
            "GET",
            &format!("/api/v2/analytics/conversations/{conversation}/details"),
        )
        .await;
    assert!(
        reads.len() >= 2,
        "it was retried before giving up: {}",
        reads.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversations_bot_session_is_ended() {
    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(true, cxrelay_tests::app::SNAPSHOT_ID)
        .await;
    let conversation = ended_conversation(&app, false).await;
    let started = app
        .post_and_finish(
            "/v1/genesys/bot-sessions",
            &json!({"userId": "caller", "text": "hi", "conversationId": conversation}),
        )
        .await;
    assert_eq!(started["status"], "succeeded", "{started}");
    let event = app.post_and_finish(ROUTE, &end_event(&conversation)).await;
    assert_eq!(event["result"]["sessionsEnded"], 1, "{event}");
    let (status,): (String,) =
        sqlx::query_as("SELECT status FROM sessions WHERE conversation_id = $1")
            .bind(&conversation)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "ended");
}
