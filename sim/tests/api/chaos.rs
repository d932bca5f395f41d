//! `/_sim/chaos`: outages in each platform's shape, scopes, ending chaos, checking the body.

use serde_json::{json, Value};

use crate::cognigy_helpers::{turn_body, URL_TOKEN};
use crate::helpers::{assert_genesys_error, assert_problem, launch_body, spawn_sim, TestSim};

const CONVERSATION: &str = "/api/v2/conversations/5f0c1a2b-0000-4000-8000-00000000c0a1";

async fn cognigy_turn_status(app: &TestSim) -> u16 {
    app.turn(URL_TOKEN, &turn_body("s-1", "hi"))
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_genesys_outage_answers_every_api_call_with_a_genesys_5xx_and_leaves_the_rest() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    let token = app.token().await;
    app.set_chaos(json!({"scope": "genesys", "errorRate": 1.0, "seed": 3}))
        .await;

    let mut statuses = Vec::new();
    for _ in 0..10 {
        for response in [
            app.launch(Some(&token), &launch_body()).await,
            app.api_get(Some(&token), CONVERSATION).await,
            app.api_get(None, "/api/v2/nope").await,
        ] {
            let status = response.status().as_u16();
            assert!([500, 502, 503, 504].contains(&status), "{status}");
            assert!(response.headers().contains_key("inin-correlation-id"));
            assert!(!response.headers().contains_key("retry-after"));
            let body: Value = response.json().await.unwrap();
            let code = body["code"].as_str().unwrap().to_owned();
            assert_genesys_error(&body, status, &code);
            statuses.push(status);
        }
    }

    statuses.dedup();
    assert!(statuses.len() > 1, "the statuses are drawn: {statuses:?}");
    app.token().await;
    assert_eq!(cognigy_turn_status(&app).await, 200);
}

#[tokio::test]
async fn a_cognigy_outage_answers_problems_on_the_endpoint_and_management_hosts() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    let token = app.token().await;
    app.set_chaos(json!({
        "scope": "cognigy", "errorRate": 1.0, "errorStatuses": [503], "retryAfterSecs": 30,
    }))
    .await;

    let turn = app.turn(URL_TOKEN, &turn_body("s-1", "hi")).await;
    let snapshots = app
        .management(reqwest::Method::GET, "/new/v2.0/snapshots")
        .send()
        .await
        .unwrap();

    for response in [turn, snapshots] {
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()["retry-after"], "30");
        let body: Value = response.json().await.unwrap();
        assert_problem(&body, 503);
    }
    let genesys = app.launch(Some(&token), &launch_body()).await;
    assert_eq!(genesys.status(), 200, "Genesys is out of scope");
}

#[tokio::test]
async fn chaos_429s_carry_a_long_retry_after_in_genesys_wording() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.set_chaos(json!({
        "scope": "genesys", "errorRate": 1.0, "errorStatuses": [429], "retryAfterSecs": 180,
    }))
    .await;

    let response = app.launch(Some(&token), &launch_body()).await;

    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "180");
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 429, "too.many.requests.retry.after");
    assert_eq!(
        body["message"],
        "Rate limit exceeded the maximum. Retry the request in [180] seconds"
    );
}

#[tokio::test]
async fn login_is_in_scope_only_when_included() {
    let app = spawn_sim().await;
    app.set_chaos(json!({"scope": "all", "errorRate": 1.0}))
        .await;
    app.token().await;

    app.set_chaos(json!({"scope": "genesys", "errorRate": 1.0, "includeLogin": true}))
        .await;

    let response = app
        .request_token(
            crate::helpers::CLIENT_ID,
            crate::helpers::CLIENT_SECRET,
            "client_credentials",
        )
        .await;
    assert!(response.status().is_server_error(), "{}", response.status());
}

#[tokio::test]
async fn deleting_one_scope_ends_its_chaos_and_deleting_all_ends_the_rest() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    let token = app.token().await;
    let active = app
        .set_chaos(json!({"scope": "all", "errorRate": 1.0, "errorStatuses": [502]}))
        .await;
    assert_eq!(active["genesys"]["errorStatuses"], json!([502]));
    assert_eq!(active["cognigy"]["errorRate"], 1.0);

    app.control_delete("/_sim/chaos?scope=genesys", 204).await;

    assert_eq!(app.launch(Some(&token), &launch_body()).await.status(), 200);
    assert_eq!(cognigy_turn_status(&app).await, 502);
    let active = app.control_get("/_sim/chaos", 200).await;
    assert!(active.get("genesys").is_none(), "{active}");
    assert_eq!(
        active["cognigy"]["counts"],
        json!({"errors": 1, "timeouts": 0, "passed": 0})
    );

    app.control_delete("/_sim/chaos", 204).await;

    assert_eq!(cognigy_turn_status(&app).await, 200);
    assert_eq!(app.control_get("/_sim/chaos", 200).await, json!({}));
    app.control_delete("/_sim/chaos?scope=nope", 400).await;
}

#[tokio::test]
async fn a_pending_fault_wins_over_chaos_and_is_not_counted_by_it() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.set_chaos(json!({"scope": "genesys", "errorRate": 1.0, "errorStatuses": [500]}))
        .await;
    app.add_fault(json!({
        "method": "POST", "path": "/api/v2/flows/executions", "status": 429, "retryAfterSecs": 3,
    }))
    .await;

    let faulted = app.launch(Some(&token), &launch_body()).await;
    let chaotic = app.launch(Some(&token), &launch_body()).await;

    assert_eq!(faulted.status(), 429);
    assert_eq!(faulted.headers()["retry-after"], "3");
    assert_eq!(chaotic.status(), 500);
    let active = app.control_get("/_sim/chaos", 200).await;
    assert_eq!(active["genesys"]["counts"]["errors"], 1);
}

#[tokio::test]
async fn a_profile_that_does_not_fit_is_refused_naming_the_field() {
    let app = spawn_sim().await;
    let cases = [
        (json!({"scope": "genesys", "errorRate": 1.5}), "errorRate"),
        (
            json!({"scope": "genesys", "errorStatuses": [200]}),
            "errorStatuses",
        ),
        (json!({"scope": "genesys", "timeoutRate": 0.1}), "timeoutMs"),
        (json!({"scope": "everything", "errorRate": 0.1}), "scope"),
        (json!({"errorRate": 0.1}), "scope"),
        (json!({"scope": "genesys", "eror_rate": 0.1}), "eror_rate"),
    ];

    for (body, field) in cases {
        let error = app.control_post("/_sim/chaos", &body, 400).await;
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
    }
    assert_eq!(app.control_get("/_sim/chaos", 200).await, json!({}));
}
