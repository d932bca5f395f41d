use cxrelay_tests::app::{SNAPSHOT_ID, URL_TOKEN};
use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::{json, Value};

const ROUTE: &str = "/v1/genesys/bot-sessions";

/// The recorded path of the Endpoint turn: the simulator keeps 4 characters of the URLToken.
fn endpoint_path() -> String {
    format!("/endpoint/{}…", &URL_TOKEN[..4])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genesys_data_action_starts_a_cognigy_session_with_its_flow_variables() {
    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(true, SNAPSHOT_ID).await;
    // The tutorial's snake_case names, as a data action would send them.
    let event = app
        .post_and_finish(
            ROUTE,
            &json!({"user_id": "caller-1", "queue_name": "Billing", "intent": "pay_bill",
                    "language": "en-US", "text": "I want to pay", "conversation_id": "c-77"}),
        )
        .await;
    assert_eq!(event["status"], "succeeded", "{event}");
    let session_id = event["result"]["sessionId"].as_str().unwrap().to_owned();
    let messages = event["result"]["messages"].as_array().unwrap();
    assert!(!messages.is_empty());
    assert!(messages[0]["text"]
        .as_str()
        .unwrap()
        .contains("I want to pay"));

    let turns = app.sim_calls_to("POST", &endpoint_path()).await;
    assert_eq!(turns.len(), 1, "{:?}", app.sim_calls().await);
    let sent = &turns[0]["body"];
    assert_eq!(sent["userId"], "caller-1");
    assert_eq!(sent["sessionId"], session_id.as_str());
    assert_eq!(sent["data"]["source"], "genesys");
    assert_eq!(sent["data"]["queueName"], "Billing");
    assert_eq!(sent["data"]["intent"], "pay_bill");

    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT t.source, t.text FROM transcripts t JOIN sessions s ON s.id = t.session_id
          WHERE s.session_key = $1 ORDER BY t.id",
    )
    .bind(&session_id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1 + messages.len(), "{rows:?}");
    assert_eq!(
        rows[0],
        ("user".to_owned(), Some("I want to pay".to_owned()))
    );
    assert!(rows[1..].iter().all(|(source, _)| source == "bot"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_endpoint_and_a_disabled_one_end_dead() {
    let app = spawn_app(AppOptions::default()).await;
    let unknown = app
        .post_and_finish(
            ROUTE,
            &json!({"userId": "u", "endpoint": "nowhere", "text": "hi"}),
        )
        .await;
    assert_eq!(
        (unknown["status"].as_str(), unknown["reason"].as_str()),
        (Some("dead"), Some("unknown_endpoint")),
        "{unknown}"
    );

    app.seed_endpoint(false, SNAPSHOT_ID).await;
    let disabled = app
        .post_and_finish(ROUTE, &json!({"userId": "u", "text": "hi"}))
        .await;
    assert_eq!(
        (disabled["status"].as_str(), disabled["reason"].as_str()),
        (Some("dead"), Some("rejected")),
        "{disabled}"
    );
    assert_eq!(disabled["lastHttpStatus"], 403);
    let stored: Value = serde_json::to_value(&disabled).unwrap();
    assert!(
        !stored.to_string().contains(URL_TOKEN),
        "the URLToken leaked into the event"
    );
}
