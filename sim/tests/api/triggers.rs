use serde_json::{json, Value};

use crate::helpers::{assert_genesys_error, spawn_sim, uuid_like};

const TRIGGERS: &str = "/api/v2/processautomation/triggers";
const END_TOPIC: &str = "v2.detail.events.conversation.{id}.customer.end";

fn trigger_body() -> Value {
    json!({
        "topicName": END_TOPIC,
        "name": "cxrelay conversation end",
        "enabled": true,
        "target": {"type": "Workflow", "id": "wf-0001",
                   "workflowTargetSettings": {"dataFormat": "TopLevelPrimitives"}},
        "matchCriteria": [{"jsonPath": "mediaType", "operator": "Equal", "value": "MESSAGE"}],
        "eventTTLSeconds": 60,
    })
}

#[tokio::test]
async fn a_created_trigger_echoes_its_body_with_an_id_version_and_self_uri() {
    let app = spawn_sim().await;
    let token = app.token().await;

    let response = app.api_post(Some(&token), TRIGGERS, &trigger_body()).await;

    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert!(uuid_like(id), "{body}");
    assert_eq!(body["version"], 1);
    assert_eq!(body["selfUri"], format!("{TRIGGERS}/{id}"));
    assert_eq!(body["topicName"], END_TOPIC);
    assert_eq!(body["target"], trigger_body()["target"]);
    assert_eq!(body["matchCriteria"], trigger_body()["matchCriteria"]);
    assert_eq!(body["eventTTLSeconds"], 60);
}

#[tokio::test]
async fn created_triggers_are_listed_and_filtered_by_topic_name() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.api_post(Some(&token), TRIGGERS, &trigger_body()).await;
    let mut other = trigger_body();
    other["topicName"] = json!("v2.detail.events.conversation.{id}.acw");
    app.api_post(Some(&token), TRIGGERS, &other).await;

    let all: Value = app
        .api_get(Some(&token), TRIGGERS)
        .await
        .json()
        .await
        .unwrap();
    let filtered = app
        .http
        .get(app.url(TRIGGERS))
        .query(&[("topicName", END_TOPIC)])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(all["entities"].as_array().unwrap().len(), 2);
    assert_eq!(filtered.status(), 200);
    let filtered: Value = filtered.json().await.unwrap();
    let entities = filtered["entities"].as_array().unwrap();
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0]["topicName"], END_TOPIC);
    let id = entities[0]["id"].as_str().unwrap();
    let one = app.api_get(Some(&token), &format!("{TRIGGERS}/{id}")).await;
    assert_eq!(one.status(), 200);
}

#[tokio::test]
async fn a_trigger_without_topic_name_or_target_id_gets_400_naming_it() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let mut no_topic = trigger_body();
    no_topic.as_object_mut().unwrap().remove("topicName");
    let mut no_target = trigger_body();
    no_target["target"].as_object_mut().unwrap().remove("id");

    for (body, field) in [(no_topic, "topicName"), (no_target, "target.id")] {
        let response = app.api_post(Some(&token), TRIGGERS, &body).await;
        assert_eq!(response.status(), 400, "{field}");
        let error: Value = response.json().await.unwrap();
        assert_genesys_error(&error, 400, "bad.request");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
    let listed: Value = app
        .api_get(Some(&token), TRIGGERS)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["entities"], json!([]));
}
