//! Flow definitions of the simulated org: `GET /api/v2/flows/{flowId}`, what an operator's
//! tools (and `cxrelay check`) read to see that the configured fallback flow exists, is a
//! workflow and is published. Launches (`POST /api/v2/flows/executions`, [`super::flows`]) do
//! not look here: the simulated org launches any flow id, so tests need not seed one.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::errors::GenesysError;
use crate::state::{lock, SimState};

/// The only flow type `POST /api/v2/flows/executions` can launch.
pub const WORKFLOW: &str = "WORKFLOW";
/// Division every seeded flow and queue belongs to: Genesys's default division.
pub const HOME_DIVISION_ID: &str = "00000000-0000-4000-8000-000000000001";

/// A flow as `POST /_sim/genesys/flows` and the seed file take it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowSeed {
    /// Flow id; a new UUID when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// Flow type as Genesys spells it (`WORKFLOW`, `INBOUNDCALL`, ...); default [`WORKFLOW`].
    #[serde(rename = "type", default = "workflow")]
    pub flow_type: String,
    /// The published version (`"1.0"` by default); `null`: never published.
    #[serde(default = "first_version")]
    pub published_version: Option<String>,
}

fn workflow() -> String {
    WORKFLOW.to_owned()
}

fn first_version() -> Option<String> {
    Some(super::flows::DEFAULT_FLOW_VERSION.to_owned())
}

/// Flow definitions by id.
#[derive(Debug, Default)]
pub struct FlowStore {
    by_id: Mutex<HashMap<String, FlowSeed>>,
}

impl FlowStore {
    /// Stores a flow (replacing one with the same id) and gives it back with its id.
    pub fn put(&self, mut flow: FlowSeed) -> FlowSeed {
        let id = flow
            .id
            .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        lock(&self.by_id).insert(id, flow.clone());
        flow
    }

    /// The flow with this id.
    pub fn get(&self, id: &str) -> Option<FlowSeed> {
        lock(&self.by_id).get(id).cloned()
    }
}

/// A flow as `GET /api/v2/flows/{flowId}` shows it (the fields of Genesys's `Flow` that a
/// reader of one flow needs; `publishedVersion` is absent when the flow was never published).
pub fn flow_view(id: &str, flow: &FlowSeed) -> Value {
    let mut view = json!({
        "id": id,
        "name": flow.name,
        "division": {
            "id": HOME_DIVISION_ID,
            "name": "Home",
            "selfUri": format!("/api/v2/authorization/divisions/{HOME_DIVISION_ID}"),
        },
        "description": "",
        "type": flow.flow_type,
        "active": flow.published_version.is_some(),
        "system": false,
        "deleted": false,
        "selfUri": format!("/api/v2/flows/{id}"),
    });
    if let (Some(version), Value::Object(fields)) = (&flow.published_version, &mut view) {
        fields.insert(
            "publishedVersion".to_owned(),
            json!({
                "id": version,
                "name": version,
                "selfUri": format!("/api/v2/flows/{id}/versions/{version}"),
            }),
        );
    }
    view
}

/// `GET /api/v2/flows/{flowId}`: the flow, or 404 `not.found`.
pub async fn get_flow(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    match state.flows().get(&id) {
        Some(flow) => Json(flow_view(&id, &flow)).into_response(),
        None => GenesysError::not_found(format!("Flow {id} not found")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_defaults_to_a_published_workflow() {
        let seed: FlowSeed = serde_json::from_str(r#"{"name":"fallback"}"#).unwrap();
        assert_eq!(seed.flow_type, WORKFLOW);
        let view = flow_view("f1", &seed);
        assert_eq!(view["publishedVersion"]["id"], "1.0");
        assert_eq!(view["type"], "WORKFLOW");
    }

    #[test]
    fn an_unpublished_flow_has_no_published_version() {
        let seed: FlowSeed = serde_json::from_str(
            r#"{"name":"draft","type":"INBOUNDCALL","publishedVersion":null}"#,
        )
        .unwrap();
        let view = flow_view("f2", &seed);
        assert!(view.get("publishedVersion").is_none());
        assert_eq!(view["active"], false);
    }
}
