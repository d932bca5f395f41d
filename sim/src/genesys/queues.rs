//! Queues of the simulated org: `GET /api/v2/routing/queues/{queueId}`, how an operator's tools
//! (and `cxrelay check`) see that the configured fallback and human queues exist. Transfers and
//! messaging do not look here: the simulated org routes to any queue id.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::architect_flows::HOME_DIVISION_ID;
use super::errors::GenesysError;
use crate::state::{lock, SimState};

/// A queue as `POST /_sim/genesys/queues` and the seed file take it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueSeed {
    /// Queue id; a new UUID when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// Agents who are members of the queue (default 0).
    #[serde(default)]
    pub member_count: u32,
    /// Of them, those who joined it (default 0).
    #[serde(default)]
    pub joined_member_count: u32,
}

/// A stored queue.
#[derive(Debug, Clone)]
struct StoredQueue {
    seed: QueueSeed,
    created: DateTime<Utc>,
}

/// Queues by id.
#[derive(Debug, Default)]
pub struct QueueStore {
    by_id: Mutex<HashMap<String, StoredQueue>>,
}

impl QueueStore {
    /// Stores a queue (replacing one with the same id) and gives it back with its id.
    pub fn put(&self, mut seed: QueueSeed) -> QueueSeed {
        let id = seed
            .id
            .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        let stored = StoredQueue {
            seed: seed.clone(),
            created: Utc::now(),
        };
        lock(&self.by_id).insert(id, stored);
        seed
    }

    /// The queue with this id, as the API shows it.
    pub fn view(&self, id: &str) -> Option<Value> {
        let by_id = lock(&self.by_id);
        let stored = by_id.get(id)?;
        let queue = &stored.seed;
        Some(json!({
            "id": id,
            "name": queue.name,
            "division": {
                "id": HOME_DIVISION_ID,
                "name": "Home",
                "selfUri": format!("/api/v2/authorization/divisions/{HOME_DIVISION_ID}"),
            },
            "description": "",
            "dateCreated": stored.created.to_rfc3339_opts(SecondsFormat::Millis, true),
            "memberCount": queue.member_count,
            "userMemberCount": queue.member_count,
            "joinedMemberCount": queue.joined_member_count,
            "mediaSettings": {},
            "skillEvaluationMethod": "BEST",
            "selfUri": format!("/api/v2/routing/queues/{id}"),
        }))
    }
}

/// `GET /api/v2/routing/queues/{queueId}`: the queue, or 404 `not.found`.
pub async fn get_queue(State(state): State<SimState>, Path(id): Path<String>) -> Response {
    match state.queues().view(&id) {
        Some(view) => Json(view).into_response(),
        None => GenesysError::not_found(format!("Queue {id} not found")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_queue_is_shown_with_its_counts_and_an_unknown_one_is_not() {
        let store = QueueStore::default();
        let queue = store.put(QueueSeed {
            id: Some("q1".into()),
            name: "IVR fallback".into(),
            member_count: 3,
            joined_member_count: 2,
        });
        assert_eq!(queue.id.as_deref(), Some("q1"));
        let view = store.view("q1").unwrap();
        assert_eq!(view["name"], "IVR fallback");
        assert_eq!(view["joinedMemberCount"], 2);
        assert!(store.view("q2").is_none());
    }
}
