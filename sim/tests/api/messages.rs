use serde_json::{json, Value};

use crate::helpers::{assert_genesys_error, spawn_sim, uuid_like};

const QUEUE_ID: &str = "0d3b2a1c-2222-4a4a-9b9b-000000000002";
const AGENTLESS: &str = "/api/v2/conversations/messages/agentless";

fn to_queue() -> Value {
    json!({
        "queueId": QUEUE_ID, "toAddress": "+15550100",
        "toAddressMessengerType": "sms", "useExistingConversation": true,
    })
}

fn agentless(text: &str) -> Value {
    json!({
        "fromAddress": "+15550199", "toAddress": "+15550100",
        "toAddressMessengerType": "sms", "textBody": text,
        "useExistingActiveConversation": false,
    })
}

#[tokio::test]
async fn a_message_to_a_queue_creates_a_conversation_with_the_customer_and_the_queue() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app
        .api_post(Some(&token), "/api/v2/conversations/messages", &to_queue())
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert!(uuid_like(id), "{body}");
    // `{id, selfUri}` and nothing else (CreateOutboundMessagingConversationResponse).
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["selfUri"], format!("/api/v2/conversations/{id}"));
    let stored = app
        .control_get(&format!("/_sim/genesys/conversations/{id}"), 200)
        .await;
    assert_eq!(stored["participants"][0]["purpose"], "customer");
    assert_eq!(stored["participants"][1]["purpose"], "acd");
    assert_eq!(stored["participants"][1]["queueId"], QUEUE_ID);
    assert_eq!(stored["participants"][1]["state"], "connected");
    assert_eq!(stored["mediaType"], "message");
}

#[tokio::test]
async fn a_second_message_to_the_same_address_reuses_the_live_conversation() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let path = "/api/v2/conversations/messages";
    let first: Value = app
        .api_post(Some(&token), path, &to_queue())
        .await
        .json()
        .await
        .unwrap();

    let second: Value = app
        .api_post(Some(&token), path, &to_queue())
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.sim.state().conversations().all().len(), 1);
}

#[tokio::test]
async fn each_missing_required_field_of_a_queue_message_gets_400_naming_it() {
    let app = spawn_sim().await;
    let token = app.token().await;

    for field in ["queueId", "toAddress", "toAddressMessengerType"] {
        let mut body = to_queue();
        body.as_object_mut().unwrap().remove(field);
        let response = app
            .api_post(Some(&token), "/api/v2/conversations/messages", &body)
            .await;
        assert_eq!(response.status(), 400, "{field}");
        let error: Value = response.json().await.unwrap();
        assert_genesys_error(&error, 400, "bad.request");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
}

#[tokio::test]
async fn an_agentless_message_answers_the_message_and_its_new_conversation() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app
        .api_post(Some(&token), AGENTLESS, &agentless("Hello"))
        .await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let conversation_id = body["conversationId"].as_str().unwrap();
    assert!(uuid_like(body["id"].as_str().unwrap()), "{body}");
    assert_ne!(body["id"], body["conversationId"]);
    assert_eq!(body["fromAddress"], "+15550199");
    assert_eq!(body["toAddress"], "+15550100");
    assert_eq!(body["messengerType"], "sms");
    // The text is in the message's normalized form; the answer has no textBody
    // (SendAgentlessOutboundMessageResponse, MessageData).
    assert!(body.get("textBody").is_none(), "{body}");
    assert_eq!(body["message"]["normalizedMessage"]["text"], "Hello");
    assert_eq!(body["message"]["conversationId"], conversation_id);
    assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
    assert!(body["selfUri"].as_str().unwrap().contains(conversation_id));
    assert_eq!(app.sim.contract_findings(), Vec::<String>::new());
    let stored = app
        .sim
        .state()
        .conversations()
        .get(conversation_id)
        .unwrap();
    assert!(!stored.is_ended());
}

#[tokio::test]
async fn what_the_sdk_model_refuses_gets_400_bad_request_naming_it_as_genesys_answers() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let mut no_sender = agentless("Hello");
    no_sender.as_object_mut().unwrap().remove("fromAddress");
    let mut pigeon = agentless("Hello");
    pigeon["toAddressMessengerType"] = json!("pigeon");
    let mut wrong_type = to_queue();
    wrong_type["useExistingConversation"] = json!("yes");
    for (path, body, named) in [
        (
            AGENTLESS,
            no_sender,
            "fromAddress: the required field is missing",
        ),
        (
            AGENTLESS,
            pigeon,
            "toAddressMessengerType: \"pigeon\" is not one of",
        ),
        (
            "/api/v2/conversations/messages",
            wrong_type,
            "useExistingConversation: must be true or false",
        ),
    ] {
        let response = app.api_post(Some(&token), path, &body).await;
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_genesys_error(&error, 400, "bad.request");
        assert!(
            error["message"].as_str().unwrap().contains(named),
            "{error}"
        );
    }
    assert!(app.sim.state().conversations().all().is_empty());
    // Each refused request is also recorded as a departure from the model.
    assert_eq!(app.sim.contract_findings().len(), 3);
}

#[tokio::test]
async fn an_sms_of_766_characters_gets_400_naming_the_765_limit() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app
        .api_post(Some(&token), AGENTLESS, &agentless(&"x".repeat(766)))
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 400, "bad.request");
    assert!(body["message"].as_str().unwrap().contains("765"), "{body}");
    assert!(app.sim.state().conversations().all().is_empty());
}

#[tokio::test]
async fn a_whatsapp_message_without_a_template_gets_400_naming_messaging_template() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let mut body = agentless("Hi");
    body["toAddressMessengerType"] = json!("whatsapp");

    let response = app.api_post(Some(&token), AGENTLESS, &body).await;

    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("messagingTemplate"),
        "{error}"
    );
}

#[tokio::test]
async fn an_agentless_message_without_text_body_gets_400_naming_it() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let mut body = agentless("Hi");
    body.as_object_mut().unwrap().remove("textBody");

    let response = app.api_post(Some(&token), AGENTLESS, &body).await;

    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("textBody"),
        "{error}"
    );
}
