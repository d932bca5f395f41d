//! Which events a replay takes, by id: dead ones; a success after a replay only with force;
//! never a first-time success or an event in flight; and an event dead again after a replay
//! is a dead letter like any other. Driven through the CLI's library, in-process.

use std::time::Duration;

use cxrelay_core::replay::{Actor, NoProgress, ReplayRequest, ReplaySummary, Selection};
use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::{spawn_app, wait, AppOptions, TestApp};
use serde_json::json;
use uuid::Uuid;

use crate::replay::{accept, attempts_of};

const EXECUTIONS: &str = "/api/v2/flows/executions";

async fn replay_ids(app: &TestApp, ids: &[&str], force: bool) -> ReplaySummary {
    let request = ReplayRequest {
        selection: Selection::EventIds(ids.iter().map(|id| id.parse().unwrap()).collect()),
        reason: "ticket OPS-7".into(),
        actor: Actor {
            name: "bob".into(),
            via: "cli",
        },
        dry_run: false,
        force,
        rate_per_sec: Some(100),
        limit: None,
    };
    cxrelay_cli::replay::replay(&app.settings, &request, &NoProgress)
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, id: &str) -> Option<(String, i32)> {
    sqlx::query_as("SELECT status, generation FROM events WHERE id = $1::uuid")
        .bind(id)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

fn skipped_ids(summary: &ReplaySummary) -> Vec<(String, &'static str)> {
    let mut skipped: Vec<(String, &'static str)> = summary
        .skipped_events
        .iter()
        .map(|s| (s.event_id.to_string(), s.why.as_str()))
        .collect();
    skipped.sort();
    skipped
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_events_are_replayed_only_when_dead_and_the_rest_are_reported_with_why() {
    let app = spawn_app(AppOptions::default()).await;
    app.inject_fault(&json!({"method": "POST", "path": EXECUTIONS, "status": 400, "times": 1}))
        .await;
    let dead = accept(
        &app,
        &json!({"sessionId": "s-d", "userId": "u", "text": "help"}),
    )
    .await;
    assert_eq!(app.wait_for_final(&dead).await["reason"], "rejected");
    let succeeded = accept(
        &app,
        &json!({"sessionId": "s-ok", "userId": "u", "text": "help"}),
    )
    .await;
    assert_eq!(app.wait_for_final(&succeeded).await["status"], "succeeded");
    // Held by the simulator: the event stays `processing` for three seconds.
    app.inject_fault(&json!({"method": "POST", "path": EXECUTIONS, "delayMs": 3000, "times": 1}))
        .await;
    let held = accept(
        &app,
        &json!({"sessionId": "s-held", "userId": "u", "text": "help"}),
    )
    .await;
    wait::until("the held event in flight", PATIENCE, || async {
        (status_of(&app, &held).await?.0 == "processing").then_some(())
    })
    .await;
    let unknown = Uuid::new_v4().to_string();

    let attempts_before = attempts_of(&app.db, &dead).await;
    // Even with force: a first-time success is no dead letter, an event in flight is owned
    // by a worker.
    let first = replay_ids(&app, &[&dead, &succeeded, &held, &unknown, &dead], true).await;
    assert_eq!(first.selected, 4, "the repeated id counts once");
    assert_eq!(first.replayed, 1);
    let mut expected = vec![
        (succeeded.clone(), "not_dead"),
        (held.clone(), "in_flight"),
        (unknown.clone(), "not_found"),
    ];
    expected.sort();
    assert_eq!(skipped_ids(&first), expected);
    assert!(first.skipped_events.iter().all(|s| !s.detail.is_empty()));
    assert_eq!(app.wait_for_final(&dead).await["status"], "succeeded");
    assert_eq!(attempts_of(&app.db, &dead).await, attempts_before + 1);

    let without_force = replay_ids(&app, &[&dead], false).await;
    assert_eq!(without_force.replayed, 0);
    assert_eq!(
        skipped_ids(&without_force),
        vec![(dead.clone(), "already_replayed")]
    );
    assert!(without_force.skipped_events[0].detail.contains("force"));

    let forced = replay_ids(&app, &[&dead], true).await;
    assert_eq!(forced.replayed, 1);
    assert_eq!(app.wait_for_final(&dead).await["status"], "succeeded");
    assert_eq!(
        status_of(&app, &dead).await,
        Some(("succeeded".to_owned(), 2))
    );
    assert_eq!(attempts_of(&app.db, &dead).await, attempts_before + 2);
    assert_eq!(app.wait_for_final(&held).await["status"], "succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_dead_again_after_a_replay_is_replayed_again_without_force() {
    let app = spawn_app(AppOptions::default()).await;
    app.inject_fault(&json!({"method": "POST", "path": EXECUTIONS, "status": 400, "times": 2}))
        .await;
    let id = accept(
        &app,
        &json!({"sessionId": "s-twice", "userId": "u", "text": "help"}),
    )
    .await;
    assert_eq!(app.wait_for_final(&id).await["status"], "dead");

    assert_eq!(replay_ids(&app, &[&id], false).await.replayed, 1);
    let again_dead = wait::until("the replay to die again", PATIENCE, || async {
        let (status, generation) = status_of(&app, &id).await?;
        (status == "dead" && generation == 1).then_some(())
    });
    tokio::time::timeout(Duration::from_secs(60), again_dead)
        .await
        .unwrap();

    assert_eq!(replay_ids(&app, &[&id], false).await.replayed, 1);
    assert_eq!(app.wait_for_final(&id).await["status"], "succeeded");
    assert_eq!(
        status_of(&app, &id).await,
        Some(("succeeded".to_owned(), 2))
    );
}
