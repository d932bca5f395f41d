//! The body of `POST /api/v2/analytics/conversations/details/query`, checked, and which
//! conversations it selects.
//!
//! Supported: `interval` (required, `start/end` in RFC 3339: a conversation is selected when
//! it overlaps it), `order` (`asc`/`desc`, by `conversationStart`), `paging`
//! (`pageSize` 1-100, default 25; `pageNumber` from 1) and `conversationFilters` whose
//! `conversationId` predicates select conversations (filters are ANDed; a filter's predicates
//! are ANDed or ORed by its `type`). Predicates on other dimensions are accepted and ignored.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::conversation::Conversation;
use super::errors::GenesysError;

/// Default `paging.pageSize`.
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// Largest `paging.pageSize` Genesys accepts on this query.
pub const MAX_PAGE_SIZE: usize = 100;

/// One `conversationFilters` entry reduced to what the simulator can select on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdFilter {
    /// `type` is `or` (any id matches) rather than `and` (all must).
    pub any: bool,
    /// Values of its `conversationId` predicates.
    pub ids: Vec<String>,
}

/// A checked details query.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailsQuery {
    /// Interval start (inclusive).
    pub from: DateTime<Utc>,
    /// Interval end (exclusive).
    pub to: DateTime<Utc>,
    /// `order` is `desc`.
    pub descending: bool,
    /// `paging.pageSize`.
    pub page_size: usize,
    /// `paging.pageNumber`, from 1.
    pub page_number: usize,
    /// The `conversationId` selections.
    pub filters: Vec<IdFilter>,
}

impl DetailsQuery {
    /// Whether `conversation` is in the interval and passes every filter.
    pub fn matches(&self, conversation: &Conversation) -> bool {
        let end = conversation.end_time.unwrap_or(conversation.start_time);
        let overlaps = conversation.start_time < self.to && end >= self.from;
        overlaps
            && self.filters.iter().all(|filter| {
                let mut hits = filter.ids.iter().map(|id| *id == conversation.id);
                if filter.ids.is_empty() {
                    true
                } else if filter.any {
                    hits.any(|hit| hit)
                } else {
                    hits.all(|hit| hit)
                }
            })
    }
}

/// Parses the query body; the error names the field.
pub fn parse_query(fields: &Map<String, Value>) -> Result<DetailsQuery, GenesysError> {
    let interval = match fields.get("interval") {
        Some(Value::String(interval)) => interval,
        _ => return Err(GenesysError::bad_request("interval is required")),
    };
    let (from, to) = parse_interval(interval)?;
    let descending = match fields.get("order").and_then(Value::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(GenesysError::bad_request(format!(
                "order must be asc or desc, got {other}"
            )))
        }
    };
    let paging = fields.get("paging").and_then(Value::as_object);
    let page_size = paging_number(paging, "pageSize", DEFAULT_PAGE_SIZE)?;
    if page_size > MAX_PAGE_SIZE {
        return Err(GenesysError::bad_request(format!(
            "paging.pageSize must be at most {MAX_PAGE_SIZE}"
        )));
    }
    let page_number = paging_number(paging, "pageNumber", 1)?;
    Ok(DetailsQuery {
        from,
        to,
        descending,
        page_size,
        page_number,
        filters: id_filters(fields.get("conversationFilters"))?,
    })
}

fn parse_interval(interval: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), GenesysError> {
    let bad = || {
        GenesysError::bad_request(format!(
            "interval must be <start>/<end> in ISO-8601, got {interval}"
        ))
    };
    let (from, to) = interval.split_once('/').ok_or_else(bad)?;
    let from = DateTime::parse_from_rfc3339(from).map_err(|_| bad())?;
    let to = DateTime::parse_from_rfc3339(to).map_err(|_| bad())?;
    if to <= from {
        return Err(GenesysError::bad_request(
            "interval must end after it starts",
        ));
    }
    Ok((from.with_timezone(&Utc), to.with_timezone(&Utc)))
}

fn paging_number(
    paging: Option<&Map<String, Value>>,
    field: &str,
    default: usize,
) -> Result<usize, GenesysError> {
    match paging.and_then(|p| p.get(field)) {
        None | Some(Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                GenesysError::bad_request(format!("paging.{field} must be a positive integer"))
            }),
    }
}

fn id_filters(filters: Option<&Value>) -> Result<Vec<IdFilter>, GenesysError> {
    let filters = match filters {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(filters)) => filters,
        Some(_) => {
            return Err(GenesysError::bad_request(
                "conversationFilters must be an array",
            ))
        }
    };
    filters
        .iter()
        .map(|filter| {
            let any = match filter.get("type").and_then(Value::as_str) {
                Some("and") => false,
                Some("or") => true,
                _ => {
                    return Err(GenesysError::bad_request(
                        "conversationFilters[].type must be and or or",
                    ))
                }
            };
            let predicates = filter
                .get("predicates")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let ids = predicates
                .iter()
                .filter(|p| p.get("dimension").and_then(Value::as_str) == Some("conversationId"))
                .filter_map(|p| p.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect();
            Ok(IdFilter { any, ids })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::conversation_seed::ConversationSeed;
    use serde_json::json;

    fn query(value: Value) -> Result<DetailsQuery, GenesysError> {
        parse_query(value.as_object().unwrap())
    }

    fn conversation(id: &str) -> Conversation {
        serde_json::from_value::<ConversationSeed>(json!({
            "id": id, "startTime": "2026-05-01T09:00:00Z", "endTime": "2026-05-01T09:05:00Z",
        }))
        .unwrap()
        .into_conversation()
        .unwrap()
    }

    #[test]
    fn the_contract_body_selects_its_conversation_in_the_interval() {
        let parsed = query(json!({
            "interval": "2026-05-01T00:00:00Z/2026-05-02T00:00:00Z",
            "order": "asc", "orderBy": "conversationStart",
            "paging": {"pageSize": 100, "pageNumber": 1},
            "conversationFilters": [{"type": "and", "predicates": [
                {"dimension": "conversationId", "value": "c1"}
            ]}],
        }))
        .unwrap();
        assert_eq!(parsed.page_size, 100);
        assert!(parsed.matches(&conversation("c1")));
        assert!(!parsed.matches(&conversation("c2")));
        let later = query(json!({"interval": "2026-05-03T00:00:00Z/2026-05-04T00:00:00Z"}));
        assert!(!later.unwrap().matches(&conversation("c1")));
    }

    #[test]
    fn a_missing_or_malformed_interval_or_paging_is_a_bad_request() {
        assert!(query(json!({})).unwrap_err().message().contains("interval"));
        assert!(query(json!({"interval": "yesterday"})).is_err());
        let big = json!({"interval": "2026-05-01T00:00:00Z/2026-05-02T00:00:00Z",
            "paging": {"pageSize": 101}});
        assert!(query(big).unwrap_err().message().contains("pageSize"));
    }
}
