use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::helpers::{launch_body, spawn_sim};

#[tokio::test]
async fn calls_are_listed_in_arrival_order_without_control_or_health_routes() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.launch(Some(&token), &launch_body()).await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");

    let calls = app.calls().await;

    let paths: Vec<&str> = calls.iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/oauth/token", "/api/v2/flows/executions"]);
    assert!(calls[0]["at"].as_str().is_some());
    assert_eq!(app.sim.calls().len(), 2, "the API and the route agree");
}

#[tokio::test]
async fn each_call_is_recorded_with_its_status_and_its_arrival_in_milliseconds() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.launch(Some(&token), &launch_body()).await;
    app.launch(None, &launch_body()).await;
    app.set_chaos(json!({"scope": "genesys", "errorRate": 1.0, "errorStatuses": [502]}))
        .await;
    app.launch(Some(&token), &launch_body()).await;

    let calls = app.calls().await;

    let statuses: Vec<&Value> = calls.iter().map(|c| &c["status"]).collect();
    assert_eq!(
        statuses,
        [&json!(200), &json!(200), &json!(401), &json!(502)]
    );
    assert_eq!(calls[3]["injected"], "chaosError");
    let arrivals: Vec<DateTime<Utc>> = calls
        .iter()
        .map(|call| {
            let at = call["at"].as_str().unwrap();
            // `2026-05-01T09:30:00.123Z`: milliseconds always written, in UTC.
            assert_eq!(at.len(), 24, "{at}");
            assert!(at.ends_with('Z') && at.as_bytes()[19] == b'.', "{at}");
            at.parse().unwrap()
        })
        .collect();
    assert!(arrivals.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[tokio::test]
async fn deleting_the_calls_clears_the_log() {
    let app = spawn_sim().await;
    app.token().await;
    assert_eq!(app.calls().await.len(), 1);

    let response = app
        .http
        .delete(app.url("/_sim/calls"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 204);
    assert!(app.calls().await.is_empty());
    assert!(app.sim.calls().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_requests_are_all_recorded() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let mut launches = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let request = app
            .http
            .post(app.url("/api/v2/flows/executions"))
            .bearer_auth(&token)
            .json(&launch_body());
        launches.spawn(async move { request.send().await.map(|r| r.status()) });
    }

    let statuses = launches.join_all().await;

    assert!(statuses.iter().all(|s| matches!(s, Ok(s) if *s == 200)));
    assert_eq!(app.sim.calls().len(), 1001);
    assert_eq!(app.sim.state().tokens().issued(), 1);
}

#[tokio::test]
async fn a_stopped_simulator_refuses_connections() {
    let app = spawn_sim().await;
    let url = app.url("/healthz");

    app.sim.shutdown().await.unwrap();

    let result = app.http.get(url).send().await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn an_unknown_api_path_gets_a_genesys_404() {
    let app = spawn_sim().await;

    let response = app.http.get(app.url("/api/v2/nope")).send().await.unwrap();

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not.found");
}
