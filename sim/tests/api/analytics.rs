use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::helpers::{
    assert_genesys_error, customer_and_bot, spawn_sim, spawn_sim_with, test_config, TestSim,
};

const LAG_MS: u64 = 400;

fn details_path(id: &str) -> String {
    format!("/api/v2/analytics/conversations/{id}/details")
}

/// A conversation that ended an hour ago, with a queue.
fn ended_an_hour_ago(extra: Value) -> Value {
    let start = Utc::now() - chrono::Duration::minutes(65);
    let end = Utc::now() - chrono::Duration::minutes(60);
    let mut body = json!({
        "startTime": start.to_rfc3339_opts(SecondsFormat::Millis, true),
        "endTime": end.to_rfc3339_opts(SecondsFormat::Millis, true),
        "mediaType": "message",
        "participants": [
            {"purpose": "customer"},
            {"purpose": "acd", "queueId": "q-1"},
        ],
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    body
}

async fn details_status(app: &TestSim, token: &str, id: &str) -> u16 {
    app.api_get(Some(token), &details_path(id))
        .await
        .status()
        .as_u16()
}

fn query_for(id: &str) -> Value {
    let from = (Utc::now() - chrono::Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let to = (Utc::now() + chrono::Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({
        "interval": format!("{from}/{to}"),
        "order": "asc", "orderBy": "conversationStart",
        "paging": {"pageSize": 100, "pageNumber": 1},
        "conversationFilters": [{"type": "and", "predicates": [
            {"dimension": "conversationId", "value": id}
        ]}],
    })
}

#[tokio::test]
async fn details_are_404_during_the_lag_after_the_end_and_200_once_it_passed() {
    let app = spawn_sim_with(cxrelay_sim::SimConfig {
        analytics_lag_ms: LAG_MS,
        ..test_config()
    })
    .await;
    let token = app.token().await;
    let seeded = app.seed_conversation(customer_and_bot()).await;
    let id = seeded["id"].as_str().unwrap();
    assert_eq!(details_status(&app, &token, id).await, 404, "live");
    app.end_conversation(id).await;

    let during = app.api_get(Some(&token), &details_path(id)).await;
    assert_eq!(during.status(), 404);
    let body: Value = during.json().await.unwrap();
    assert_genesys_error(&body, 404, "not.found");

    tokio::time::sleep(Duration::from_millis(LAG_MS + 100)).await;
    let after = app.api_get(Some(&token), &details_path(id)).await;
    assert_eq!(after.status(), 200);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["conversationId"], id);
    assert_eq!(body["originatingDirection"], "inbound");
    assert!(body["conversationEnd"].is_string());
    let customer = &body["participants"][0];
    assert_eq!(customer["purpose"], "customer");
    assert_eq!(customer["sessions"][0]["mediaType"], "voice");
    let segment = &customer["sessions"][0]["segments"][0];
    assert_eq!(segment["segmentType"], "interact");
    assert_eq!(segment["disconnectType"], "client");
    assert!(segment["segmentStart"].is_string() && segment["segmentEnd"].is_string());
}

#[tokio::test]
async fn details_carry_the_queue_of_a_participant_that_has_one() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let id = app.seed_conversation(ended_an_hour_ago(json!({}))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let body: Value = app
        .api_get(Some(&token), &details_path(&id))
        .await
        .json()
        .await
        .unwrap();

    let queue = &body["participants"][1];
    assert_eq!(queue["purpose"], "acd");
    assert_eq!(queue["sessions"][0]["mediaType"], "message");
    assert_eq!(queue["sessions"][0]["segments"][0]["queueId"], "q-1");
}

#[tokio::test]
async fn a_conversation_seeded_analytics_never_is_always_404() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let seeded = app
        .seed_conversation(ended_an_hour_ago(json!({"analyticsNever": true})))
        .await;
    let id = seeded["id"].as_str().unwrap();

    for _ in 0..3 {
        assert_eq!(details_status(&app, &token, id).await, 404);
    }
    let query: Value = app
        .api_post(
            Some(&token),
            "/api/v2/analytics/conversations/details/query",
            &query_for(id),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(query, json!({"totalHits": 0}));
}

#[tokio::test]
async fn the_details_query_returns_only_the_conversation_its_predicate_names() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let wanted = app.seed_conversation(ended_an_hour_ago(json!({}))).await;
    app.seed_conversation(ended_an_hour_ago(json!({}))).await;
    let id = wanted["id"].as_str().unwrap();

    let response = app
        .api_post(
            Some(&token),
            "/api/v2/analytics/conversations/details/query",
            &query_for(id),
        )
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["totalHits"], 1);
    assert_eq!(body["conversations"][0]["conversationId"], id);
    assert_eq!(
        body["conversations"][0]["participants"][1]["purpose"],
        "acd"
    );
}

#[tokio::test]
async fn a_details_query_without_an_interval_gets_400_naming_it() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let mut body = query_for("x");
    body.as_object_mut().unwrap().remove("interval");

    let response = app
        .api_post(
            Some(&token),
            "/api/v2/analytics/conversations/details/query",
            &body,
        )
        .await;

    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("interval"),
        "{error}"
    );
}

#[tokio::test]
async fn the_analytics_lag_can_be_changed_through_the_settings_route() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let id = app.seed_conversation(ended_an_hour_ago(json!({}))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(details_status(&app, &token, &id).await, 200);

    let two_hours = 2 * 60 * 60 * 1000;
    let settings = app
        .control_post("/_sim/settings", &json!({"analyticsLagMs": two_hours}), 200)
        .await;

    assert_eq!(settings["analyticsLagMs"], two_hours);
    assert_eq!(details_status(&app, &token, &id).await, 404);
    let current = app.control_get("/_sim/settings", 200).await;
    assert_eq!(current["analyticsLagMs"], two_hours);
}
