use cxrelay_tests::app::{HUMAN_QUEUE_ID, MAX_SESSIONS_PER_BOT};
use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::{json, Value};

const ROUTE: &str = "/v1/genesys/virtual-agent-sessions";

fn request(bot: &str, to: &str) -> Value {
    json!({"botId": bot, "toAddress": to, "toAddressMessengerType": "open", "fromAddress": "brand",
           "text": "Hi, I am the assistant. How can I help?", "intentScore": 0.9, "sentiment": 0.4})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confident_bot_sends_the_agentless_message_and_the_session_is_active() {
    let app = spawn_app(AppOptions::default()).await;
    let event = app
        .post_and_finish(ROUTE, &request("bot-a", "+15550001"))
        .await;
    assert_eq!(event["status"], "succeeded", "{event}");
    assert_eq!(event["result"]["path"], "agentless");
    let sent = app
        .sim_calls_to("POST", "/api/v2/conversations/messages/agentless")
        .await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["body"]["textBody"],
        "Hi, I am the assistant. How can I help?"
    );
    assert_eq!(sent[0]["body"]["toAddressMessengerType"], "open");
    let conversation = event["result"]["conversationId"].as_str().unwrap();
    let (status, path): (String, String) = sqlx::query_as(
        "SELECT status, path FROM sessions WHERE kind = 'virtual_agent' AND conversation_id = $1",
    )
    .bind(conversation)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((status.as_str(), path.as_str()), ("active", "agentless"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_sentiment_escalates_to_the_human_queue() {
    let app = spawn_app(AppOptions::default()).await;
    let mut body = request("bot-b", "+15550002");
    body["sentiment"] = json!(-0.8);
    let event = app.post_and_finish(ROUTE, &body).await;
    assert_eq!(event["result"]["path"], "escalated", "{event}");
    assert_eq!(event["result"]["escalatedBecause"], "sentiment");
    let escalations = app
        .sim_calls_to("POST", "/api/v2/conversations/messages")
        .await;
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0]["body"]["queueId"], HUMAN_QUEUE_ID);
    assert!(app
        .sim_calls_to("POST", "/api/v2/conversations/messages/agentless")
        .await
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_at_its_session_limit_refuses_more_with_concurrency_limit() {
    let app = spawn_app(AppOptions::default()).await;
    for i in 0..MAX_SESSIONS_PER_BOT {
        let event = app
            .post_and_finish(ROUTE, &request("bot-c", &format!("+1555010{i}")))
            .await;
        assert_eq!(event["status"], "succeeded", "{event}");
    }
    let refused = app
        .post_and_finish(ROUTE, &request("bot-c", "+15550199"))
        .await;
    assert_eq!(
        (refused["status"].as_str(), refused["reason"].as_str()),
        (Some("dead"), Some("concurrency_limit")),
        "{refused}"
    );
    let other_bot = app
        .post_and_finish(ROUTE, &request("bot-d", "+15550200"))
        .await;
    assert_eq!(other_bot["status"], "succeeded", "the limit is per bot");
    let sent = app
        .sim_calls_to("POST", "/api/v2/conversations/messages/agentless")
        .await;
    assert_eq!(
        sent.len(),
        MAX_SESSIONS_PER_BOT as usize + 1,
        "the refused event made no call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_limits_and_attribute_size_are_checked_at_the_ingress() {
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let mut sms = request("bot-e", "+15550300");
    sms["toAddressMessengerType"] = json!("sms");
    sms["text"] = json!("x".repeat(766));
    let mut big = request("bot-e", "+15550301");
    big["attributes"] = json!({"blob": "y".repeat(41 * 1024)});
    for (body, field, rule) in [(sms, "text", "max_length"), (big, "attributes", "max_size")] {
        let response = app.post(ROUTE, &body).await;
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(
            (problem["field"].as_str(), problem["rule"].as_str()),
            (Some(field), Some(rule)),
            "{problem}"
        );
    }
}

#[test]
fn cxrelay_and_the_simulator_take_the_same_messenger_types() {
    let mut ours = cxrelay_core::kinds::MESSENGER_TYPES.to_vec();
    let mut simulated = cxrelay_sim::genesys::messages::MESSENGER_TYPES.to_vec();
    ours.sort_unstable();
    simulated.sort_unstable();
    assert_eq!(ours, simulated);
}
