//! One delivery of an event at a time, across every worker: while a worker carries an event out
//! it holds a Postgres advisory lock on the event's id, on a connection of its own. A second
//! copy of the event (a client's repeat, a broker redelivery after a connection loss) finds the
//! lock taken and waits in the broker instead of calling Genesys or Cognigy a second time. A
//! worker that dies releases its locks with its connection, so nothing stays claimed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use cxrelay_core::batch::Batcher;
use cxrelay_core::db::copy_error;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// Most claims and releases in one round trip to the claims connection.
const MAX_BATCH: usize = 256;

/// What is asked of the claims connection.
enum ClaimOp {
    Claim(Uuid),
    Release(Uuid),
}

/// The advisory locks this worker holds.
///
/// Every claim and release goes through one connection (the locks belong to its session), so
/// the ones asked for while the previous round trip ran are made together: one query takes
/// the locks of a whole batch of deliveries.
pub struct Claims {
    batcher: Batcher<ClaimOp, Result<bool, sqlx::Error>>,
}

/// The connection and what it holds, used by one batch at a time.
struct Session {
    options: PgConnectOptions,
    connection: tokio::sync::Mutex<Option<PgConnection>>,
    /// Events claimed by this process: Postgres lets the session that holds a lock take it
    /// again, so a second copy within this process is recognised here.
    held: Mutex<HashSet<Uuid>>,
}

/// The advisory lock key of an event: its 128 bits folded to 64.
fn lock_key(event_id: Uuid) -> i64 {
    let (high, low) = event_id.as_u64_pair();
    i64::from_ne_bytes((high ^ low).to_ne_bytes())
}

impl Claims {
    /// Claims over connections made with `options` (the worker's database, its own name).
    /// Must be called inside a Tokio runtime.
    pub fn new(options: PgConnectOptions) -> Self {
        let session = Arc::new(Session {
            options: options.application_name("cxrelay-worker-claims"),
            connection: tokio::sync::Mutex::new(None),
            held: Mutex::new(HashSet::new()),
        });
        // One batch at a time: the locks live on one connection.
        let batcher = Batcher::start("claims", MAX_BATCH, 1, move |ops| {
            let session = Arc::clone(&session);
            async move { session.run(ops).await }
        });
        Self { batcher }
    }

    /// Claims `event_id`: `Ok(false)` when another delivery of it is being carried out, here or
    /// by another worker.
    pub async fn try_claim(&self, event_id: Uuid) -> Result<bool, sqlx::Error> {
        self.batcher
            .call(ClaimOp::Claim(event_id))
            .await
            .map_err(|stopped| sqlx::Error::Configuration(Box::new(stopped)))?
    }

    /// Releases the claim on `event_id`. A lost connection has released it already.
    pub async fn release(&self, event_id: Uuid) {
        let _ = self.batcher.call(ClaimOp::Release(event_id)).await;
    }
}

impl Session {
    /// Releases first (a copy waiting for a release in the same batch then gets the lock),
    /// then claims; one answer per op, in order.
    async fn run(&self, ops: Vec<ClaimOp>) -> Vec<Result<bool, sqlx::Error>> {
        let mut connection = self.connection.lock().await;
        let released: Vec<i64> = {
            let mut held = self.held();
            ops.iter()
                .filter_map(|op| match op {
                    ClaimOp::Release(id) if held.remove(id) => Some(lock_key(*id)),
                    _ => None,
                })
                .collect()
        };
        if !released.is_empty() {
            if let Some(conn) = connection.as_mut() {
                let unlocked =
                    sqlx::query("SELECT pg_advisory_unlock(k) FROM unnest($1::int8[]) AS k")
                        .bind(&released)
                        .execute(&mut *conn)
                        .await;
                if unlocked.is_err() {
                    // The connection is broken: its locks are gone with it.
                    *connection = None;
                }
            }
        }
        // The claims to ask Postgres for: not held here, and each event once per batch.
        let asked: Vec<Uuid> = {
            let held = self.held();
            let mut seen = HashSet::new();
            ops.iter()
                .filter_map(|op| match op {
                    ClaimOp::Claim(id) if !held.contains(id) && seen.insert(*id) => Some(*id),
                    _ => None,
                })
                .collect()
        };
        let mut granted = if asked.is_empty() {
            HashSet::new()
        } else {
            match self.lock_all(&mut connection, &asked).await {
                Ok(granted) => granted,
                Err(error) => {
                    *connection = None;
                    return ops
                        .iter()
                        .map(|op| match op {
                            ClaimOp::Release(_) => Ok(true),
                            ClaimOp::Claim(_) => Err(copy_error(&error)),
                        })
                        .collect();
                }
            }
        };
        let mut held = self.held();
        ops.iter()
            .map(|op| match op {
                ClaimOp::Release(_) => Ok(true),
                // Taken out of `granted` by the first copy: a second copy in the batch loses.
                ClaimOp::Claim(id) => {
                    let won = granted.remove(id);
                    if won {
                        held.insert(*id);
                    }
                    Ok(won)
                }
            })
            .collect()
    }

    /// Tries the lock of each of `events` on the connection (made first if there is none);
    /// returns the events whose lock it took.
    async fn lock_all(
        &self,
        connection: &mut Option<PgConnection>,
        events: &[Uuid],
    ) -> Result<HashSet<Uuid>, sqlx::Error> {
        if connection.is_none() {
            *connection = Some(self.reconnect().await?);
        }
        let Some(conn) = connection.as_mut() else {
            return Ok(HashSet::new());
        };
        let keys: Vec<i64> = events.iter().copied().map(lock_key).collect();
        let locked: Vec<(i64, bool)> = sqlx::query_as(
            "SELECT i, pg_try_advisory_lock(k) FROM unnest($1::int8[]) WITH ORDINALITY AS u(k, i)",
        )
        .bind(&keys)
        .fetch_all(&mut *conn)
        .await?;
        Ok(locked
            .into_iter()
            .filter(|(_, won)| *won)
            .filter_map(|(i, _)| usize::try_from(i - 1).ok())
            .filter_map(|i| events.get(i).copied())
            .collect())
    }

    /// A new connection, taking back the locks of the events still in flight here: they were
    /// released when the old connection broke.
    async fn reconnect(&self) -> Result<PgConnection, sqlx::Error> {
        let mut conn = PgConnection::connect_with(&self.options).await?;
        let in_flight: Vec<Uuid> = self.held().iter().copied().collect();
        for event_id in in_flight {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(lock_key(event_id))
                .fetch_one(&mut conn)
                .await?;
            if !locked {
                tracing::warn!(%event_id, "another worker took this in-flight event while the claims connection was down");
            }
        }
        Ok(conn)
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_differ_for_different_events() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert_ne!(lock_key(a), lock_key(b));
        assert_eq!(lock_key(a), lock_key(a));
    }
}
