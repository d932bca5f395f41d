//! One delivery of an event at a time, across every worker: while a worker carries an event out
//! it holds a Postgres advisory lock on the event's id, on a connection of its own. A second
//! copy of the event (a client's repeat, a broker redelivery after a connection loss) finds the
//! lock taken and waits in the broker instead of calling Genesys or Cognigy a second time. A
//! worker that dies releases its locks with its connection, so nothing stays claimed.

use std::collections::HashSet;
use std::sync::Mutex;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// The advisory locks this worker holds.
pub struct Claims {
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
    pub fn new(options: PgConnectOptions) -> Self {
        Self {
            options: options.application_name("cxrelay-worker-claims"),
            connection: tokio::sync::Mutex::new(None),
            held: Mutex::new(HashSet::new()),
        }
    }

    /// Claims `event_id`: `Ok(false)` when another delivery of it is being carried out, here or
    /// by another worker.
    pub async fn try_claim(&self, event_id: Uuid) -> Result<bool, sqlx::Error> {
        // Everything under the connection's lock: two copies within this process are decided
        // one after the other.
        let mut connection = self.connection.lock().await;
        if self.held().contains(&event_id) {
            return Ok(false);
        }
        if connection.is_none() {
            *connection = Some(self.reconnect().await?);
        }
        let Some(conn) = connection.as_mut() else {
            return Ok(false);
        };
        let locked = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(lock_key(event_id))
            .fetch_one(&mut *conn)
            .await;
        match locked {
            Ok(true) => {
                self.held().insert(event_id);
                Ok(true)
            }
            Ok(false) => Ok(false),
            Err(error) => {
                *connection = None;
                Err(error)
            }
        }
    }

    /// Releases the claim on `event_id`. A lost connection has released it already.
    pub async fn release(&self, event_id: Uuid) {
        let mut connection = self.connection.lock().await;
        if !self.held().remove(&event_id) {
            return;
        }
        if let Some(conn) = connection.as_mut() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(lock_key(event_id))
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                // The connection is broken: its locks are gone with it.
                *connection = None;
            }
        }
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
