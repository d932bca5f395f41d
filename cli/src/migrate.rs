//! `cxrelay migrate`: bring the database to this release's schema.

use anyhow::Context;
use cxrelay_core::config::Settings;
use cxrelay_core::db;
use secrecy::ExposeSecret;
use sqlx::migrate::MigrateDatabase;
use sqlx::Postgres;

/// Creates the database when missing (a fresh install or compose), then migrates it.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let url = settings.require_database_url()?;
    let exists = Postgres::database_exists(url.expose_secret())
        .await
        .context("cannot connect to Postgres (DATABASE_URL)")?;
    if !exists {
        Postgres::create_database(url.expose_secret())
            .await
            .context("cannot create the database named in DATABASE_URL")?;
        println!("created the database");
    }
    let pool = db::connect(url, &settings.database, "cxrelay-migrate")
        .await
        .context("cannot connect to Postgres (DATABASE_URL)")?;
    db::migrate(&pool).await.context("migration failed")?;
    db::ensure_schema_current(&pool).await?;
    println!("database schema is at version {}", db::known_version());
    Ok(())
}
