//! Cognigy Endpoints and Snapshots as stored, seeded and shown by the management API.

use std::sync::Mutex;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::state::lock;

/// The `channel` of every simulated Endpoint: cxrelay talks to REST Endpoints.
pub const REST_CHANNEL: &str = "rest";
/// `flowName` reported in transcripts when the seed names none.
pub const DEFAULT_FLOW_NAME: &str = "Main Flow";

/// A Cognigy Endpoint; serialized as `GET /new/v2.0/endpoints/{id}` answers it.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Management-API id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Display name.
    pub name: String,
    /// The secret path segment of the Endpoint URL.
    #[serde(rename = "URLToken")]
    pub url_token: String,
    /// Always [`REST_CHANNEL`].
    pub channel: String,
    /// The Flow it runs.
    #[serde(rename = "flowId")]
    pub flow_id: String,
    /// The locale it runs in.
    #[serde(rename = "localeId")]
    pub locale_id: String,
    /// Whether it accepts messages.
    pub active: bool,
    /// The snapshot (or project) it serves: the live bot version.
    pub entrypoint: String,
    /// Name of the Flow, as transcripts show it (not part of the real Endpoint).
    #[serde(skip)]
    pub flow_name: String,
}

/// An Endpoint as `POST /_sim/cognigy/endpoints` and the seed file take it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EndpointSeed {
    /// Generated (24 hex digits) when absent.
    #[serde(rename = "_id", default)]
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// The secret path segment.
    #[serde(rename = "URLToken")]
    pub url_token: String,
    /// Default `true`.
    #[serde(default = "yes")]
    pub active: bool,
    /// The snapshot (or project) it serves.
    pub entrypoint: String,
    /// Generated when absent.
    #[serde(rename = "flowId", default)]
    pub flow_id: Option<String>,
    /// Generated when absent.
    #[serde(rename = "localeId", default)]
    pub locale_id: Option<String>,
    /// Default [`DEFAULT_FLOW_NAME`].
    #[serde(rename = "flowName", default)]
    pub flow_name: Option<String>,
}

fn yes() -> bool {
    true
}

/// `PATCH /_sim/cognigy/endpoints/{id}`: the fields to change.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    /// Enable or disable it.
    #[serde(default)]
    pub active: Option<bool>,
    /// Serve another snapshot.
    #[serde(default)]
    pub entrypoint: Option<String>,
}

/// A Snapshot; serialized as an item of `GET /new/v2.0/snapshots`.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Snapshot id.
    #[serde(rename = "_id")]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Content hash.
    pub hash: String,
    /// Creation time in Unix seconds (the vendor's unit is UNCONFIRMED).
    pub created_at: i64,
    /// The project it belongs to (filters `?projectId=`; not shown).
    #[serde(skip)]
    pub project_id: Option<String>,
}

/// A Snapshot as `POST /_sim/cognigy/snapshots` and the seed file take it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnapshotSeed {
    /// Generated when absent.
    #[serde(rename = "_id", default)]
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// The project it belongs to.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Default empty.
    #[serde(default)]
    pub description: Option<String>,
    /// Generated when absent.
    #[serde(default)]
    pub hash: Option<String>,
}

/// A new Cognigy-style id: 24 hex digits, like a MongoDB ObjectId.
pub fn new_object_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..24].to_owned()
}

/// Endpoints and Snapshots in creation order.
#[derive(Debug, Default)]
pub struct ResourceStore {
    endpoints: Mutex<Vec<Endpoint>>,
    snapshots: Mutex<Vec<Snapshot>>,
}

impl ResourceStore {
    /// Stores an Endpoint, replacing the one with the same `_id`. Refused when another
    /// Endpoint has the same URLToken (the token is what a turn is routed by).
    pub fn put_endpoint(&self, seed: EndpointSeed) -> Result<Endpoint, String> {
        if seed.url_token.trim().is_empty() || seed.url_token.contains('/') {
            return Err("URLToken must be a non-empty path segment".to_owned());
        }
        let endpoint = Endpoint {
            id: seed.id.unwrap_or_else(new_object_id),
            name: seed.name,
            url_token: seed.url_token,
            channel: REST_CHANNEL.to_owned(),
            flow_id: seed.flow_id.unwrap_or_else(new_object_id),
            locale_id: seed.locale_id.unwrap_or_else(new_object_id),
            active: seed.active,
            entrypoint: seed.entrypoint,
            flow_name: seed
                .flow_name
                .unwrap_or_else(|| DEFAULT_FLOW_NAME.to_owned()),
        };
        let mut endpoints = lock(&self.endpoints);
        if endpoints
            .iter()
            .any(|e| e.url_token == endpoint.url_token && e.id != endpoint.id)
        {
            return Err(format!(
                "another Endpoint than {} has this URLToken",
                endpoint.id
            ));
        }
        endpoints.retain(|e| e.id != endpoint.id);
        endpoints.push(endpoint.clone());
        Ok(endpoint)
    }

    /// Applies `patch` to Endpoint `id`; `None` when there is none.
    pub fn patch_endpoint(&self, id: &str, patch: EndpointPatch) -> Option<Endpoint> {
        let mut endpoints = lock(&self.endpoints);
        let endpoint = endpoints.iter_mut().find(|e| e.id == id)?;
        if let Some(active) = patch.active {
            endpoint.active = active;
        }
        if let Some(entrypoint) = patch.entrypoint {
            endpoint.entrypoint = entrypoint;
        }
        Some(endpoint.clone())
    }

    /// The Endpoint with this `_id`.
    pub fn endpoint(&self, id: &str) -> Option<Endpoint> {
        lock(&self.endpoints).iter().find(|e| e.id == id).cloned()
    }

    /// The Endpoint with this URLToken.
    pub fn endpoint_by_token(&self, url_token: &str) -> Option<Endpoint> {
        lock(&self.endpoints)
            .iter()
            .find(|e| e.url_token == url_token)
            .cloned()
    }

    /// Stores a Snapshot, replacing the one with the same `_id`.
    pub fn put_snapshot(&self, seed: SnapshotSeed) -> Snapshot {
        let snapshot = Snapshot {
            id: seed.id.unwrap_or_else(new_object_id),
            name: seed.name,
            description: seed.description.unwrap_or_default(),
            hash: seed
                .hash
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
            created_at: Utc::now().timestamp(),
            project_id: seed.project_id,
        };
        let mut snapshots = lock(&self.snapshots);
        snapshots.retain(|s| s.id != snapshot.id);
        snapshots.push(snapshot.clone());
        snapshot
    }

    /// Every Snapshot, or those of `project_id` (a snapshot seeded without a project belongs
    /// to every project).
    pub fn snapshots(&self, project_id: Option<&str>) -> Vec<Snapshot> {
        lock(&self.snapshots)
            .iter()
            .filter(|s| match (project_id, &s.project_id) {
                (Some(wanted), Some(project)) => wanted == project,
                _ => true,
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(id: &str, token: &str) -> EndpointSeed {
        EndpointSeed {
            id: Some(id.into()),
            name: "support".into(),
            url_token: token.into(),
            active: true,
            entrypoint: "snap-1".into(),
            flow_id: None,
            locale_id: None,
            flow_name: None,
        }
    }

    #[test]
    fn an_endpoint_is_replaced_by_id_and_a_token_belongs_to_one_endpoint() {
        let store = ResourceStore::default();
        store.put_endpoint(seed("e1", "tok-1")).unwrap();
        let mut again = seed("e1", "tok-1");
        again.active = false;
        store.put_endpoint(again).unwrap();
        assert!(!store.endpoint("e1").unwrap().active);
        assert!(store.put_endpoint(seed("e2", "tok-1")).is_err());
        assert!(store.put_endpoint(seed("e3", "a/b")).is_err());
        assert_eq!(store.endpoint_by_token("tok-1").unwrap().id, "e1");
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let store = ResourceStore::default();
        store.put_endpoint(seed("e1", "tok")).unwrap();
        let patched = store
            .patch_endpoint(
                "e1",
                EndpointPatch {
                    active: Some(false),
                    entrypoint: None,
                },
            )
            .unwrap();
        assert!(!patched.active);
        assert_eq!(patched.entrypoint, "snap-1");
        assert!(store
            .patch_endpoint("e9", EndpointPatch::default())
            .is_none());
    }

    #[test]
    fn snapshots_are_filtered_by_project() {
        let store = ResourceStore::default();
        let mine = SnapshotSeed {
            id: Some("s1".into()),
            name: "r1".into(),
            project_id: Some("p1".into()),
            description: None,
            hash: None,
        };
        store.put_snapshot(mine);
        assert_eq!(store.snapshots(Some("p1")).len(), 1);
        assert!(store.snapshots(Some("p2")).is_empty());
        assert_eq!(new_object_id().len(), 24);
    }
}
