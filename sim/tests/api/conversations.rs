use serde_json::{json, Value};

use crate::helpers::{assert_genesys_error, customer_and_bot, spawn_sim, uuid_like};

const QUEUE_ID: &str = "0d3b2a1c-1111-4a4a-9b9b-000000000001";

fn transfer_path(cid: &str, pid: &str) -> String {
    format!("/api/v2/conversations/{cid}/participants/{pid}/replace/queue")
}

fn ids(conversation: &Value) -> (String, String) {
    let id = conversation["id"].as_str().unwrap().to_owned();
    let bot = conversation["participants"][1]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, bot)
}

#[tokio::test]
async fn a_seeded_conversation_is_served_in_the_genesys_shape() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let seeded = app.seed_conversation(customer_and_bot()).await;
    let (id, bot) = ids(&seeded);

    let response = app
        .api_get(Some(&token), &format!("/api/v2/conversations/{id}"))
        .await;

    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("inin-correlation-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], id.as_str());
    assert!(chrono::DateTime::parse_from_rfc3339(body["startTime"].as_str().unwrap()).is_ok());
    assert!(body.get("endTime").is_none(), "{body}");
    assert_eq!(body["participants"][0]["purpose"], "customer");
    assert_eq!(body["participants"][1]["id"], bot.as_str());
    // A participant's state is that of its media entry (a call, in a voice conversation).
    assert_eq!(body["participants"][1]["calls"][0]["state"], "connected");
    assert!(body["participants"][1].get("state").is_none(), "{body}");
    assert!(uuid_like(&bot));
    assert_eq!(app.sim.contract_findings(), Vec::<String>::new());
}

#[tokio::test]
async fn an_unknown_conversation_gets_404_not_found() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app
        .api_get(Some(&token), "/api/v2/conversations/no-such-id")
        .await;

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 404, "not.found");
}

#[tokio::test]
async fn reading_a_conversation_without_a_token_gets_401() {
    let app = spawn_sim().await;
    let (id, _) = ids(&app.seed_conversation(customer_and_bot()).await);

    let response = app
        .api_get(None, &format!("/api/v2/conversations/{id}"))
        .await;

    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 401, "authentication.required");
}

#[tokio::test]
async fn a_transfer_to_a_queue_answers_202_without_a_body_and_sets_the_queue() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let (id, bot) = ids(&app.seed_conversation(customer_and_bot()).await);

    let response = app
        .api_post(
            Some(&token),
            &transfer_path(&id, &bot),
            &json!({"queueId": QUEUE_ID, "transferType": "Unattended"}),
        )
        .await;

    assert_eq!(response.status(), 202);
    assert!(response.headers().contains_key("inin-correlation-id"));
    assert!(response.bytes().await.unwrap().is_empty());
    let stored = app
        .control_get(&format!("/_sim/genesys/conversations/{id}"), 200)
        .await;
    assert_eq!(stored["participants"][1]["queueId"], QUEUE_ID);
    assert_eq!(stored["participants"][1]["state"], "connected");
    assert!(stored["participants"][0].get("queueId").is_none());
}

#[tokio::test]
async fn a_transfer_out_of_an_ended_conversation_gets_409_state_conflict() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let (id, bot) = ids(&app.seed_conversation(customer_and_bot()).await);
    app.end_conversation(&id).await;

    let response = app
        .api_post(
            Some(&token),
            &transfer_path(&id, &bot),
            &json!({"queueId": QUEUE_ID}),
        )
        .await;

    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 409, "conversation.state.conflict");
}

#[tokio::test]
async fn a_transfer_of_a_disconnected_participant_gets_409() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let seeded = app
        .seed_conversation(json!({"participants": [
            {"purpose": "customer"},
            {"purpose": "ivr", "state": "disconnected"},
        ]}))
        .await;
    let (id, bot) = ids(&seeded);

    let response = app
        .api_post(
            Some(&token),
            &transfer_path(&id, &bot),
            &json!({"queueId": QUEUE_ID}),
        )
        .await;

    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 409, "conversation.state.conflict");
}

#[tokio::test]
async fn a_transfer_in_an_unknown_conversation_or_of_an_unknown_participant_gets_404() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let (id, _) = ids(&app.seed_conversation(customer_and_bot()).await);

    for path in [transfer_path("nope", "p"), transfer_path(&id, "nope")] {
        let response = app
            .api_post(Some(&token), &path, &json!({"queueId": QUEUE_ID}))
            .await;
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_genesys_error(&body, 404, "not.found");
    }
}

#[tokio::test]
async fn a_transfer_without_queue_id_or_name_gets_400_naming_queue_id() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let (id, bot) = ids(&app.seed_conversation(customer_and_bot()).await);

    let response = app
        .api_post(Some(&token), &transfer_path(&id, &bot), &json!({}))
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 400, "bad.request");
    assert!(
        body["message"].as_str().unwrap().contains("queueId"),
        "{body}"
    );
}

#[tokio::test]
async fn the_older_call_transfer_route_moves_the_participant_by_queue_name() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let (id, bot) = ids(&app.seed_conversation(customer_and_bot()).await);

    let response = app
        .api_post(
            Some(&token),
            &format!("/api/v2/conversations/calls/{id}/participants/{bot}/replace"),
            &json!({"queueName": "Support IVR"}),
        )
        .await;

    assert_eq!(response.status(), 202);
    let stored = app.sim.state().conversations().get(&id).unwrap();
    assert_eq!(
        stored.participants[1].queue_name.as_deref(),
        Some("Support IVR")
    );
}
