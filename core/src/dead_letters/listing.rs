//! Dead letters as Postgres records them: counts by kind, reason and target, and the newest
//! events with everything known about how they ended.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::{PgPool, QueryBuilder, Row};
use uuid::Uuid;

use super::DeadLetterFilter;

/// The statuses of a dead letter: the event will not be tried again unless it is replayed.
pub const DEAD_LETTER_STATUSES: &str = "('dead', 'expired')";

/// One dead or expired event.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// The event id (the same through retries and replays).
    #[sqlx(rename = "id")]
    pub event_id: Uuid,
    /// Event kind.
    pub kind: String,
    /// Target system.
    pub target: String,
    /// `dead` or `expired`.
    pub status: String,
    /// Reason class (`unavailable`, `rejected`, `deadline_passed`, ...).
    pub reason: Option<String>,
    /// HTTP status of the last call.
    pub last_http_status: Option<i32>,
    /// Error code of the last call (Genesys `code`, Cognigy `code`).
    pub last_error_code: Option<String>,
    /// What happened, for people (no secrets).
    pub last_error: Option<String>,
    /// Correlation id of the last call (Genesys ININ-Correlation-Id, Cognigy traceId).
    #[sqlx(rename = "last_correlation_id")]
    pub correlation_id: Option<String>,
    /// Deliveries of the event, across replays.
    pub attempts: i32,
    /// Replays of the event so far.
    pub generation: i32,
    /// When the ingress accepted it.
    pub received_at: DateTime<Utc>,
    /// When it ended dead or expired.
    pub finished_at: Option<DateTime<Utc>>,
    /// The validated payload, secrets redacted.
    pub payload: Value,
}

/// What `cxrelay dead-letters` shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterReport {
    /// The criteria applied.
    pub filter: DeadLetterFilter,
    /// Dead letters matching them.
    pub total: i64,
    /// Counts by kind.
    pub by_kind: BTreeMap<String, i64>,
    /// Counts by reason class.
    pub by_reason: BTreeMap<String, i64>,
    /// Counts by target.
    pub by_target: BTreeMap<String, i64>,
    /// The newest matching events, at most the limit asked for.
    pub events: Vec<DeadLetter>,
}

/// Counts the dead letters matching `filter` and lists the newest `limit` of them.
pub async fn list_dead_letters(
    db: &PgPool,
    filter: &DeadLetterFilter,
    limit: u32,
) -> Result<DeadLetterReport, sqlx::Error> {
    // One pass for every count: GROUPING says which of the sets a row belongs to (a bit per
    // column left out of it: 3 = by kind, 5 = by reason, 6 = by target, 7 = the total).
    let mut counts = QueryBuilder::new(
        "SELECT GROUPING(kind, reason, target)::int AS grouping, kind, reason, target,
                count(*) AS n
           FROM events WHERE status IN ",
    );
    counts.push(DEAD_LETTER_STATUSES);
    filter.push_conditions(&mut counts);
    counts.push(" GROUP BY GROUPING SETS ((kind), (reason), (target), ())");
    let mut report = DeadLetterReport {
        filter: filter.clone(),
        total: 0,
        by_kind: BTreeMap::new(),
        by_reason: BTreeMap::new(),
        by_target: BTreeMap::new(),
        events: Vec::new(),
    };
    for row in counts.build().fetch_all(db).await? {
        let n: i64 = row.try_get("n")?;
        let key = |column: &str| -> Result<String, sqlx::Error> {
            Ok(row
                .try_get::<Option<String>, _>(column)?
                .unwrap_or_else(|| "(none)".to_owned()))
        };
        match row.try_get::<i32, _>("grouping")? {
            3 => {
                report.by_kind.insert(key("kind")?, n);
            }
            5 => {
                report.by_reason.insert(key("reason")?, n);
            }
            6 => {
                report.by_target.insert(key("target")?, n);
            }
            _ => report.total = n,
        }
    }
    let mut events = QueryBuilder::new(
        "SELECT id, kind, target, status, reason, last_http_status, last_error_code, last_error,
                last_correlation_id, attempts, generation, received_at, finished_at, payload
           FROM events WHERE status IN ",
    );
    events.push(DEAD_LETTER_STATUSES);
    filter.push_conditions(&mut events);
    events
        .push(" ORDER BY finished_at DESC NULLS LAST, id LIMIT ")
        .push_bind(i64::from(limit));
    report.events = events.build_query_as().fetch_all(db).await?;
    Ok(report)
}
