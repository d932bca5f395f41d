//! `cxrelay genesys install-trigger` against the simulator over HTTP: no database or broker.

use cxrelay_cli::genesys_trigger::{
    install_trigger, Installed, MediaType, TriggerRequest, DEFAULT_NAME,
};
use cxrelay_core::config::Settings;
use cxrelay_sim::RunningSim;
use cxrelay_tests::app::{settings_for, start_sim, CLIENT_SECRET};
use serde_json::{json, Value};
use uuid::Uuid;

const TRIGGERS: &str = "/api/v2/processautomation/triggers";
const WORKFLOW_ID: &str = "3e1d7a52-7c0b-4f4e-9d61-2a5b8c9e0f14";

/// Settings that reach the simulator; the database and broker URLs are never used.
fn settings(sim: &RunningSim) -> Settings {
    settings_for(
        "postgres://unused@127.0.0.1:1/unused",
        "amqp://unused@127.0.0.1:1/%2f",
        "unused",
        &sim.base_url(),
    )
}

fn default_request() -> TriggerRequest {
    TriggerRequest {
        workflow_id: Uuid::parse_str(WORKFLOW_ID).unwrap(),
        name: DEFAULT_NAME.to_owned(),
        media_type: MediaType::default(),
    }
}

async fn sim_calls_to(sim: &RunningSim, method: &str, path: &str) -> Vec<Value> {
    let calls: Vec<Value> = reqwest::get(format!("{}/_sim/calls", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    calls
        .into_iter()
        .filter(|call| call["method"] == method && call["path"] == path)
        .collect()
}

#[tokio::test]
async fn installing_a_trigger_creates_it_with_the_contract_body_once() {
    let sim = start_sim().await;
    let settings = settings(&sim);

    let first = install_trigger(&settings, &default_request())
        .await
        .unwrap();
    let Installed::Created { id: created, .. } = &first else {
        panic!("expected a new trigger, got: {first}");
    };
    assert!(first.to_string().contains(created.as_str()), "{first}");
    assert!(
        first
            .to_string()
            .contains("POST /v1/genesys/conversation-events"),
        "{first}"
    );
    let lookups = sim_calls_to(&sim, "GET", TRIGGERS).await;
    assert_eq!(lookups.len(), 1);
    let query = lookups[0]["query"].as_str().unwrap_or_default();
    assert!(
        query.contains("topicName=v2.detail.events.conversation.%7Bid%7D.customer.end"),
        "{query}"
    );
    let posts = sim_calls_to(&sim, "POST", TRIGGERS).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0]["body"],
        json!({
            "topicName": "v2.detail.events.conversation.{id}.customer.end",
            "name": "cxrelay conversation end",
            "enabled": true,
            "target": {
                "type": "Workflow",
                "id": WORKFLOW_ID,
                "workflowTargetSettings": {"dataFormat": "TopLevelPrimitives"},
            },
            "matchCriteria": [{"jsonPath": "mediaType", "operator": "Equal", "value": "MESSAGE"}],
            "eventTTLSeconds": 60,
        })
    );

    let second = install_trigger(&settings, &default_request())
        .await
        .unwrap();
    assert_eq!(
        second,
        Installed::AlreadyExists {
            id: created.clone(),
            name: DEFAULT_NAME.to_owned(),
        }
    );
    let refusal = second.to_string();
    assert!(
        refusal.contains("already exists") && refusal.contains(created.as_str()),
        "{refusal}"
    );
    assert_eq!(sim_calls_to(&sim, "POST", TRIGGERS).await.len(), 1);
}

#[tokio::test]
async fn a_forbidden_answer_names_the_missing_permission() {
    let sim = start_sim().await;
    let fault = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({"method": "POST", "path": TRIGGERS, "status": 403, "times": 1}))
        .send()
        .await
        .unwrap();
    assert!(fault.status().is_success(), "{}", fault.status());

    let error = install_trigger(&settings(&sim), &default_request())
        .await
        .unwrap_err();
    let text = format!("{error:#}");
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(text.contains("processautomation:trigger:add"), "{text}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
}
