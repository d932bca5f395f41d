//! Which dead letters an operator means: the criteria shared by `cxrelay dead-letters`,
//! `cxrelay replay` and the admin API, and the SQL they become.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Postgres, QueryBuilder};

use crate::kinds::{EventKind, Target};

/// Criteria on the event record; every one given must hold. The time window is on when the
/// event ended (`finished_at`): "what died during last night's outage".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterFilter {
    /// Event kind, e.g. `cognigy.fallback`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<EventKind>,
    /// Reason class the event ended with (`unavailable`, `rejected`, `deadline_passed`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Target system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// HTTP status of the event's last call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Ended at or after this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Ended before this instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

impl DeadLetterFilter {
    /// True when no criterion is given (every dead letter matches).
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Appends ` AND <criterion>` for every criterion given, values bound as parameters.
    pub fn push_conditions(&self, query: &mut QueryBuilder<'_, Postgres>) {
        if let Some(kind) = self.kind {
            query.push(" AND kind = ").push_bind(kind.as_str());
        }
        if let Some(reason) = &self.reason {
            query.push(" AND reason = ").push_bind(reason.clone());
        }
        if let Some(target) = self.target {
            query.push(" AND target = ").push_bind(target.as_str());
        }
        if let Some(status) = self.http_status {
            query
                .push(" AND last_http_status = ")
                .push_bind(i32::from(status));
        }
        if let Some(since) = self.since {
            query.push(" AND finished_at >= ").push_bind(since);
        }
        if let Some(until) = self.until {
            query.push(" AND finished_at < ").push_bind(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_criterion_given_becomes_one_bound_condition() {
        let filter = DeadLetterFilter {
            kind: Some(EventKind::CognigyFallback),
            http_status: Some(503),
            ..DeadLetterFilter::default()
        };
        let mut query = QueryBuilder::new("SELECT 1 FROM events WHERE true");
        filter.push_conditions(&mut query);
        assert_eq!(
            query.sql(),
            "SELECT 1 FROM events WHERE true AND kind = $1 AND last_http_status = $2"
        );
        assert!(DeadLetterFilter::default().is_empty() && !filter.is_empty());
    }

    #[test]
    fn the_filter_reads_and_writes_its_json_names() {
        let filter: DeadLetterFilter = serde_json::from_str(
            r#"{"kind":"genesys.conversation_end","target":"genesys","httpStatus":503,"since":"2026-11-25T02:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(filter.kind, Some(EventKind::GenesysConversationEnd));
        let written = serde_json::to_value(&filter).unwrap();
        assert_eq!(written["httpStatus"], 503);
        assert!(written.get("reason").is_none());
    }
}
