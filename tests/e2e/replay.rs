//! Replay after an outage, as an operator does it with `cxrelay`: the dead events are listed,
//! a dry run changes nothing, the replay carries each out once more, a second replay takes
//! none, and the audit log says who, why and how many.

use std::sync::Arc;

use cxrelay_tests::app::{AppOptions, URL_TOKEN};
use cxrelay_tests::cli::cxrelay;
use cxrelay_tests::{spawn_app, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

const EXECUTIONS: &str = "/api/v2/flows/executions";

/// Retries quick enough that an outage makes events dead in well under a second, and a
/// breaker that does not open: the events must end dead, not wait behind it.
pub fn quick_to_die() -> AppOptions {
    AppOptions {
        customize: Some(Arc::new(|settings| {
            settings.worker.retry_delays_ms = vec![100, 100];
            settings.worker.breaker.consecutive_failures = 1_000;
        })),
        ..AppOptions::default()
    }
}

/// Accepts a fallback event; returns its id.
pub async fn accept(app: &TestApp, body: &Value) -> String {
    let response = app.post_fallback(body).await;
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.unwrap();
    accepted["eventId"].as_str().unwrap().to_owned()
}

/// What a dry run must leave exactly as it was.
type EventRow = (Uuid, String, i32, i32, i32, Option<String>, String);

async fn snapshot(db: &PgPool) -> (Vec<EventRow>, i64, i64) {
    let events = sqlx::query_as(
        "SELECT id, status, generation, retries, attempts, reason, updated_at::text
           FROM events ORDER BY id",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM attempts")
        .fetch_one(db)
        .await
        .unwrap();
    let replayed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'event.replayed'")
            .fetch_one(db)
            .await
            .unwrap();
    (events, attempts, replayed)
}

pub async fn attempts_of(db: &PgPool, id: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM attempts WHERE event_id = $1::uuid")
        .bind(id)
        .fetch_one(db)
        .await
        .unwrap()
}

fn ids_in(values: &Value) -> Vec<String> {
    let mut ids: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["eventId"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_dead_after_an_outage_are_listed_replayed_once_and_audited() {
    let app = spawn_app(quick_to_die()).await;
    app.sim_post(
        "/_sim/chaos",
        &json!({"scope": "genesys", "errorRate": 1.0, "errorStatuses": [503]}),
    )
    .await;
    let mut ids = vec![
        accept(&app, &json!({"sessionId": "s-out-1", "userId": "u1", "text": "help"})).await,
        accept(&app, &json!({"sessionId": "s-out-2", "userId": "u2", "text": "agent"})).await,
        accept(
            &app,
            &json!({"sessionId": "s-out-3", "userId": "u3", "text": "human", "URLToken": URL_TOKEN}),
        )
        .await,
    ];
    for id in &ids {
        let event = app.wait_for_final(id).await;
        assert_eq!(
            (&event["status"], &event["reason"], &event["lastHttpStatus"]),
            (&json!("dead"), &json!("unavailable"), &json!(503)),
            "{event}"
        );
    }
    ids.sort();

    // Listed, counted, with what support needs.
    let listed = cxrelay(
        &app.settings,
        &[
            "dead-letters",
            "--kind",
            "cognigy.fallback",
            "--format",
            "json",
        ],
    )
    .await
    .json();
    assert_eq!(listed["total"], 3, "{listed}");
    assert_eq!(listed["byReason"], json!({"unavailable": 3}));
    assert_eq!(listed["byTarget"], json!({"genesys": 3}));
    assert_eq!(listed["byKind"], json!({"cognigy.fallback": 3}));
    assert_eq!(ids_in(&listed["events"]), ids);
    for event in listed["events"].as_array().unwrap() {
        assert!(event["correlationId"].is_string(), "{event}");
        assert_eq!(event["lastHttpStatus"], 503);
        assert_eq!(event["status"], "dead");
    }
    assert!(!listed.to_string().contains(URL_TOKEN));
    let table = cxrelay(&app.settings, &["dead-letters", "--reason", "unavailable"]).await;
    assert!(table.status.success(), "{table:#?}");
    assert!(
        table
            .stdout
            .starts_with("3 dead letters (reason unavailable)"),
        "{}",
        table.stdout
    );
    assert!(ids.iter().all(|id| table.stdout.contains(id.as_str())));

    // A dry run says what would happen and changes nothing.
    let before = snapshot(&app.db).await;
    let calls_before = app.sim_calls_to("POST", EXECUTIONS).await.len();
    let dry = cxrelay(
        &app.settings,
        &[
            "replay",
            "--kind",
            "cognigy.fallback",
            "--reason-class",
            "unavailable",
            "--reason",
            "what would a replay take?",
            "--operator",
            "alice",
            "--dry-run",
            "--format",
            "json",
        ],
    )
    .await
    .json();
    assert_eq!(
        (
            &dry["dryRun"],
            &dry["selected"],
            &dry["replayed"],
            &dry["secretsRemoved"]
        ),
        (&json!(true), &json!(3), &json!(3), &json!(1)),
        "{dry}"
    );
    assert_eq!(ids_in(&dry["sample"]), ids);
    assert_eq!(
        snapshot(&app.db).await,
        before,
        "the dry run changed the record"
    );
    assert_eq!(
        app.sim_calls_to("POST", EXECUTIONS).await.len(),
        calls_before
    );

    // The outage ends; the replay carries each event out once more.
    let _ = app
        .http
        .delete(format!("{}/_sim/chaos", app.sim.base_url()))
        .send()
        .await
        .unwrap();
    let mut attempts_before = Vec::new();
    for id in &ids {
        attempts_before.push(attempts_of(&app.db, id).await);
    }
    let replay_args = [
        "replay",
        "--kind",
        "cognigy.fallback",
        "--since",
        "1h",
        "--reason",
        "Genesys outage INC-42 is over",
        "--operator",
        "alice",
        "--rate",
        "50",
        "--format",
        "json",
    ];
    let replayed = cxrelay(&app.settings, &replay_args).await.json();
    assert_eq!(
        (
            &replayed["dryRun"],
            &replayed["replayed"],
            &replayed["skipped"]
        ),
        (&json!(false), &json!(3), &json!({})),
        "{replayed}"
    );
    assert_eq!(replayed["secretsRemoved"], 1);
    for (id, before) in ids.iter().zip(&attempts_before) {
        let event = app.wait_for_final(id).await;
        assert_eq!(event["status"], "succeeded", "{event}");
        assert_eq!(event["generation"], 1, "{event}");
        assert!(event["lastCorrelationId"].is_string(), "{event}");
        assert_eq!(
            attempts_of(&app.db, id).await,
            before + 1,
            "one new attempt"
        );
        let calls = event["calls"].as_array().unwrap();
        assert_eq!(calls.last().unwrap()["outcome"], "success", "{event}");
    }
    let generations: Vec<i32> = sqlx::query_scalar("SELECT generation FROM events ORDER BY id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(generations, vec![1, 1, 1]);
    // The URLToken was stored redacted: the replay went without it rather than send the
    // placeholder, so Cognigy was not called with it.
    let notify = app.sim_calls_to("POST", "/new/v2.0/endpoint/notify").await;
    assert!(notify.is_empty(), "{notify:?}");

    // A second replay without --force takes none of them.
    let calls_after = app.sim_calls_to("POST", EXECUTIONS).await.len();
    let again = cxrelay(&app.settings, &replay_args).await.json();
    assert_eq!(again["replayed"], 0, "{again}");
    assert_eq!(again["skipped"], json!({"already_replayed": 3}));
    let after = snapshot(&app.db).await;
    assert!(after.0.iter().all(|row| row.1 == "succeeded" && row.2 == 1));
    assert_eq!(
        app.sim_calls_to("POST", EXECUTIONS).await.len(),
        calls_after
    );

    // The audit log: who, when, why, which selection, how many; each event's own history.
    let runs: Vec<(String, Value)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'replay' ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let summary: Vec<(&str, bool, &str, u64, u64)> = runs
        .iter()
        .map(|(actor, detail)| {
            (
                actor.as_str(),
                detail["dryRun"].as_bool().unwrap(),
                detail["reason"].as_str().unwrap(),
                detail["selected"].as_u64().unwrap(),
                detail["replayed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("alice", true, "what would a replay take?", 3, 3),
            ("alice", false, "Genesys outage INC-42 is over", 3, 3),
            ("alice", false, "Genesys outage INC-42 is over", 3, 0),
        ]
    );
    assert_eq!(runs[1].1["selection"]["filter"]["kind"], "cognigy.fallback");
    assert_eq!(runs[1].1["via"], "cli");
    assert_eq!(runs[2].1["skipped"], json!({"already_replayed": 3}));
    let per_event: Vec<(Uuid, String, Value)> = sqlx::query_as(
        "SELECT event_id, actor, detail FROM audit_log WHERE action = 'event.replayed'
          ORDER BY event_id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(per_event.len(), 3);
    for ((event_id, actor, detail), id) in per_event.iter().zip(&ids) {
        assert_eq!(
            (event_id.to_string(), actor.as_str()),
            (id.clone(), "alice")
        );
        assert_eq!(detail["generation"], 1);
        assert_eq!(detail["replayId"], replayed["replayId"]);
        assert_eq!(detail["previousStatus"], "dead");
    }
    let audit_text: Vec<String> = sqlx::query_scalar("SELECT detail::text FROM audit_log")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(audit_text.iter().all(|d| !d.contains(URL_TOKEN)));
}
