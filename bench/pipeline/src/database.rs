//! Each benchmark's own database: created (a previous one of the name dropped first),
//! migrated like a deployment's, and dropped at the end.

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};

/// The admin URL every benchmark uses unless told otherwise.
pub const DEFAULT_ADMIN_URL: &str = "postgres://cxrelay:cxrelay@127.0.0.1:5432/postgres";

/// The URL of database `name` on the server of `admin_url`.
pub fn url_of(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = url::Url::parse(admin_url).context("the admin URL is not a URL")?;
    url.set_path(name);
    Ok(url.to_string())
}

/// Creates database `name` afresh, migrates it, and returns a pool on it with `connections`
/// connections at most.
pub async fn create(admin_url: &str, name: &str, connections: u32) -> anyhow::Result<PgPool> {
    let mut admin = PgConnection::connect(admin_url)
        .await
        .context("cannot connect with the admin URL (CXRELAY_BENCH_DATABASE_URL)")?;
    drop_with(&mut admin, name).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .with_context(|| format!("cannot create the database {name}"))?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(connections)
        .connect(&url_of(admin_url, name)?)
        .await?;
    cxrelay_core::db::migrate(&pool)
        .await
        .context("migration failed")?;
    Ok(pool)
}

/// Drops database `name` (closing its connections).
pub async fn drop(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut admin = PgConnection::connect(admin_url).await?;
    drop_with(&mut admin, name).await
}

async fn drop_with(admin: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(admin)
        .await
        .with_context(|| format!("cannot drop the database {name}"))?;
    Ok(())
}
