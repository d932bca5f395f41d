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
