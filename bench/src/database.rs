//! The benchmark's own database: created and migrated like a deployment's, shaped for a fast
//! load, its keys and indexes rebuilt after the load, and dropped at the end.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Days, Utc};
use cxrelay_core::retention::{ATTEMPTS, AUDIT_LOG};
use sqlx::{Connection, PgConnection};

/// The tables loaded in bulk: their keys and indexes are dropped before the load and built
/// again after it, since one sorted build is many times faster than ten million inserts into
/// each index. Smaller tables keep theirs.
const BULK_TABLES: [&str; 3] = ["events", "attempts", "audit_log"];

/// Memory of each index build, so that sorting ten million keys stays in memory.
const BUILD_MEMORY: &str = "1GB";

// Naming and dropping a benchmark database are the pipeline benchmarks' own.
pub use cxrelay_bench_pipeline::database::{drop, url_of};

/// Creates database `name` (dropping a previous one of that name), in `tablespace` if given.
pub async fn create(admin_url: &str, name: &str, tablespace: Option<&str>) -> anyhow::Result<()> {
    let mut admin = PgConnection::connect(admin_url)
        .await
        .context("cannot connect with the admin URL (CXRELAY_BENCH_DATABASE_URL)")?;
    drop(admin_url, name).await?;
    let placed = tablespace.map_or_else(String::new, |t| format!(" TABLESPACE \"{t}\""));
    sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\"{placed}"))
        .execute(&mut admin)
        .await
        .with_context(|| format!("cannot create the database {name}"))?;
    Ok(())
}

/// Creates the daily partitions of the `days` before `now` (the migration made today's and the
/// next week's), then turns every table unlogged and drops the attempts' foreign key to
/// events (an unlogged events table cannot be referenced by a logged one).
///
/// Unlogged tables are read exactly like logged ones, so the view timings are those of a
/// deployment; they spare the load its write-ahead log, which halves the writes and needs no
/// WAL space. The views and retention do not use the foreign key.
pub async fn prepare(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    days: u64,
) -> anyhow::Result<usize> {
    let today = now.date_naive();
    let first = today
        .checked_sub_days(Days::new(days))
        .context("--days is too large")?;
    let mut created = 0;
    for day in first.iter_days().take_while(|day| *day < today) {
        for table in [ATTEMPTS, AUDIT_LOG] {
            table.create_day(conn, day).await?;
            created += 1;
        }
    }
    sqlx::raw_sql(
        "ALTER TABLE attempts DROP CONSTRAINT attempts_event_id_fkey;
         DO $$
         DECLARE t regclass;
         BEGIN
             -- transcripts before sessions: a logged table cannot refer to an unlogged one.
             FOR t IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind = 'r'
                         AND c.relname <> '_sqlx_migrations'
                       ORDER BY c.relname = 'sessions'
             LOOP
                 EXECUTE format('ALTER TABLE %s SET UNLOGGED', t);
             END LOOP;
         END
         $$",
    )
    .execute(&mut *conn)
    .await
    .context("cannot make the tables unlogged")?;
    Ok(created)
}

/// The statements that build again the keys and indexes of [`BULK_TABLES`], as the
/// migrations defined them.
pub struct SavedIndexes {
    statements: Vec<String>,
}

/// Drops the keys and indexes of [`BULK_TABLES`] and returns what rebuilds them.
pub async fn drop_indexes(conn: &mut PgConnection) -> anyhow::Result<SavedIndexes> {
    let constraints: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid)
           FROM pg_constraint
          WHERE contype IN ('p', 'u') AND conrelid = ANY($1::regclass[])",
    )
    .bind(BULK_TABLES)
    .fetch_all(&mut *conn)
    .await?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i
          WHERE i.indrelid = ANY($1::regclass[])
            AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
    )
    .bind(BULK_TABLES)
    .fetch_all(&mut *conn)
    .await?;
    let mut statements = Vec::new();
    for (table, name, definition) in constraints {
        sqlx::raw_sql(&format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
            .execute(&mut *conn)
            .await?;
        statements.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ));
    }
    for (name, definition) in indexes {
        sqlx::raw_sql(&format!("DROP INDEX {name}"))
            .execute(&mut *conn)
            .await?;
        // The definition of a partitioned index says `ON ONLY <table>`, which would build it
        // for the parent alone: built again, it must cover every partition.
        statements.push(definition.replacen(" ON ONLY ", " ON ", 1));
    }
    Ok(SavedIndexes { statements })
}

impl SavedIndexes {
    /// Builds every key and index again; returns how many, and how long it took.
    pub async fn rebuild(self, conn: &mut PgConnection) -> anyhow::Result<(usize, Duration)> {
        let started = Instant::now();
        sqlx::raw_sql(&format!("SET maintenance_work_mem = '{BUILD_MEMORY}'"))
            .execute(&mut *conn)
            .await?;
        for statement in &self.statements {
            sqlx::raw_sql(statement)
                .execute(&mut *conn)
                .await
                .with_context(|| format!("cannot rebuild: {statement}"))?;
        }
        Ok((self.statements.len(), started.elapsed()))
    }
}

/// Size on disk of `table` with its partitions and indexes, and its partition count.
pub async fn size_of(conn: &mut PgConnection, table: &str) -> anyhow::Result<(String, i64)> {
    // A partitioned table has no storage of its own: its size is its partitions'.
    let size = sqlx::query_as(
        "SELECT pg_size_pretty(greatest(sum(pg_total_relation_size(relid)),
                                        pg_total_relation_size($1::regclass))::bigint),
                count(*) FILTER (WHERE relid <> $1::regclass)
           FROM pg_partition_tree($1::regclass)",
    )
    .bind(table)
    .fetch_one(conn)
    .await?;
    Ok(size)
}
