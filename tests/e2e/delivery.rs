use cxrelay_tests::app::{FLOW_ID, SNAPSHOT_ID, URL_TOKEN};
use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallback_event_succeeds_with_one_attempt_one_token_and_the_mapped_flow_input() {
    let app = spawn_app(AppOptions::default()).await;
    let body = json!({
        "sessionId": "session-42", "userId": "user-7", "text": "I need a person",
        "intent": null, "intentScore": 0.12, "language": "en-GB", "channel": "webchat3",
        "data": {"plan": "gold"}
    });

    let response = app.post_fallback(&body).await;
    assert_eq!(response.status(), 202);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let accepted: Value = response.json().await.unwrap();
    let event_id = accepted["eventId"]
        .as_str()
        .expect("eventId in the 202 body")
        .to_owned();

    let event = app.wait_for_final(&event_id).await;
    assert_eq!(event["status"], "succeeded", "{event}");
    assert_eq!(event["kind"], "cognigy.fallback");
    assert_eq!(event["requestId"], request_id.as_str());
    assert_eq!(event["attempts"], 1);
    assert_eq!(event["calls"].as_array().unwrap().len(), 1);
    assert_eq!(event["calls"][0]["outcome"], "success");
    assert_eq!(event["calls"][0]["httpStatus"], 200);
    assert!(event["calls"][0]["correlationId"].is_string());

    let tokens = app.sim_calls_to("POST", "/oauth/token").await;
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0]["headers"]["authorization"]
        .as_str()
        .unwrap()
        .starts_with("Basic "));
    let executions = app.sim_calls_to("POST", "/api/v2/flows/executions").await;
    assert_eq!(executions.len(), 1);
    let sent = &executions[0]["body"];
    assert_eq!(sent["flowId"], FLOW_ID);
    assert_eq!(
        sent["inputData"],
        json!({
            "Flow.cognigySessionId": "session-42", "Flow.cognigyUserId": "user-7",
            "Flow.userText": "I need a person", "Flow.language": "en-GB", "Flow.intentScore": 0.12
        })
    );
    let execution_id = event["result"]["flowExecutionId"]
        .as_str()
        .expect("flowExecutionId stored");
    assert!(
        uuid::Uuid::parse_str(execution_id).is_ok(),
        "{execution_id}"
    );

    // One attempt row in Postgres: no URLToken, so nobody is notified.
    let (attempt_rows,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM attempts WHERE event_id = $1::uuid")
            .bind(&event_id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(attempt_rows, 1);
    assert_eq!(event["result"]["notified"], "no URLToken in the event");
    let (audit_actions,): (Vec<String>,) = sqlx::query_as(
        "SELECT array_agg(action ORDER BY id) FROM audit_log WHERE event_id = $1::uuid",
    )
    .bind(&event_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audit_actions, ["event.processing", "event.succeeded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_event_id_is_404_and_a_malformed_one_is_400() {
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let unknown = app.get_event("0191c7a6-0000-7000-8000-000000000000").await;
    assert_eq!(unknown.status(), 404);
    let malformed = app.get_event("not-a-uuid").await;
    assert_eq!(malformed.status(), 400);
    let problem: Value = malformed.json().await.unwrap();
    assert_eq!(problem["field"], "id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fallback_with_a_url_token_notifies_the_user_and_never_stores_the_token() {
    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(true, SNAPSHOT_ID).await;
    let body = json!({"sessionId": "session-n", "userId": "user-n", "text": "human please", "URLToken": URL_TOKEN});
    let event = app.post_and_finish("/v1/cognigy/fallback", &body).await;
    assert_eq!(event["status"], "succeeded", "{event}");
    assert_eq!(event["result"]["notified"], true, "{event}");
    let calls = event["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1]["operation"], "cognigy.endpoint.notify");

    let notifies = app.sim_calls_to("POST", "/new/v2.0/endpoint/notify").await;
    assert_eq!(notifies.len(), 1);
    let execution_id = event["result"]["flowExecutionId"].as_str().unwrap();
    let text = notifies[0]["body"]["text"].as_str().unwrap();
    assert!(
        text.contains(execution_id),
        "the template names the flow execution: {text}"
    );
    assert_eq!(notifies[0]["body"]["sessionId"], "session-n");

    let stored: (Value, Value) = sqlx::query_as(
        "SELECT e.payload, coalesce(jsonb_agg(a.detail), '[]') FROM events e
           LEFT JOIN audit_log a ON a.event_id = e.id WHERE e.id = $1::uuid GROUP BY e.payload",
    )
    .bind(event["eventId"].as_str().unwrap())
    .fetch_one(&app.db)
    .await
    .unwrap();
    let stored = format!("{stored:?}");
    assert!(
        !stored.contains(URL_TOKEN),
        "the URLToken reached Postgres: {stored}"
    );
    assert!(
        !event.to_string().contains(URL_TOKEN),
        "the URLToken reached the status API"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_notify_after_a_launched_flow_leaves_the_launch_as_the_events_last_status() {
    let app = spawn_app(AppOptions::default()).await;
    app.seed_endpoint(true, SNAPSHOT_ID).await;
    app.inject_fault(
        &json!({"method": "POST", "path": "/new/v2.0/endpoint/notify", "status": 500, "times": 1}),
    )
    .await;
    let body = json!({"sessionId": "session-f", "userId": "user-f", "text": "human please", "URLToken": URL_TOKEN});
    let event = app.post_and_finish("/v1/cognigy/fallback", &body).await;
    assert_eq!(event["status"], "succeeded", "{event}");
    let notified = event["result"]["notified"].as_str().unwrap();
    assert!(notified.contains("HTTP 500"), "{event}");
    assert_eq!(event["lastHttpStatus"], 200, "the launch's status: {event}");
    assert_eq!(event["lastErrorCode"], Value::Null, "{event}");
    let statuses: Vec<(String, Value)> = event["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["operation"].as_str().unwrap().to_owned(),
                c["httpStatus"].clone(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("genesys.flows.executions.create".to_owned(), json!(200)),
            ("cognigy.endpoint.notify".to_owned(), json!(500))
        ],
        "the calls keep their order"
    );
    let (audited,): (Value,) = sqlx::query_as(
        "SELECT detail FROM audit_log WHERE event_id = $1::uuid AND action = 'event.succeeded'",
    )
    .bind(event["eventId"].as_str().unwrap())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited["lastHttpStatus"], 200, "{audited}");
}
