use serde_json::{json, Value};

use crate::cognigy_helpers::{turn_body, ENDPOINT_ID, URL_TOKEN};
use crate::helpers::{assert_problem, spawn_sim, uuid_like};

#[tokio::test]
async fn a_turn_gets_the_flows_outputs_with_the_last_one_on_top() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;

    let response = app
        .turn(URL_TOKEN, &turn_body("s-1", "where is my order"))
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let stack = body["outputStack"].as_array().unwrap();
    assert_eq!(stack.len(), 2);
    assert_eq!(stack[0]["text"], "You said: where is my order");
    assert_eq!(stack[0]["data"], json!({"echo": {"n": 1}}));
    assert_eq!(stack[0]["source"], "bot");
    assert!(uuid_like(stack[0]["traceId"].as_str().unwrap()));
    assert_eq!(stack[1]["text"], "Anything else?");
    assert_eq!(body["text"], stack[1]["text"]);
    assert_eq!(body["data"], stack[1]["data"]);
    assert_eq!(body["userId"], "user-1");
    assert_eq!(body["sessionId"], "s-1");
}

#[tokio::test]
async fn an_unknown_url_token_gets_a_404_problem() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;

    let response = app.turn("not-a-token", &turn_body("s-1", "hi")).await;

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_problem(&body, 404);
}

#[tokio::test]
async fn an_inactive_endpoint_gets_a_403_problem_saying_it_is_disabled() {
    let app = spawn_sim().await;
    app.seed_endpoint(false).await;

    let response = app.turn(URL_TOKEN, &turn_body("s-1", "hi")).await;

    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_problem(&body, 403);
    assert!(
        body["detail"].as_str().unwrap().contains("disabled"),
        "{body}"
    );
    assert!(app.sim.state().cognigy_sessions().get("s-1").is_none());
}

#[tokio::test]
async fn patching_an_endpoint_active_again_lets_turns_through() {
    let app = spawn_sim().await;
    app.seed_endpoint(false).await;
    let response = app
        .http
        .patch(app.url(&format!("/_sim/cognigy/endpoints/{ENDPOINT_ID}")))
        .json(&json!({"active": true, "entrypoint": "snap-2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let patched: Value = response.json().await.unwrap();
    assert_eq!(patched["active"], true);
    assert_eq!(patched["entrypoint"], "snap-2");

    let turn = app.turn(URL_TOKEN, &turn_body("s-1", "hi")).await;

    assert_eq!(turn.status(), 200);
}

#[tokio::test]
async fn a_turn_without_user_id_or_without_text_and_data_gets_a_400_problem() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    let bodies = [
        (json!({"sessionId": "s", "text": "hi"}), "userId"),
        (json!({"userId": "u", "text": "hi"}), "sessionId"),
        (json!({"userId": "u", "sessionId": "s"}), "text"),
        (
            json!({"userId": "x".repeat(257), "sessionId": "s", "text": "hi"}),
            "256",
        ),
    ];

    for (body, named) in bodies {
        let response = app.turn(URL_TOKEN, &body).await;
        assert_eq!(response.status(), 400, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert_problem(&problem, 400);
        assert!(
            problem["detail"].as_str().unwrap().contains(named),
            "{problem}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_inputs_are_kept_in_arrival_order_even_when_answers_overtake() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    let slow = json!({"userId": "u", "sessionId": "s-9", "text": "first",
                      "data": {"simDelayMs": 400}});
    let fast = json!({"userId": "u", "sessionId": "s-9", "text": "second"});

    let slow_turn = app.turn(URL_TOKEN, &slow);
    let fast_turn = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let response = app.turn(URL_TOKEN, &fast).await;
        (response, std::time::Instant::now())
    };
    let ((slow_response, slow_done), (fast_response, fast_done)) = tokio::join!(
        async { (slow_turn.await, std::time::Instant::now()) },
        fast_turn
    );

    assert_eq!(slow_response.status(), 200);
    assert_eq!(fast_response.status(), 200);
    assert!(fast_done < slow_done, "the delayed answer came last");
    let session = app.control_get("/_sim/cognigy/sessions/s-9", 200).await;
    assert_eq!(session["sessionId"], "s-9");
    assert_eq!(session["userId"], "u");
    let inputs = session["inputs"].as_array().unwrap();
    let texts: Vec<&str> = inputs.iter().map(|i| i["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["first", "second"]);
    assert_eq!(inputs[0]["data"]["simDelayMs"], 400);
    assert!(inputs[0]["at"].as_str().unwrap() <= inputs[1]["at"].as_str().unwrap());
}

#[tokio::test]
async fn an_unknown_session_is_a_404_on_the_sessions_route() {
    let app = spawn_sim().await;

    let body = app.control_get("/_sim/cognigy/sessions/never", 404).await;

    assert!(body["error"].as_str().unwrap().contains("never"), "{body}");
}

#[tokio::test]
async fn the_call_log_keeps_only_four_characters_of_a_url_token_and_none_in_bodies() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    app.turn(URL_TOKEN, &turn_body("s-1", "hi")).await;
    app.management(reqwest::Method::POST, "/new/v2.0/endpoint/notify")
        .json(
            &json!({"URLToken": URL_TOKEN, "userId": "user-1", "sessionId": "s-1",
                      "text": "handed over", "data": {"inner": {"URLToken": URL_TOKEN}}}),
        )
        .send()
        .await
        .unwrap();

    let calls = app.calls().await;

    let log = serde_json::to_string(&calls).unwrap();
    assert!(!log.contains(URL_TOKEN), "{log}");
    assert!(!log.contains(crate::helpers::COGNIGY_API_KEY), "{log}");
    assert_eq!(calls[0]["path"], "/endpoint/tok1…");
    assert_eq!(calls[1]["body"]["URLToken"], "[redacted]");
    assert_eq!(calls[1]["body"]["data"]["inner"]["URLToken"], "[redacted]");
    assert_eq!(calls[1]["body"]["text"], "handed over");
    assert_eq!(calls[1]["headers"]["x-api-key"], "[redacted]");
}

#[tokio::test]
async fn a_fault_on_an_endpoint_path_answers_a_cognigy_problem() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    app.add_fault(
        json!({"method": "POST", "path": format!("/endpoint/{URL_TOKEN}"),
                         "status": 429, "retryAfterSecs": 2}),
    )
    .await;

    let faulted = app.turn(URL_TOKEN, &turn_body("s-1", "hi")).await;

    assert_eq!(faulted.status(), 429);
    assert_eq!(faulted.headers()["retry-after"], "2");
    let body: Value = faulted.json().await.unwrap();
    assert_problem(&body, 429);
    let after = app.turn(URL_TOKEN, &turn_body("s-1", "hi")).await;
    assert_eq!(after.status(), 200);
}
