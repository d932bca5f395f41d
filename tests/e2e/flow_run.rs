use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cxrelay_tests::app::{ENDPOINT, SNAPSHOT_ID};
use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::{json, Value};

const ROUTE: &str = "/v1/cognigy/flow-runs";

fn turn(session: &str, text: &str) -> Value {
    json!({"endpoint": ENDPOINT, "expectedSnapshot": SNAPSHOT_ID, "userId": "u-1", "sessionId": session, "text": text})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_on_the_live_snapshot_succeeds_and_the_endpoint_check_is_cached() {
    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(true, SNAPSHOT_ID).await;
    for text in ["hello", "again"] {
        let event = app.post_and_finish(ROUTE, &turn("s-1", text)).await;
        assert_eq!(event["status"], "succeeded", "{event}");
        assert_eq!(event["result"]["sessionId"], "s-1");
        assert_eq!(event["result"]["sessionRenewed"], false);
    }
    let checks = app
        .sim_calls_to(
            "GET",
            &format!("/new/v2.0/endpoints/{}", cxrelay_tests::app::ENDPOINT_ID),
        )
        .await;
    assert_eq!(
        checks.len(),
        1,
        "the second turn used the cached Endpoint answer"
    );
    let (turns,): (i32,) =
        sqlx::query_as("SELECT turns FROM sessions WHERE kind = 'cognigy' AND session_key = 's-1'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(turns, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inactive_endpoint_or_another_snapshot_is_dead_before_any_turn() {
    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(true, "65aa0000000000000000ffff").await;
    let wrong = app.post_and_finish(ROUTE, &turn("s-2", "hi")).await;
    assert_eq!(
        (wrong["status"].as_str(), wrong["reason"].as_str()),
        (Some("dead"), Some("snapshot_not_live")),
        "{wrong}"
    );
    let detail = wrong["lastError"].as_str().unwrap();
    assert!(
        detail.contains(SNAPSHOT_ID) && detail.contains("65aa0000000000000000ffff"),
        "{detail}"
    );

    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(false, SNAPSHOT_ID).await;
    let inactive = app.post_and_finish(ROUTE, &turn("s-3", "hi")).await;
    assert_eq!(inactive["reason"], "endpoint_inactive", "{inactive}");
    assert!(app
        .sim_calls()
        .await
        .iter()
        .all(|c| !c["path"].as_str().unwrap().starts_with("/endpoint/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_for_an_expired_session_starts_a_new_one_and_says_so() {
    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(true, SNAPSHOT_ID).await;
    assert_eq!(
        app.post_and_finish(ROUTE, &turn("s-old", "first")).await["status"],
        "succeeded"
    );
    sqlx::query(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE session_key = 's-old'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let event = app
        .post_and_finish(ROUTE, &turn("s-old", "back again"))
        .await;
    assert_eq!(event["result"]["sessionRenewed"], true, "{event}");
    assert_eq!(event["result"]["previousSessionId"], "s-old");
    let new_session = event["result"]["sessionId"].as_str().unwrap();
    assert_ne!(new_session, "s-old");
    let (old_status,): (String,) =
        sqlx::query_as("SELECT status FROM sessions WHERE session_key = 's-old'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(old_status, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turns_of_one_session_reach_cognigy_in_acceptance_order_with_two_workers() {
    let app = spawn_app(AppOptions {
        workers: 2,
        ..AppOptions::default()
    })
    .await;
    app.seed_endpoint(true, SNAPSHOT_ID).await;
    const TURNS: usize = 12;
    // Each turn is accepted (202) before the next is sent, so acceptance order is known; they
    // are then carried out while later ones are still arriving. The first is slow at Cognigy:
    // a worker that ran turns of a session concurrently would send the second meanwhile.
    let mut ids = Vec::new();
    for i in 0..TURNS {
        let mut body = turn("s-order", &format!("turn-{i}"));
        if i == 0 {
            body["data"] = json!({"simDelayMs": 300});
        }
        let response = app.post(ROUTE, &body).await;
        assert_eq!(response.status(), 202);
        ids.push(
            response.json::<Value>().await.unwrap()["eventId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for id in &ids {
        assert_eq!(app.wait_for_final(id).await["status"], "succeeded");
    }
    let session: Value = app
        .http
        .get(format!(
            "{}/_sim/cognigy/sessions/s-order",
            app.sim.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let inputs = session["inputs"].as_array().unwrap();
    let texts: Vec<&str> = inputs.iter().map(|i| i["text"].as_str().unwrap()).collect();
    let expected: Vec<String> = (0..TURNS).map(|i| format!("turn-{i}")).collect();
    assert_eq!(texts, expected);
    let at = |i: usize| {
        inputs[i]["at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap()
    };
    let gap = (at(1) - at(0)).to_std().unwrap();
    assert!(
        gap >= Duration::from_millis(300),
        "turn 1 was sent {gap:?} after turn 0, before its answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_cognigy_management_api_a_flow_run_is_dead_not_configured_and_calls_nothing() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(|settings| {
            settings.cognigy.api_base_url = None;
            settings.cognigy.api_key = None;
        })),
        ..AppOptions::default()
    })
    .await;
    app.seed_endpoint(true, SNAPSHOT_ID).await;
    let event = app.post_and_finish(ROUTE, &turn("s-4", "hi")).await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("dead"), Some("not_configured")),
        "{event}"
    );
    let detail = event["lastError"].as_str().unwrap();
    assert!(
        detail.contains("CXRELAY_COGNIGY__API_BASE_URL")
            && detail.contains("CXRELAY_COGNIGY__API_KEY"),
        "{detail}"
    );
    assert_eq!(event["calls"], json!([]), "no call was made: {event}");
    let (attempt_rows,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM attempts WHERE event_id = $1::uuid")
            .bind(event["eventId"].as_str().unwrap())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(attempt_rows, 0);
    let cognigy_calls: Vec<Value> = app
        .sim_calls()
        .await
        .into_iter()
        .filter(|c| {
            let path = c["path"].as_str().unwrap();
            path.starts_with("/new/") || path.starts_with("/endpoint/")
        })
        .collect();
    assert_eq!(cognigy_calls, Vec::<Value>::new());
}
