use reqwest::Method;
use serde_json::{json, Value};

use crate::cognigy_helpers::{turn_body, ENDPOINT_ID, PROJECT_ID, SNAPSHOT_ID, URL_TOKEN};
use crate::helpers::{assert_problem, spawn_sim};

fn push_body() -> Value {
    json!({"URLToken": URL_TOKEN, "userId": "user-1", "sessionId": "s-1",
           "text": "Your case is 42", "data": {"ref": 42}})
}

#[tokio::test]
async fn an_endpoint_is_read_with_its_entrypoint_and_active_flag() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;

    let response = app
        .management(Method::GET, &format!("/new/v2.0/endpoints/{ENDPOINT_ID}"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["_id"], ENDPOINT_ID);
    assert_eq!(body["name"], "support");
    assert_eq!(body["URLToken"], URL_TOKEN);
    assert_eq!(body["channel"], "rest");
    assert_eq!(body["active"], true);
    assert_eq!(body["entrypoint"], SNAPSHOT_ID);
    assert_eq!(body["flowId"].as_str().unwrap().len(), 24);
    assert!(body["localeId"].is_string());
}

#[tokio::test]
async fn a_missing_or_wrong_api_key_gets_a_401_problem() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    let url = app.url(&format!("/new/v2.0/endpoints/{ENDPOINT_ID}"));

    let missing = app.http.get(&url).send().await.unwrap();
    let wrong = app
        .http
        .get(&url)
        .header("X-API-Key", "nope")
        .send()
        .await
        .unwrap();

    for response in [missing, wrong] {
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_problem(&body, 401);
    }
}

#[tokio::test]
async fn an_unknown_endpoint_gets_a_404_problem() {
    let app = spawn_sim().await;

    let response = app
        .management(Method::GET, "/new/v2.0/endpoints/000000000000000000000000")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_problem(&body, 404);
}

#[tokio::test]
async fn snapshots_are_listed_with_their_total_and_filtered_by_project() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    app.control_post(
        "/_sim/cognigy/snapshots",
        &json!({"name": "other project", "projectId": "p-2"}),
        201,
    )
    .await;

    let all: Value = app
        .management(Method::GET, "/new/v2.0/snapshots")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = app
        .management(Method::GET, "/new/v2.0/snapshots")
        .query(&[("projectId", PROJECT_ID)])
        .send()
        .await
        .unwrap();

    assert_eq!(all["total"], 2);
    assert_eq!(mine.status(), 200);
    let mine: Value = mine.json().await.unwrap();
    assert_eq!(mine["total"], 1);
    let item = &mine["items"][0];
    assert_eq!(item["_id"], SNAPSHOT_ID);
    assert_eq!(item["name"], "release 1");
    assert!(item["description"].is_string());
    assert!(item["hash"].as_str().is_some_and(|h| !h.is_empty()));
    assert!(item["createdAt"].is_number());
}

#[tokio::test]
async fn notify_and_inject_answer_a_json_string_and_land_in_the_transcript() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    app.turn(URL_TOKEN, &turn_body("s-1", "hello")).await;

    let notified = app
        .management(Method::POST, "/new/v2.0/endpoint/notify")
        .json(&push_body())
        .send()
        .await
        .unwrap();
    let injected = app
        .management(Method::POST, "/new/v2.0/endpoint/inject")
        .json(&push_body())
        .send()
        .await
        .unwrap();

    for response in [notified, injected] {
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!("ok"));
    }
    let transcript: Value = app
        .management(Method::GET, "/new/v2.0/conversations/s-1")
        .query(&[("projectId", PROJECT_ID)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = transcript["items"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i["type"].as_str().unwrap(), i["source"].as_str().unwrap()))
        .collect();
    // turn: input + 2 outputs; notify: 1 output; inject: input + 2 outputs.
    assert_eq!(transcript["total"], 7);
    assert_eq!(kinds[0], ("input", "user"));
    assert_eq!(kinds[3], ("output", "bot"));
    assert_eq!(items[3]["inputText"], "Your case is 42");
    assert_eq!(items[3]["inputData"], json!({"ref": 42}));
    assert_eq!(items[4]["inputText"], "Your case is 42");
    assert_eq!(items[4]["type"], "input");
    assert_eq!(items[0]["channel"], "rest");
    assert_eq!(items[0]["flowName"], "Main Flow");
    assert!(items[0]["timestamp"].is_string());
}

#[tokio::test]
async fn a_push_without_its_url_token_gets_400_and_with_an_unknown_one_404() {
    let app = spawn_sim().await;
    app.seed_endpoint(true).await;
    let mut without = push_body();
    without.as_object_mut().unwrap().remove("URLToken");
    let mut unknown = push_body();
    unknown["URLToken"] = json!("nobody-has-this");
    let mut no_session = push_body();
    no_session.as_object_mut().unwrap().remove("sessionId");

    for (body, status) in [(without, 400), (unknown, 404), (no_session, 400)] {
        let response = app
            .management(Method::POST, "/new/v2.0/endpoint/notify")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{body}");
        let problem: Value = response.json().await.unwrap();
        assert_problem(&problem, status);
    }
}

#[tokio::test]
async fn the_transcript_of_an_unknown_session_is_empty() {
    let app = spawn_sim().await;

    let response = app
        .management(Method::GET, "/new/v2.0/conversations/never")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"items": [], "total": 0}));
}

#[tokio::test]
async fn an_unknown_management_path_gets_a_404_problem() {
    let app = spawn_sim().await;

    let response = app
        .management(Method::GET, "/new/v2.0/nope")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_problem(&body, 404);
}
