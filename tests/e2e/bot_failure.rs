use cxrelay_tests::app::FALLBACK_QUEUE_ID;
use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::json;

const ROUTE: &str = "/v1/cognigy/bot-failure";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_call_is_transferred_to_the_fallback_queue() {
    let app = spawn_app(AppOptions::default()).await;
    let (conversation, participant) = app.seed_conversation().await;

    let event = app
        .post_and_finish(ROUTE, &json!({"conversationId": conversation, "participantId": participant, "reason": "flow error"}))
        .await;
    assert_eq!(event["status"], "succeeded", "{event}");
    assert_eq!(event["result"]["transferredToQueueId"], FALLBACK_QUEUE_ID);

    let reads = app
        .sim_calls_to("GET", &format!("/api/v2/conversations/{conversation}"))
        .await;
    assert_eq!(
        reads.len(),
        1,
        "the conversation is read before acting on it"
    );
    let transfer_path =
        format!("/api/v2/conversations/{conversation}/participants/{participant}/replace/queue");
    let transfers = app.sim_calls_to("POST", &transfer_path).await;
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0]["body"], json!({"queueId": FALLBACK_QUEUE_ID}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_conversation_is_dead_without_a_transfer_and_the_events_queue_wins_over_the_default(
) {
    let app = spawn_app(AppOptions::default()).await;
    let (ended, participant) = app.seed_conversation().await;
    app.sim_post(
        &format!("/_sim/genesys/conversations/{ended}/end"),
        &json!({}),
    )
    .await;
    let event = app
        .post_and_finish(
            ROUTE,
            &json!({"conversationId": ended, "participantId": participant}),
        )
        .await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("dead"), Some("conversation_not_active")),
        "{event}"
    );
    assert!(app
        .sim_calls()
        .await
        .iter()
        .all(|c| !c["path"].as_str().unwrap().ends_with("/replace/queue")));

    let (live, participant) = app.seed_conversation().await;
    let own_queue = "7f7f7f7f-0000-4000-8000-000000000007";
    let event = app
        .post_and_finish(
            ROUTE,
            &json!({"conversationId": live, "participantId": participant, "queueId": own_queue}),
        )
        .await;
    assert_eq!(
        event["result"]["transferredToQueueId"], own_queue,
        "{event}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_on_the_transfer_is_dead_with_conversation_state_conflict() {
    let app = spawn_app(AppOptions::default()).await;
    let (conversation, participant) = app.seed_conversation().await;
    let path =
        format!("/api/v2/conversations/{conversation}/participants/{participant}/replace/queue");
    app.inject_fault(&json!({"method": "POST", "path": path, "status": 409, "times": 1}))
        .await;
    let event = app
        .post_and_finish(
            ROUTE,
            &json!({"conversationId": conversation, "participantId": participant}),
        )
        .await;
    assert_eq!(
        (event["status"].as_str(), event["reason"].as_str()),
        (Some("dead"), Some("conversation_state_conflict")),
        "{event}"
    );
    assert_eq!(event["lastHttpStatus"], 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_that_is_not_a_uuid_is_refused_at_the_ingress() {
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let response = app
        .post(ROUTE, &json!({"conversationId": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "participantId": "bot"}))
        .await;
    assert_eq!(response.status(), 422);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (problem["field"].as_str(), problem["rule"].as_str()),
        (Some("participantId"), Some("format"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_whose_media_are_disconnected_is_dead_without_a_transfer_in_voice_and_messaging() {
    let app = spawn_app(AppOptions::default()).await;
    // Genesys shows a participant's state only on its media entries (`calls[].state`,
    // `messages[].state`); a bot that hung up, not yet given an endTime, is seen there alone.
    for media_type in ["voice", "message"] {
        let seeded = app
            .sim_post(
                "/_sim/genesys/conversations",
                &json!({"mediaType": media_type, "participants": [
                    {"purpose": "customer", "state": "connected"},
                    {"purpose": "ivr", "state": "disconnected"},
                ]}),
            )
            .await;
        let conversation = seeded["id"].as_str().unwrap();
        let bot = seeded["participants"][1]["id"].as_str().unwrap();
        let event = app
            .post_and_finish(
                ROUTE,
                &json!({"conversationId": conversation, "participantId": bot}),
            )
            .await;
        assert_eq!(
            (event["status"].as_str(), event["reason"].as_str()),
            (Some("dead"), Some("conversation_not_active")),
            "{media_type}: {event}"
        );
        assert!(
            event["lastError"]
                .as_str()
                .unwrap()
                .contains("already disconnected"),
            "{event}"
        );
        let read = app
            .sim_calls_to("GET", &format!("/api/v2/conversations/{conversation}"))
            .await;
        let media = if media_type == "voice" {
            "calls"
        } else {
            "messages"
        };
        assert_eq!(
            read[0]["status"], 200,
            "the conversation was read: {read:?}"
        );
        let stored = app
            .sim
            .state()
            .conversations()
            .get(conversation)
            .unwrap()
            .api_view();
        assert_eq!(stored["participants"][1][media][0]["state"], "disconnected");
    }
    assert!(app
        .sim_calls()
        .await
        .iter()
        .all(|c| !c["path"].as_str().unwrap().ends_with("/replace/queue")));
}
