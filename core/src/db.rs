//! Postgres: the pool, the embedded migrations, and the schema check every binary runs at start.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

use crate::config::DatabaseSettings;

/// The migrations in `migrations/`, compiled in so the binaries know the schema they need.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Why a binary refuses the database it was given.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The database has no cxrelay schema, or an older one.
    #[error("the database schema is not migrated (applied: {applied:?}, needed: {needed}): run `cxrelay migrate`")]
    NotMigrated {
        /// Latest applied version, if any.
        applied: Option<i64>,
        /// Latest version this binary was built with.
        needed: i64,
    },
    /// The database was migrated by a newer cxrelay.
    #[error("the database schema (version {applied}) is newer than this binary knows ({known}): upgrade cxrelay before starting it")]
    Newer {
        /// Latest applied version.
        applied: i64,
        /// Latest version this binary knows.
        known: i64,
    },
    /// A migration failed halfway.
    #[error("migration {0} is recorded as failed: fix the database and run `cxrelay migrate`")]
    Dirty(i64),
    /// The database could not be asked.
    #[error("cannot read the schema version: {0}")]
    Database(#[from] sqlx::Error),
}

/// Whether the pool pings a connection before handing it out. Off: the ping is one more round
/// trip to Postgres per query or transaction (sqlx pings again when a connection goes back, so
/// on it was two). Under intake load the pings took 8 % of the ingress's CPU, 5 % with this
/// off. A connection that died while idle (Postgres restarted) fails its first query instead,
/// and sqlx drops it. The callers already live with a failed query: the worker waits it out
/// and writes again, the ingress publishes without its repeat lookup, a status read answers
/// 503 with `Retry-After` once, as it does throughout an outage.
const TEST_BEFORE_ACQUIRE: bool = false;

/// A pool to `url`. `application_name` shows in `pg_stat_activity` which process holds what.
pub async fn connect(
    url: &SecretString,
    settings: &DatabaseSettings,
    application_name: &str,
) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.expose_secret().parse()?;
    let options = options
        .application_name(application_name)
        .log_statements(tracing::log::LevelFilter::Trace);
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
        .test_before_acquire(TEST_BEFORE_ACQUIRE)
        .connect_with(options)
        .await
}

/// Applies every pending migration.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// Latest migration version this binary was built with.
pub fn known_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Refuses to run on a database that is not migrated to exactly this binary's schema.
pub async fn ensure_schema_current(pool: &PgPool) -> Result<(), SchemaError> {
    let known = known_version();
    let table_exists: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(pool)
            .await?;
    if !table_exists {
        return Err(SchemaError::NotMigrated {
            applied: None,
            needed: known,
        });
    }
    let rows: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await?;
    if let Some((version, _)) = rows.iter().find(|(_, success)| !success) {
        return Err(SchemaError::Dirty(*version));
    }
    let applied = rows.iter().map(|(version, _)| *version).max();
    match applied {
        Some(applied) if applied > known => Err(SchemaError::Newer { applied, known }),
        Some(applied) if applied == known && rows.len() >= MIGRATOR.iter().count() => Ok(()),
        applied => Err(SchemaError::NotMigrated {
            applied,
            needed: known,
        }),
    }
}

/// Whether an error means "the database is unreachable right now" (worth waiting for), as
/// opposed to a query the database refused (a bug, not an outage).
pub fn is_transient(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P01-03: shutting down or starting up; 53300: too
            // many connections.
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }),
        _ => false,
    }
}

/// Whether Postgres refused a value of the row itself, so that writing the same row again fails
/// the same way for ever: SQLSTATE class 22 (data exception: a NUL character, a number or time
/// out of range, text that is not valid in the encoding), 23 (integrity constraint violation)
/// or 54 (program limit exceeded: a value too large for an index). Such a write is not retried:
/// the worker records the event dead instead (`database_refused`).
pub fn is_refused_value(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("22") || code.starts_with("23") || code.starts_with("54")
        }),
        _ => false,
    }
}

/// What Postgres said of a refused value, for the event's `last_error`: the SQLSTATE and the
/// message, never the detail or context, which may quote the value.
pub fn refusal_summary(error: &sqlx::Error) -> String {
    match error.as_database_error() {
        Some(db) => format!(
            "SQLSTATE {}: {}",
            db.code().as_deref().unwrap_or("?"),
            db.message()
        ),
        None => error.to_string(),
    }
}

/// A copy of `error` for each caller of a batch that failed as one: an outage stays an outage
/// to [`is_transient`] (so every caller waits for the database and writes again), anything else
/// stays something that is not.
pub fn copy_error(error: &sqlx::Error) -> sqlx::Error {
    if is_transient(error) {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            error.to_string(),
        ))
    } else {
        sqlx::Error::Configuration(error.to_string().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_of_an_outage_is_an_outage_and_of_anything_else_is_not() {
        let cut = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(is_transient(&copy_error(&cut)));
        assert!(!is_transient(&copy_error(&sqlx::Error::RowNotFound)));
    }
}
