//! How an event ends after a delivery.

use serde_json::Value;

/// The final state a handler reached for the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Done; `result` is stored and served by `GET /v1/events/{id}`.
    Succeeded {
        /// What the downstream call produced (e.g. `flowExecutionId`).
        result: Value,
    },
    /// Not yet: the event goes back to the broker and is tried again after `delay_ms`.
    Retry {
        /// Why, as for a dead event.
        reason: &'static str,
        /// What happened.
        detail: String,
        /// How long to wait (rounded up to a retry tier).
        delay_ms: u64,
    },
    /// Cannot be carried out; `reason` is a short class for queries, `detail` is for people.
    Dead {
        /// Machine-readable class: `rejected`, `unavailable`, `unauthorized`, ...
        reason: &'static str,
        /// What happened, without secrets.
        detail: String,
    },
}

impl Verdict {
    /// A dead verdict.
    pub fn dead(reason: &'static str, detail: impl Into<String>) -> Self {
        Self::Dead {
            reason,
            detail: detail.into(),
        }
    }
}
