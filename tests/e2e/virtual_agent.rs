use chrono::Utc;
use cxrelay_core::envelope::EventEnvelope;
use cxrelay_core::kinds::EventKind;
use cxrelay_tests::app::{HUMAN_QUEUE_ID, MAX_SESSIONS_PER_BOT, PATIENCE};
use cxrelay_tests::{broker, spawn_app, wait, AppOptions, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

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

/// The virtual-agent sessions of `bot`: (session_key, status, turns, path).
async fn sessions_of(db: &PgPool, bot: &str) -> Vec<(String, String, i32, Option<String>)> {
    sqlx::query_as(
        "SELECT session_key, status, turns, path FROM sessions
          WHERE kind = 'virtual_agent' AND bot_id = $1 ORDER BY id",
    )
    .bind(bot)
    .fetch_all(db)
    .await
    .unwrap()
}

/// The transcript of conversation `conversation`: (text, data) in order.
async fn transcript_of(db: &PgPool, conversation: &str) -> Vec<(Option<String>, Value)> {
    sqlx::query_as(
        "SELECT t.text, t.data FROM transcripts t JOIN sessions s ON s.id = t.session_id
          WHERE s.kind = 'virtual_agent' AND s.conversation_id = $1 ORDER BY t.id",
    )
    .bind(conversation)
    .fetch_all(db)
    .await
    .unwrap()
}

/// Active sessions `bot` holds toward its cap.
async fn active_count(db: &PgPool, bot: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM sessions WHERE kind = 'virtual_agent' AND bot_id = $1 AND status = 'active'",
    )
    .bind(bot)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_sentiment_escalates_to_the_human_queue_and_keeps_the_bots_text_for_the_agent() {
    let app = spawn_app(AppOptions::default()).await;
    let mut body = request("bot-b", "+15550002");
    body["sentiment"] = json!(-0.8);
    body["text"] = json!("I am sorry. Let me find a person for you.");
    let event = app.post_and_finish(ROUTE, &body).await;
    assert_eq!(event["result"]["path"], "escalated", "{event}");
    assert_eq!(event["result"]["escalatedBecause"], "sentiment");
    assert_eq!(event["result"]["textSent"], false, "{event}");
    let escalations = app
        .sim_calls_to("POST", "/api/v2/conversations/messages")
        .await;
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0]["body"]["queueId"], HUMAN_QUEUE_ID);
    assert!(app
        .sim_calls_to("POST", "/api/v2/conversations/messages/agentless")
        .await
        .is_empty());
    let conversation = event["result"]["conversationId"].as_str().unwrap();
    let transcript = transcript_of(&app.db, conversation).await;
    assert_eq!(transcript.len(), 1, "{transcript:?}");
    assert_eq!(
        transcript[0].0.as_deref(),
        Some("I am sorry. Let me find a person for you."),
        "the text the escalation could not carry is in the transcript"
    );
    assert_eq!(transcript[0].1["textSent"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_event_for_a_customer_with_a_live_conversation_is_another_turn_of_its_session() {
    let app = spawn_app(AppOptions::default()).await;
    let first = app
        .post_and_finish(ROUTE, &request("bot-r", "+15550400"))
        .await;
    assert_eq!(first["status"], "succeeded", "{first}");
    let mut unhappy = request("bot-r", "+15550400");
    unhappy["text"] = json!("Let me find a person for you.");
    unhappy["sentiment"] = json!(-0.8);
    let second = app.post_and_finish(ROUTE, &unhappy).await;
    assert_eq!(second["status"], "succeeded", "{second}");
    assert_eq!(second["attempts"], 1, "carried out at once: {second}");
    let conversation = first["result"]["conversationId"].as_str().unwrap();
    assert_eq!(
        second["result"]["conversationId"], conversation,
        "Genesys reused the live conversation"
    );

    let agentless = app
        .sim_calls_to("POST", "/api/v2/conversations/messages/agentless")
        .await;
    let escalations = app
        .sim_calls_to("POST", "/api/v2/conversations/messages")
        .await;
    assert_eq!((agentless.len(), escalations.len()), (1, 1));
    assert_eq!(escalations[0]["body"]["toAddress"], "+15550400");

    assert_eq!(
        sessions_of(&app.db, "bot-r").await,
        [(
            conversation.to_owned(),
            "active".to_owned(),
            2,
            Some("escalated".to_owned())
        )],
        "one session, two turns, escalated now; no reservation left behind"
    );
    assert_eq!(active_count(&app.db, "bot-r").await, 1);
    let texts: Vec<Option<String>> = transcript_of(&app.db, conversation)
        .await
        .into_iter()
        .map(|(text, _)| text)
        .collect();
    assert_eq!(
        texts,
        [
            Some("Hi, I am the assistant. How can I help?".to_owned()),
            Some("Let me find a person for you.".to_owned())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_at_its_cap_still_writes_to_a_customer_it_has_a_session_with() {
    let app = spawn_app(AppOptions::default()).await;
    let mut conversations = Vec::new();
    for i in 0..MAX_SESSIONS_PER_BOT {
        let event = app
            .post_and_finish(ROUTE, &request("bot-s", &format!("+1555050{i}")))
            .await;
        assert_eq!(event["status"], "succeeded", "{event}");
        conversations.push(event["result"]["conversationId"].clone());
    }
    let again = app
        .post_and_finish(ROUTE, &request("bot-s", "+15550500"))
        .await;
    assert_eq!(again["status"], "succeeded", "{again}");
    assert_eq!(again["result"]["conversationId"], conversations[0]);
    assert_eq!(
        active_count(&app.db, "bot-s").await,
        i64::from(MAX_SESSIONS_PER_BOT)
    );

    let new_customer = app
        .post_and_finish(ROUTE, &request("bot-s", "+15550599"))
        .await;
    assert_eq!(
        new_customer["reason"], "concurrency_limit",
        "a new customer still needs a free slot: {new_customer}"
    );
    let turns: Vec<i32> = sessions_of(&app.db, "bot-s")
        .await
        .into_iter()
        .map(|(_, _, turns, _)| turns)
        .collect();
    assert_eq!(turns, [2, 1]);
}

/// The event's final state, as if the commit after its turn was lost with the worker.
async fn lose_final_commit(app: &TestApp, event_id: &str) {
    sqlx::query(
        "UPDATE events SET status = 'processing', result = NULL, finished_at = NULL WHERE id = $1::uuid",
    )
    .bind(event_id)
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivery_after_the_turn_was_recorded_does_not_message_the_customer_again() {
    let app = spawn_app(AppOptions::default()).await;
    let body = request("bot-t", "+15550600");
    let response = app.post(ROUTE, &body).await;
    assert_eq!(response.status(), 202);
    let event_id = response.json::<Value>().await.unwrap()["eventId"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = app.wait_for_final(&event_id).await;
    assert_eq!(first["status"], "succeeded", "{first}");

    lose_final_commit(&app, &event_id).await;
    let envelope = EventEnvelope {
        event_id: event_id.parse::<Uuid>().unwrap(),
        kind: EventKind::GenesysVirtualAgent,
        received_at: Utc::now(),
        request_id: None,
        idempotency_key: None,
        attempt: 0,
        generation: 0,
        source: None,
        key_name: None,
        payload: body,
    };
    broker::publish_envelope(
        &app.topology.queue_for(EventKind::GenesysVirtualAgent),
        envelope,
    )
    .await;
    let second = wait::until("the redelivery to finish", PATIENCE, || async {
        let event: Value = app.get_event(&event_id).await.json().await.ok()?;
        (event["attempts"] == 2 && event["status"] != "processing").then_some(event)
    })
    .await;
    assert_eq!(second["status"], "succeeded", "{second}");
    assert_eq!(second["result"], first["result"]);
    assert_eq!(
        app.sim_calls_to("POST", "/api/v2/conversations/messages/agentless")
            .await
            .len(),
        1,
        "the customer got the message once"
    );
    let conversation = first["result"]["conversationId"].as_str().unwrap();
    assert_eq!(
        sessions_of(&app.db, "bot-t").await,
        [(
            conversation.to_owned(),
            "active".to_owned(),
            1,
            Some("agentless".to_owned())
        )]
    );
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
    // Over 40 KiB in all, each string under the ingress's per-string limit (16,384 characters),
    // so that the attribute size rule is what refuses it.
    let blobs: serde_json::Map<String, Value> = (0..41)
        .map(|i| (format!("blob{i}"), json!("y".repeat(1024))))
        .collect();
    big["attributes"] = Value::Object(blobs);
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
fn every_messenger_type_cxrelay_takes_is_one_both_genesys_requests_allow() {
    use cxrelay_sim::contract::fixture::{TypeSpec, Vendor};
    let models = &Vendor::Genesys.fixture().models;
    // An event is escalated (a queue conversation) or sent agentless: both must take its type.
    for model in [
        "SendAgentlessOutboundMessageRequest",
        "CreateOutboundMessagingConversationRequest",
    ] {
        let field = &models[model].fields["toAddressMessengerType"];
        let TypeSpec::String {
            values: Some(allowed),
        } = &field.ty
        else {
            panic!("{model}.toAddressMessengerType has no enum in the fixture");
        };
        for ours in cxrelay_core::kinds::MESSENGER_TYPES {
            assert!(
                allowed.iter().any(|value| value == ours),
                "{ours} is not a {model}.toAddressMessengerType: {allowed:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agentless_sender_is_the_events_or_the_configured_one_and_without_either_the_event_is_dead_without_a_call(
) {
    let app = spawn_app(AppOptions {
        customize: Some(std::sync::Arc::new(|settings| {
            settings.genesys.messaging_from.open = None;
        })),
        ..AppOptions::default()
    })
    .await;
    let agentless = "/api/v2/conversations/messages/agentless";
    let body = |bot: &str, to: &str, messenger: &str, from: Option<&str>| {
        let mut body = json!({"botId": bot, "toAddress": to, "toAddressMessengerType": messenger,
                              "text": "Hello", "intentScore": 0.9});
        if let Some(from) = from {
            body["fromAddress"] = json!(from);
        }
        body
    };
    // SMS without a sender in the event: the configured SMS number.
    let event = app
        .post_and_finish(ROUTE, &body("bot-s", "+15550111", "sms", None))
        .await;
    assert_eq!(event["status"], "succeeded", "{event}");
    // Open Messaging has no configured sender here: the event's own wins.
    let event = app
        .post_and_finish(ROUTE, &body("bot-s", "om-user-1", "open", Some("brand")))
        .await;
    assert_eq!(event["status"], "succeeded", "{event}");
    let sent: Vec<Value> = app
        .sim_calls_to("POST", agentless)
        .await
        .into_iter()
        .map(|call| call["body"]["fromAddress"].clone())
        .collect();
    assert_eq!(sent, [json!(cxrelay_tests::app::SMS_FROM), json!("brand")]);

    // Neither: dead, naming the setting, and Genesys is not called.
    let event = app
        .post_and_finish(ROUTE, &body("bot-t", "om-user-2", "open", None))
        .await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("dead"), Some("not_configured")),
        "{event}"
    );
    assert!(
        event["lastError"]
            .as_str()
            .unwrap()
            .contains("CXRELAY_GENESYS__MESSAGING_FROM__OPEN"),
        "{event}"
    );
    assert_eq!(app.sim_calls_to("POST", agentless).await.len(), 2);
    assert_eq!(event["calls"], json!([]));
    assert_eq!(
        active_count(&app.db, "bot-t").await,
        0,
        "the refused turn holds no session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_takes_the_conversation_id_from_the_id_genesys_answers() {
    let app = spawn_app(AppOptions::default()).await;
    let event = app
        .post_and_finish(
            ROUTE,
            &json!({"botId": "bot-e", "toAddress": "+15550122", "toAddressMessengerType": "sms",
                    "text": "Let me get someone", "intentScore": 0.1}),
        )
        .await;
    assert_eq!(
        (event["status"].as_str(), event["result"]["path"].as_str()),
        (Some("succeeded"), Some("escalated")),
        "{event}"
    );
    // The queue conversation's answer is {id, selfUri}: the id is the conversation's.
    let conversations = app.sim.state().conversations().all();
    assert_eq!(conversations.len(), 1);
    assert_eq!(event["result"]["conversationId"], conversations[0].id);
}
