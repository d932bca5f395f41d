use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::{spawn_app, wait, AppOptions};
use futures::StreamExt;
use serde_json::{json, Value};

/// Events posted at once.
const EVENTS: usize = 1_000;
/// Requests in flight at once.
const IN_FLIGHT: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_events_all_succeed_with_one_execution_each_and_few_tokens() {
    let app = spawn_app(AppOptions::default()).await;
    let statuses: Vec<(u16, Option<String>)> = futures::stream::iter(0..EVENTS)
        .map(|i| {
            let app = &app;
            async move {
                let body = json!({"sessionId": format!("session-{i}"), "userId": format!("user-{i}"), "text": "agent please"});
                let response = app.post_fallback(&body).await;
                let status = response.status().as_u16();
                let id = response.json::<Value>().await.ok().and_then(|b| b["eventId"].as_str().map(str::to_owned));
                (status, id)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    assert!(
        statuses.iter().all(|(status, _)| *status == 202),
        "not all accepted"
    );
    let mut ids: Vec<String> = statuses.into_iter().filter_map(|(_, id)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), EVENTS, "every event has its own id");

    let succeeded = wait::until("all events to succeed", PATIENCE * 4, || async {
        let (succeeded, total): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FROM events",
        )
        .fetch_one(&app.db)
        .await
        .ok()?;
        (succeeded == EVENTS as i64 || total > EVENTS as i64).then_some(succeeded)
    })
    .await;
    assert_eq!(succeeded, EVENTS as i64);

    let executions = app.sim_calls_to("POST", "/api/v2/flows/executions").await;
    assert_eq!(
        executions.len(),
        EVENTS,
        "exactly one flow execution per event"
    );
    let mut sessions: Vec<&str> = executions
        .iter()
        .map(|c| {
            c["body"]["inputData"]["Flow.cognigySessionId"]
                .as_str()
                .unwrap()
        })
        .collect();
    sessions.sort_unstable();
    sessions.dedup();
    assert_eq!(
        sessions.len(),
        EVENTS,
        "each event's own session reached Genesys"
    );
    let tokens = app.sim_calls_to("POST", "/oauth/token").await.len();
    assert!(tokens < 3, "{tokens} token requests for {EVENTS} events");
    let (attempts,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM attempts WHERE outcome = 'success'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(attempts, EVENTS as i64);
}
