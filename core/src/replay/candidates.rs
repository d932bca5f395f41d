//! The events a selection finds, with what the eligibility rule and the summary need.

use sqlx::{PgPool, QueryBuilder};
use uuid::Uuid;

use super::SampleEvent;
use crate::dead_letters::DeadLetterFilter;

/// An event a replay considers, as it was when selected (the replay itself checks it again
/// under a row lock).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Candidate {
    /// What the summary shows of it.
    #[sqlx(flatten)]
    pub event: SampleEvent,
    /// Its stored payload has a redacted secret, which a replay removes.
    pub has_redacted: bool,
}

/// Columns of a candidate. A payload holds `"[redacted]"` only where the store removed a secret.
const COLUMNS: &str = "SELECT id, kind, status, reason, last_http_status, finished_at, generation,
        strpos(payload::text, '\"[redacted]\"') > 0 AS has_redacted
   FROM events";

/// Each id with its event, in the order given (duplicates dropped); `None` for an unknown id.
pub(crate) async fn by_ids(
    db: &PgPool,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Option<Candidate>)>, sqlx::Error> {
    let mut unique: Vec<Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    let mut query = QueryBuilder::new(COLUMNS);
    query
        .push(" WHERE id = ANY(")
        .push_bind(unique.clone())
        .push(")");
    let found: Vec<Candidate> = query.build_query_as().fetch_all(db).await?;
    Ok(unique
        .into_iter()
        .map(|id| {
            let candidate = found.iter().find(|c| c.event.event_id == id).cloned();
            (id, candidate)
        })
        .collect())
}

/// The events matching `filter` that a replay may concern: dead letters, and events that
/// succeeded after a replay (replayed again only with force, reported otherwise). Oldest
/// ending first, at most `limit`.
pub(crate) async fn by_filter(
    db: &PgPool,
    filter: &DeadLetterFilter,
    limit: Option<u32>,
) -> Result<Vec<Candidate>, sqlx::Error> {
    let mut query = QueryBuilder::new(COLUMNS);
    query.push(
        " WHERE (status IN ('dead', 'expired') OR (status = 'succeeded' AND generation > 0))",
    );
    filter.push_conditions(&mut query);
    query.push(" ORDER BY finished_at, id");
    if let Some(limit) = limit {
        query.push(" LIMIT ").push_bind(i64::from(limit));
    }
    query.build_query_as().fetch_all(db).await
}
