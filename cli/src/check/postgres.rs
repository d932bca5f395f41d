//! The database line of `cxrelay check`: can cxrelay connect with `DATABASE_URL`, and is the
//! schema the one this release needs?

use std::collections::BTreeSet;
use std::time::Duration;

use cxrelay_core::config::Settings;
use cxrelay_core::db;
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use super::report::Line;
use super::target;

/// What the line is called.
pub const CHECK: &str = "postgres";

/// Longest wait for a connection: a database that does not answer within it is unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The line; `blocked` says why it cannot be tried (a problem with `DATABASE_URL`).
pub async fn line(settings: &Settings, blocked: Option<&str>) -> Line {
    let url = match (&settings.database.url, blocked) {
        (Some(url), None) => url,
        (_, Some(why)) => return Line::skip(CHECK, why),
        (None, None) => return Line::skip(CHECK, "DATABASE_URL is not set"),
    };
    let target = target::describe(url.expose_secret(), 5432);
    // One connection, not a pool: a pool retries a refused connection until its timeout and
    // then reports only the timeout, where the refusal is what the operator needs to read.
    let connected = async {
        let options: PgConnectOptions = url.expose_secret().parse()?;
        options.application_name("cxrelay-check").connect().await
    };
    let mut connection = match tokio::time::timeout(CONNECT_TIMEOUT, connected).await {
        Ok(Ok(connection)) => connection,
        Ok(Err(error)) => return connect_failure(&target, &error),
        Err(_) => return connect_failure(&target, &sqlx::Error::PoolTimedOut),
    };
    let line = match schema(&mut connection).await {
        Ok(line) => line(&target),
        Err(error) => Line::fail(
            CHECK,
            format!("connected to {target}, but cannot read the schema version: {error}"),
            "give the user of DATABASE_URL read access to the database (it owns it after `cxrelay migrate`)",
        ),
    };
    let _ = connection.close().await;
    line
}

/// The line for a connection that failed, by what failed.
fn connect_failure(target: &str, error: &sqlx::Error) -> Line {
    let code = error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    let (detail, fix) = match (code.as_deref(), error) {
        (Some("28P01" | "28000"), _) => (
            format!("{target} refused the login: {error}"),
            "correct the user and password in DATABASE_URL".to_owned(),
        ),
        (Some("3D000"), _) => (
            format!("{target}: the database does not exist"),
            "run `cxrelay migrate` (it creates the database), or correct the database name in DATABASE_URL".to_owned(),
        ),
        // Stands for the connect timeout here.
        (_, sqlx::Error::PoolTimedOut) => (
            format!("no connection to {target} within {} s", CONNECT_TIMEOUT.as_secs()),
            "check that this host reaches the database (address, port, firewall) and that Postgres runs".to_owned(),
        ),
        (_, sqlx::Error::Io(io)) => (
            format!("cannot reach {target}: {io}"),
            "start Postgres, or correct the host and port in DATABASE_URL".to_owned(),
        ),
        (_, sqlx::Error::Tls(tls)) => (
            format!("TLS to {target} failed: {tls}"),
            "correct the sslmode (and certificates) in DATABASE_URL".to_owned(),
        ),
        _ => (
            format!("cannot connect to {target}: {error}"),
            "correct DATABASE_URL".to_owned(),
        ),
    };
    Line::fail(CHECK, detail, fix)
}

/// Reads the applied migrations and says whether the schema is this release's; the line
/// still needs the target's name.
async fn schema(connection: &mut PgConnection) -> Result<impl FnOnce(&str) -> Line, sqlx::Error> {
    let server: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut *connection)
        .await?;
    let migrated: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut *connection)
        .await?;
    let applied: Vec<(i64, bool)> = if migrated {
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *connection)
            .await?
    } else {
        Vec::new()
    };
    Ok(move |target: &str| schema_line(target, &server, &applied))
}

/// The line for a database with the migrations `applied` (version, succeeded).
fn schema_line(target: &str, server: &str, applied: &[(i64, bool)]) -> Line {
    let known: BTreeSet<i64> = db::MIGRATOR.iter().map(|m| m.version).collect();
    let this_release = db::known_version();
    let connected = format!("connected to {target} (PostgreSQL {server})");
    if let Some((version, _)) = applied.iter().find(|(_, success)| !success) {
        return Line::fail(
            CHECK,
            format!("{connected}; migration {version} failed halfway"),
            "repair what the failed migration left (its SQL is in migrations/), then run `cxrelay migrate`",
        );
    }
    let done: BTreeSet<i64> = applied.iter().map(|(version, _)| *version).collect();
    if let Some(newer) = done.iter().find(|v| !known.contains(v)) {
        return Line::fail(
            CHECK,
            format!(
                "{connected}; the schema has migration {newer}, newer than this cxrelay knows (it knows up to {this_release})"
            ),
            "run this check (and the ingress and worker) from the release that migrated the database",
        );
    }
    let pending = known.difference(&done).count();
    if pending > 0 {
        let at = done
            .iter()
            .max()
            .map_or("the database has no cxrelay schema yet".to_owned(), |v| {
                format!("the database is at version {v}")
            });
        return Line::fail(
            CHECK,
            format!("{connected}; {pending} migration(s) pending ({at}, this release needs {this_release})"),
            "run `cxrelay migrate` (before starting this release's ingress and worker: they refuse an older schema)",
        );
    }
    Line::ok(
        CHECK,
        format!("{connected}; schema at version {this_release}, no migration pending"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::Status;

    fn all_applied() -> Vec<(i64, bool)> {
        db::MIGRATOR.iter().map(|m| (m.version, true)).collect()
    }

    #[test]
    fn pending_migrations_are_counted_and_say_to_migrate() {
        let mut applied = all_applied();
        applied.pop();
        let line = schema_line("db:5432/cx", "16.4", &applied);
        assert_eq!(line.status, Status::Fail);
        assert!(line.detail.contains("1 migration(s) pending"), "{line}");
        assert!(line.to_string().contains("cxrelay migrate"), "{line}");
        let line = schema_line("db:5432/cx", "16.4", &[]);
        assert!(line.detail.contains("no cxrelay schema"), "{line}");
    }

    #[test]
    fn a_current_schema_is_ok_and_a_newer_or_failed_one_is_not() {
        let applied = all_applied();
        assert_eq!(schema_line("t", "16", &applied).status, Status::Ok);
        let mut newer = applied.clone();
        newer.push((99_999_999_999_999, true));
        assert!(schema_line("t", "16", &newer).detail.contains("newer"));
        let mut failed = applied;
        failed[0].1 = false;
        assert!(schema_line("t", "16", &failed)
            .detail
            .contains("failed halfway"));
    }
}
