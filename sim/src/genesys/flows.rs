//! Workflow executions: `POST /api/v2/flows/executions` and `GET /api/v2/flows/executions/{id}`.
//! Every launched workflow completes at once with empty output: cxrelay only launches and looks.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::body::is_json;
use super::errors::GenesysError;
use crate::state::{lock, SimState};

/// Version reported when the launch names none (a flow's first published version).
pub const DEFAULT_FLOW_VERSION: &str = "1.0";

/// A launched workflow, as remembered for `GET` and for test assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// Execution id (`id` in Genesys's answers).
    pub id: String,
    /// The launched flow.
    pub flow_id: String,
    /// The flow version that ran.
    pub flow_version: String,
    /// Label of the execution.
    pub name: String,
    /// The `inputData` object sent at launch (`{}` when absent).
    pub input_data: Map<String, Value>,
    /// When it was launched (and, here, completed).
    pub launched_at: DateTime<Utc>,
}

/// Launched executions by id.
#[derive(Debug, Default)]
pub struct ExecutionStore {
    by_id: Mutex<HashMap<String, Execution>>,
}

impl ExecutionStore {
    /// Remembers a launch.
    pub fn insert(&self, execution: Execution) {
        lock(&self.by_id).insert(execution.id.clone(), execution);
    }

    /// The execution with this id, if launched here.
    pub fn get(&self, id: &str) -> Option<Execution> {
        lock(&self.by_id).get(id).cloned()
    }
}

/// The fields of a launch request, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchRequest {
    /// `flowId`, required.
    pub flow_id: String,
    /// `flowVersion`, optional.
    pub flow_version: Option<String>,
    /// `name`, optional.
    pub name: Option<String>,
    /// `inputData`, optional object.
    pub input_data: Map<String, Value>,
}

/// Parses a launch body; the error names the field that is wrong, as Genesys's messages do.
pub fn parse_launch(body: &[u8]) -> Result<LaunchRequest, GenesysError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        GenesysError::bad_request(format!("The request body is not valid JSON: {e}"))
    })?;
    let Value::Object(mut fields) = value else {
        return Err(GenesysError::bad_request(
            "The request body must be a JSON object",
        ));
    };
    let flow_id = match fields.remove("flowId") {
        None | Some(Value::Null) => return Err(GenesysError::bad_request("flowId is required")),
        Some(Value::String(id)) if !id.trim().is_empty() => id,
        Some(_) => {
            return Err(GenesysError::bad_request(
                "flowId must be a non-empty string",
            ))
        }
    };
    let flow_version = optional_string(&mut fields, "flowVersion")?;
    let name = optional_string(&mut fields, "name")?;
    let input_data = match fields.remove("inputData") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(data)) => data,
        Some(_) => return Err(GenesysError::bad_request("inputData must be a JSON object")),
    };
    Ok(LaunchRequest {
        flow_id,
        flow_version,
        name,
        input_data,
    })
}

fn optional_string(
    fields: &mut Map<String, Value>,
    field: &str,
) -> Result<Option<String>, GenesysError> {
    match fields.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(GenesysError::bad_request(format!(
            "{field} must be a string"
        ))),
    }
}

/// `POST /api/v2/flows/executions`: launches (and at once completes) a workflow.
pub async fn launch(State(state): State<SimState>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_json(&headers) {
        return GenesysError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported.media.type",
            "Content-Type must be application/json",
        )
        .into_response();
    }
    let request = match parse_launch(&body) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let execution = Execution {
        name: request
            .name
            .unwrap_or_else(|| format!("flow-execution-{}", &id[..8])),
        flow_version: request
            .flow_version
            .unwrap_or_else(|| DEFAULT_FLOW_VERSION.to_owned()),
        id,
        flow_id: request.flow_id,
        input_data: request.input_data,
        launched_at: Utc::now(),
    };
    let answer = json!({
        "id": execution.id,
        "name": execution.name,
        "flowVersion": {
            "id": execution.flow_version,
            "name": execution.flow_version,
            "selfUri": format!("/api/v2/flows/{}/versions/{}", execution.flow_id, execution.flow_version),
        },
        "selfUri": format!("/api/v2/flows/executions/{}", execution.id),
    });
    state.executions().insert(execution);
    Json(answer).into_response()
}

/// `GET /api/v2/flows/executions/{id}`: the execution's (completed) state, or 404.
pub async fn get_execution(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    let Some(execution) = state.executions().get(&id) else {
        return GenesysError::not_found(format!("Flow execution {id} not found")).into_response();
    };
    let at = execution
        .launched_at
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    Json(json!({
        "id": execution.id,
        "name": execution.name,
        "status": "COMPLETED",
        "dateLaunched": at,
        "dateCompleted": at,
        "completionReason": "Completed",
        "outputData": {},
        "flowErrorInfo": null,
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_of(body: &str) -> String {
        let error = parse_launch(body.as_bytes()).unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.code(), "bad.request");
        error.message().to_owned()
    }

    #[test]
    fn a_full_launch_body_is_parsed() {
        let request = parse_launch(
            br#"{"flowId":"f1","flowVersion":"2.0","name":"n","inputData":{"Flow.x":"y"}}"#,
        )
        .unwrap();
        assert_eq!(request.flow_id, "f1");
        assert_eq!(request.flow_version.as_deref(), Some("2.0"));
        assert_eq!(request.name.as_deref(), Some("n"));
        assert_eq!(request.input_data["Flow.x"], "y");
    }

    #[test]
    fn each_bad_field_is_named_in_the_error() {
        assert!(message_of("{").contains("not valid JSON"));
        assert!(message_of("[]").contains("JSON object"));
        assert!(message_of("{}").contains("flowId is required"));
        assert!(message_of(r#"{"flowId":7}"#).contains("flowId"));
        assert!(message_of(r#"{"flowId":"f","inputData":[1]}"#).contains("inputData"));
        assert!(message_of(r#"{"flowId":"f","name":1}"#).contains("name"));
    }
}
