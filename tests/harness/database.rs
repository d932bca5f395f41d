//! A fresh, migrated database per test, dropped afterwards.

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

/// Postgres's port, for a database URL that names none.
pub const DEFAULT_PORT: u16 = 5432;

/// Admin URL (a role that may CREATE DATABASE); `scripts/test` sets it up.
pub fn admin_url() -> String {
    std::env::var("CXRELAY_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://cxrelay:cxrelay@127.0.0.1:5432/postgres".to_owned())
}

/// The URL of database `name` on the admin URL's server.
pub fn url_of(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("CXRELAY_TEST_DATABASE_URL is a URL");
    url.set_path(name);
    url.to_string()
}

/// Creates database `name`; migrates it when `migrate` is true.
pub async fn create(name: &str, migrate: bool) -> PgPool {
    let mut admin = PgConnection::connect(&admin_url())
        .await
        .expect("connect to Postgres with CXRELAY_TEST_DATABASE_URL (run scripts/test)");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let pool = PgPoolOptions::new()
        .max_connections(5)
        .connect(&url_of(name))
        .await
        .expect("connect to the test database");
    if migrate {
        cxrelay_core::db::migrate(&pool)
            .await
            .expect("migrate the test database");
    }
    pool
}

/// Drops database `name`, closing whatever still uses it.
pub async fn drop_database(name: &str) {
    if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

/// A fresh migrated database for tests that need Postgres but no pipeline, dropped when the
/// test ends (whether it passed or not).
pub struct ScratchDatabase {
    /// A pool on it.
    pub db: PgPool,
    /// Its name.
    pub name: String,
}

impl ScratchDatabase {
    /// Creates and migrates `cxrelay_test_<random>`.
    pub async fn new() -> Self {
        let name = format!(
            "cxrelay_test_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let db = create(&name, true).await;
        Self { db, name }
    }

    /// Its URL, for settings.
    pub fn url(&self) -> String {
        url_of(&self.name)
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop is sync and the test's runtime is shutting down: a runtime of its own.
        let cleanup = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(drop_database(&name));
            }
        });
        let _ = cleanup.join();
    }
}
