//! Chaos timeouts: the answer is really held past the client's timeout, the log knows what it
//! was, each mode has its effect, and stopping the simulator releases held answers.

use std::time::Duration;

use cxrelay_sim::recording::Injected;
use serde_json::json;

use crate::cognigy_helpers::{turn_body, URL_TOKEN};
use crate::helpers::{spawn_sim, TestSim};

/// Far longer than the client waits, so only a hold that does not happen lets it through.
const HOLD_MS: u64 = 30_000;
/// The client's patience.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(300);

async fn timed_out_turn(app: &TestSim, session_id: &str) {
    let result = app
        .http
        .post(format!("{}/{URL_TOKEN}", app.sim.endpoint_base_url()))
        .json(&turn_body(session_id, "anyone there?"))
        .timeout(CLIENT_TIMEOUT)
        .send()
        .await;
    let error = result.expect_err("the answer is held past the client's timeout");
    assert!(error.is_timeout(), "{error:?}");
}

async fn all_timeouts(app: &TestSim, mode: &str) {
    app.seed_endpoint(true).await;
    app.set_chaos(json!({
        "scope": "cognigy", "timeoutRate": 1.0, "timeoutMs": HOLD_MS, "timeoutMode": mode,
    }))
    .await;
}

#[tokio::test]
async fn an_answer_lost_timeout_holds_the_answer_of_a_turn_the_flow_did_run() {
    let app = spawn_sim().await;
    all_timeouts(&app, "answerLost").await;

    timed_out_turn(&app, "s-lost-answer").await;

    let calls = app
        .wait_for_calls(|calls| calls.first().is_some_and(|c| c.status.is_some()))
        .await;
    assert_eq!(calls[0].status, Some(200), "the answer it holds");
    assert_eq!(calls[0].injected, Some(Injected::ChaosTimeout));
    assert_eq!(calls[0].held_ms, Some(HOLD_MS));
    let session = app
        .control_get("/_sim/cognigy/sessions/s-lost-answer", 200)
        .await;
    assert_eq!(session["inputs"][0]["text"], "anyone there?");
    let active = app.control_get("/_sim/chaos", 200).await;
    assert_eq!(active["cognigy"]["counts"]["timeouts"], 1);
}

#[tokio::test]
async fn a_request_lost_timeout_never_reaches_the_flow() {
    let app = spawn_sim().await;
    all_timeouts(&app, "requestLost").await;

    timed_out_turn(&app, "s-lost-request").await;

    let calls = app
        .wait_for_calls(|calls| calls.first().is_some_and(|c| c.status.is_some()))
        .await;
    assert_eq!(
        calls[0].status,
        Some(504),
        "a gateway timeout once the hold ends"
    );
    app.control_get("/_sim/cognigy/sessions/s-lost-request", 404)
        .await;
}

#[tokio::test]
async fn stopping_the_simulator_releases_a_held_answer() {
    let app = spawn_sim().await;
    all_timeouts(&app, "answerLost").await;
    let url = format!("{}/{URL_TOKEN}", app.sim.endpoint_base_url());
    let waiting = tokio::spawn(app.http.post(url).json(&turn_body("s-1", "hi")).send());
    app.wait_for_calls(|calls| calls.first().is_some_and(|c| c.status.is_some()))
        .await;

    tokio::time::timeout(Duration::from_secs(10), app.sim.shutdown())
        .await
        .expect("the shutdown does not wait for the 30 s hold")
        .unwrap();

    let response = waiting.await.unwrap().unwrap();
    assert_eq!(response.status(), 200, "the held answer, delivered early");
}
