//! Which snapshot an Endpoint serves and whether it is active, cached for a while: every turn
//! would otherwise cost a management-API call against a tenant limit of ~3.3 requests/s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// What the management API said of an Endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStatus {
    /// The Endpoint accepts traffic.
    pub active: bool,
    /// The snapshot (or project) it serves.
    pub entrypoint: String,
}

impl EndpointStatus {
    /// Reads `active` and `entrypoint` of a `GET /new/v2.0/endpoints/{id}` answer.
    pub fn from_body(body: &Value) -> Option<Self> {
        Some(Self {
            active: body.get("active")?.as_bool()?,
            entrypoint: body.get("entrypoint")?.as_str()?.to_owned(),
        })
    }
}

/// Endpoint id → (when asked, answer), shared by all events of a worker process.
pub struct EndpointStatusCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, EndpointStatus)>>,
}

impl EndpointStatusCache {
    /// A cache trusting answers for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cached answer, if still fresh.
    pub fn get(&self, endpoint_id: &str) -> Option<EndpointStatus> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(endpoint_id)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, status)| status.clone())
    }

    /// Remembers a fresh answer.
    pub fn put(&self, endpoint_id: &str, status: EndpointStatus) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.insert(endpoint_id.to_owned(), (Instant::now(), status));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fresh_answer_is_served_and_an_old_one_is_not() {
        let cache = EndpointStatusCache::new(Duration::from_secs(60));
        let status =
            EndpointStatus::from_body(&json!({"active": true, "entrypoint": "snap-1"})).unwrap();
        cache.put("e1", status.clone());
        assert_eq!(cache.get("e1"), Some(status.clone()));
        assert_eq!(cache.get("e2"), None);
        let expired = EndpointStatusCache::new(Duration::ZERO);
        expired.put("e1", status);
        assert_eq!(expired.get("e1"), None);
    }

    #[test]
    fn an_answer_without_active_or_entrypoint_is_not_a_status() {
        assert_eq!(EndpointStatus::from_body(&json!({"active": true})), None);
    }
}
