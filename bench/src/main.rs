//! `bench-views`: seeds a database of its own with 10 million attempt rows (and the events,
//! audit rows, sessions, conversation metrics and target events that go with them) over 30
//! days, times every `ops` view against a baseline without the indexes added for the views,
//! measures retention at that size, and prints the figures. Run it with `scripts/bench-views`.

mod database;
mod report;
mod retention_cost;
mod seed;
mod views;

use std::time::Instant;

use anyhow::Context;
use chrono::{DurationRound, Utc};
use clap::Parser;
use sqlx::{Connection, PgConnection};

/// Times the ops views of cxrelay at 10 million attempt rows.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Attempt rows to seed.
    #[arg(long, default_value_t = 10_000_000)]
    attempts: u64,
    /// Days they are spread over, ending now.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(2..=365))]
    days: u32,
    /// Timed runs of each view (after one warm-up run).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// URL of an existing database of a role that may create databases.
    #[arg(
        long,
        env = "CXRELAY_BENCH_DATABASE_URL",
        default_value = "postgres://cxrelay:cxrelay@127.0.0.1:5432/postgres"
    )]
    admin_url: String,
    /// The database the benchmark creates (and drops first if it exists).
    #[arg(long, default_value = "cxrelay_bench")]
    database: String,
    /// A tablespace to create it in (e.g. on a faster or larger disk).
    #[arg(long, env = "CXRELAY_BENCH_TABLESPACE")]
    tablespace: Option<String>,
    /// Keep the database afterwards, to look at the plans.
    #[arg(long)]
    keep: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let result = run(&args).await;
    if !args.keep {
        database::drop(&args.admin_url, &args.database).await?;
    }
    result
}

async fn run(args: &Args) -> anyhow::Result<()> {
    let now = Utc::now().duration_trunc(chrono::Duration::seconds(1))?;
    let started = Instant::now();
    database::create(&args.admin_url, &args.database, args.tablespace.as_deref()).await?;
    let url = database::url_of(&args.admin_url, &args.database)?;
    let db = sqlx::PgPool::connect(&url).await?;
    cxrelay_core::db::migrate(&db)
        .await
        .context("migration failed")?;
    let mut conn = PgConnection::connect(&url).await?;
    if let Some(tablespace) = &args.tablespace {
        // Sorts of the index builds spill next to the data, not onto the default disk.
        sqlx::raw_sql(&format!("SET temp_tablespaces = \"{tablespace}\""))
            .execute(&mut conn)
            .await?;
    }
    let partitions = database::prepare(&mut conn, now, u64::from(args.days)).await?;
    report::say(&format!(
        "database {} ({}): migrated, {partitions} daily partitions added, tables unlogged, \
         attempts' foreign key dropped (bench only: reads are unchanged)",
        args.database,
        args.tablespace
            .as_deref()
            .map_or("default tablespace".to_owned(), |t| format!(
                "tablespace {t}"
            ))
    ));
    let saved = database::drop_indexes(&mut conn).await?;

    let size = seed::SeedSize {
        attempts: args.attempts,
        days: u64::from(args.days),
        now,
    };
    report::say(&format!(
        "seeding {} attempt rows over {} days",
        report::count(size.attempts),
        size.days
    ));
    seed::run(&mut conn, size, report::step).await?;
    let (built, took) = saved.rebuild(&mut conn).await?;
    report::line(&format!("{built} keys and indexes rebuilt"), None, took);
    let vacuum = Instant::now();
    // As autovacuum leaves them: statistics, and the visibility map index-only scans use.
    sqlx::raw_sql(
        "VACUUM (ANALYZE) events, attempts, audit_log, sessions, transcripts, \
         conversation_metrics, target_events",
    )
    .execute(&mut conn)
    .await?;
    report::line("vacuum analyze", None, vacuum.elapsed());
    report::say(&format!(
        "seeded in {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    let mut sizes = Vec::new();
    for table in [
        "attempts",
        "audit_log",
        "events",
        "sessions",
        "conversation_metrics",
    ] {
        sizes.push((table, database::size_of(&mut conn, table).await?));
    }
    report::sizes(&sizes);

    report::say(&format!(
        "timing each view: {} runs after a warm-up; baseline: the same data without the indexes \
         added for the views ({}), dropped in a transaction rolled back afterwards",
        args.runs,
        views::VIEW_INDEXES.join(", ")
    ));
    let ours = views::time_all(&mut conn, args.runs).await?;
    let baseline = views::time_baseline(&mut conn, args.runs).await?;
    report::views(&ours, &baseline);

    report::say("retention at this size");
    let cost = retention_cost::measure(&db, &mut conn, now, args.days).await?;
    report::retention(&cost, size.attempts, u64::from(args.days));
    Ok(())
}
