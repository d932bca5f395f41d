//! Process Automation triggers: `POST /api/v2/processautomation/triggers`,
//! `GET /api/v2/processautomation/triggers[?topicName=…]` and
//! `GET /api/v2/processautomation/triggers/{id}`.
//!
//! The simulator stores triggers and never fires them. Like Genesys, it accepts two triggers
//! with the same name: a setup command that is not idempotent shows up as a second entity.

use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::body::{json_object, optional_bool, optional_string, required_string};
use super::conversation::new_id;
use super::errors::GenesysError;
use crate::state::{lock, SimState};

/// Stored triggers (the answers of the create call), in creation order.
#[derive(Debug, Default)]
pub struct TriggerStore {
    triggers: Mutex<Vec<Value>>,
}

impl TriggerStore {
    /// Remembers a created trigger.
    pub fn push(&self, trigger: Value) {
        lock(&self.triggers).push(trigger);
    }

    /// Every trigger, or those on `topic_name`.
    pub fn list(&self, topic_name: Option<&str>) -> Vec<Value> {
        lock(&self.triggers)
            .iter()
            .filter(|t| topic_name.is_none_or(|topic| t["topicName"] == topic))
            .cloned()
            .collect()
    }

    /// The trigger with this id.
    pub fn get(&self, id: &str) -> Option<Value> {
        lock(&self.triggers).iter().find(|t| t["id"] == id).cloned()
    }
}

/// Checks a create body: `topicName` and `target.id` are required, `enabled` is a boolean.
/// Returns the body with `id`, `version` and `selfUri` added: the stored trigger.
pub fn new_trigger(mut fields: Map<String, Value>) -> Result<Value, GenesysError> {
    required_string(&fields, "topicName")?;
    optional_string(&fields, "name")?;
    optional_bool(&fields, "enabled")?;
    let target = match fields.get("target") {
        Some(Value::Object(target)) => target,
        _ => return Err(GenesysError::bad_request("target.id is required")),
    };
    required_string(target, "id")
        .map_err(|_| GenesysError::bad_request("target.id is required"))?;
    if let Some(kind) = optional_string(target, "type")? {
        if kind != "Workflow" {
            return Err(GenesysError::bad_request(format!(
                "target.type must be Workflow, got {kind}"
            )));
        }
    }
    let id = new_id();
    fields.insert("id".into(), json!(id));
    fields.insert("version".into(), json!(1));
    fields.insert(
        "selfUri".into(),
        json!(format!("/api/v2/processautomation/triggers/{id}")),
    );
    Ok(Value::Object(fields))
}

/// `POST /api/v2/processautomation/triggers`.
pub async fn create_trigger(
    State(state): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match json_object(&headers, &body).and_then(new_trigger) {
        Ok(trigger) => {
            state.triggers().push(trigger.clone());
            Json(trigger).into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// The query of the list call.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerListQuery {
    /// Only triggers on this topic.
    pub topic_name: Option<String>,
}

/// `GET /api/v2/processautomation/triggers`: `{"entities":[...]}`.
pub async fn list_triggers(
    State(state): State<SimState>,
    Query(query): Query<TriggerListQuery>,
) -> Json<Value> {
    let entities = state.triggers().list(query.topic_name.as_deref());
    Json(json!({ "entities": entities }))
}

/// `GET /api/v2/processautomation/triggers/{id}`.
pub async fn get_trigger(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    match state.triggers().get(&id) {
        Some(trigger) => Json(trigger).into_response(),
        None => GenesysError::not_found(format!("Trigger {id} not found")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(value: Value) -> Result<Value, GenesysError> {
        match value {
            Value::Object(fields) => new_trigger(fields),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn a_trigger_echoes_its_body_with_an_id_and_version_one() {
        let trigger = create(json!({
            "topicName": "v2.detail.events.conversation.{id}.customer.end",
            "name": "cxrelay end", "enabled": true,
            "target": {"type": "Workflow", "id": "wf-1",
                       "workflowTargetSettings": {"dataFormat": "TopLevelPrimitives"}},
            "eventTTLSeconds": 60,
        }))
        .unwrap();
        assert_eq!(trigger["version"], 1);
        assert_eq!(trigger["eventTTLSeconds"], 60);
        let id = trigger["id"].as_str().unwrap();
        assert_eq!(
            trigger["selfUri"],
            format!("/api/v2/processautomation/triggers/{id}")
        );
    }

    #[test]
    fn a_trigger_without_topic_or_target_id_is_a_bad_request() {
        let error = create(json!({"target": {"id": "wf"}})).unwrap_err();
        assert!(error.message().contains("topicName"));
        let error = create(json!({"topicName": "t", "target": {"type": "Workflow"}})).unwrap_err();
        assert!(error.message().contains("target.id"));
    }

    #[test]
    fn the_list_filters_by_topic() {
        let store = TriggerStore::default();
        store.push(json!({"id": "1", "topicName": "a"}));
        store.push(json!({"id": "2", "topicName": "b"}));
        assert_eq!(store.list(None).len(), 2);
        assert_eq!(store.list(Some("b"))[0]["id"], "2");
        assert!(store.get("3").is_none());
    }
}
