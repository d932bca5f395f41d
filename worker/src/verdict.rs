//! How a delivery of an event ends, as its handler sees it and as it is recorded.

use std::time::Duration;

use serde_json::Value;

/// What a handler concluded for the event.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Done; `result` is stored and served by `GET /v1/events/{id}`.
    Succeeded {
        /// What the downstream call produced (e.g. `flowExecutionId`).
        result: Value,
    },
    /// Not now, maybe later: the retry policy decides when, or that the event is dead (no
    /// retry left) or expired (past its deadline).
    Retry {
        /// Why, as for a dead event (`unavailable`, `analytics_pending`, ...).
        reason: &'static str,
        /// What happened.
        detail: String,
        /// The target asked not to be called again before this (`Retry-After`).
        at_least: Option<Duration>,
        /// The reason the event is dead with when no retry is left.
        dead_reason: &'static str,
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

    /// A retry that ends dead with the same `reason` when no retry is left.
    pub fn retry(
        reason: &'static str,
        detail: impl Into<String>,
        at_least: Option<Duration>,
    ) -> Self {
        Self::Retry {
            reason,
            detail: detail.into(),
            at_least,
            dead_reason: reason,
        }
    }
}

/// The state a delivery leaves the event in, after the retry policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Settlement {
    /// Final: done.
    Succeeded {
        /// The stored result.
        result: Value,
    },
    /// Waiting in the broker for its next try.
    Retrying {
        /// Why it failed this time.
        reason: &'static str,
        /// What happened.
        detail: String,
        /// The delay queue it waits in, milliseconds.
        delay_ms: u64,
    },
    /// Final: cannot be carried out.
    Dead {
        /// Machine-readable class.
        reason: &'static str,
        /// What happened.
        detail: String,
    },
    /// Final: its deadline passed before it could be carried out.
    Expired {
        /// What kept it from being carried out in time (`unavailable`, `deadline_passed`, ...).
        reason: &'static str,
        /// What happened.
        detail: String,
    },
}

impl Settlement {
    /// The `events.status` it stands for.
    pub fn status(&self) -> &'static str {
        match self {
            Settlement::Succeeded { .. } => "succeeded",
            Settlement::Retrying { .. } => "retrying",
            Settlement::Dead { .. } => "dead",
            Settlement::Expired { .. } => "expired",
        }
    }

    /// The `events.reason` (none for a success).
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Settlement::Succeeded { .. } => None,
            Settlement::Retrying { reason, .. }
            | Settlement::Dead { reason, .. }
            | Settlement::Expired { reason, .. } => Some(reason),
        }
    }

    /// The detail for people (none for a success).
    pub fn detail(&self) -> Option<&str> {
        match self {
            Settlement::Succeeded { .. } => None,
            Settlement::Retrying { detail, .. }
            | Settlement::Dead { detail, .. }
            | Settlement::Expired { detail, .. } => Some(detail),
        }
    }
}
