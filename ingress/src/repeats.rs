//! The repeat lookup of intake, batched: a body with an `Idempotency-Key` or a natural key is
//! first looked up among the recorded events (and counted in `events.repeats` when found). Under
//! load, the lookups of every request that arrived while the previous query ran are made by one
//! `UPDATE`, so intake pays one round trip per batch instead of one per request.

use std::collections::HashSet;

use cxrelay_core::batch::Batcher;
use sqlx::PgPool;
use uuid::Uuid;

/// Most lookups in one query.
const MAX_BATCH: usize = 256;

/// Queries in flight at once. One: the lookups that arrive while it runs make the next batch,
/// so batches grow with the load and the queries per request fall. Each query costs the
/// ingress and Postgres CPU that the broker needs on a small machine; with 2 in flight intake
/// was 12 % slower, with 4 slower still (`scripts/bench-intake`, bench/RESULTS.md).
const CONCURRENT_BATCHES: usize = 1;

/// Finds and counts repeats of recorded events.
#[derive(Clone)]
pub struct RepeatLookup {
    batcher: Batcher<Uuid, Result<bool, String>>,
}

impl RepeatLookup {
    /// Starts the lookup on `db`. Must be called inside a Tokio runtime.
    pub fn start(db: PgPool) -> Self {
        let batcher = Batcher::start("repeat lookup", MAX_BATCH, CONCURRENT_BATCHES, move |ids| {
            let db = db.clone();
            async move { count_recorded(&db, ids).await }
        });
        Self { batcher }
    }

    /// True when `event_id` is recorded: the repeat is counted. An error says why the lookup
    /// could not be made.
    pub async fn is_recorded(&self, event_id: Uuid) -> Result<bool, String> {
        self.batcher
            .call(event_id)
            .await
            .map_err(|stopped| stopped.to_string())?
    }
}

/// Adds one to `repeats` of each recorded event of `ids` per time it appears, and answers for
/// each id whether it was recorded.
async fn count_recorded(db: &PgPool, ids: Vec<Uuid>) -> Vec<Result<bool, String>> {
    let found: Result<Vec<Uuid>, sqlx::Error> = sqlx::query_scalar(
        "UPDATE events e SET repeats = e.repeats + u.n
           FROM (SELECT id, count(*)::int AS n FROM unnest($1::uuid[]) AS id GROUP BY id) u
          WHERE e.id = u.id
         RETURNING e.id",
    )
    // Prepared, unlike the worker's batched updates (worker/src/record/batched.rs): planning
    // each batch doubled the Postgres CPU of an accepted request (18 to 34 us in
    // `scripts/bench-intake`). The generic plan made while `events` was small can scan it
    // whole, but only until autovacuum analyzes the growing table, which makes it plan again.
    .bind(&ids)
    .fetch_all(db)
    .await;
    match found {
        Ok(found) => {
            let found: HashSet<Uuid> = found.into_iter().collect();
            ids.iter().map(|id| Ok(found.contains(id))).collect()
        }
        Err(error) => {
            let error = error.to_string();
            ids.iter().map(|_| Err(error.clone())).collect()
        }
    }
}
