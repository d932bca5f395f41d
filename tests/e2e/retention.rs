//! Retention: expired days of attempts and audit rows go as whole partitions, newer rows stay,
//! final events outlive their attempts, and one process runs a pass at a time.

use std::sync::Arc;

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use cxrelay_core::config::{RetentionSettings, Settings};
use cxrelay_core::retention::{self, ATTEMPTS, AUDIT_LOG, LOCK_KEYS};
use cxrelay_tests::database::ScratchDatabase;
use cxrelay_tests::{spawn_app, wait, AppOptions};
use secrecy::SecretString;
use sqlx::{Connection, PgConnection, PgPool};
use uuid::Uuid;

async fn event(db: &PgPool, status: &str, finished_at: Option<DateTime<Utc>>) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO events (id, kind, target, status, payload, received_at, updated_at, finished_at)
         VALUES ($1, 'cognigy.fallback', 'genesys', $2, '{}', coalesce($3, now()) - interval '1 minute',
                 coalesce($3, now() - interval '100 days'), $3)",
    )
    .bind(id)
    .bind(status)
    .bind(finished_at)
    .execute(db)
    .await
    .unwrap();
    id
}

/// An attempt row and an audit row of `event` at `at`; returns the partition the attempt is in.
async fn history(db: &PgPool, event: Uuid, attempt: i32, at: DateTime<Utc>) -> String {
    sqlx::query("INSERT INTO audit_log (at, event_id, actor, action) VALUES ($1, $2, 'worker', 'event.processing')")
        .bind(at)
        .bind(event)
        .execute(db)
        .await
        .unwrap();
    sqlx::query_scalar(
        "INSERT INTO attempts (event_id, attempt, target, operation, started_at, outcome)
         VALUES ($1, $2, 'genesys', 'genesys.flows.executions.create', $3, 'success')
         RETURNING tableoid::regclass::text",
    )
    .bind(event)
    .bind(attempt)
    .bind(at)
    .fetch_one(db)
    .await
    .unwrap()
}

async fn partition_exists(db: &PgPool, name: &str) -> bool {
    sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(name)
        .fetch_one(db)
        .await
        .unwrap()
}

async fn count(db: &PgPool, sql: &str, event: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(event)
        .fetch_one(db)
        .await
        .unwrap()
}

fn settings_on(scratch: &ScratchDatabase) -> Settings {
    let mut settings = Settings::default();
    settings.database.url = Some(SecretString::from(scratch.url()));
    settings.retention = RetentionSettings {
        attempts_days: 30,
        audit_days: 30,
        events_days: 90,
        interval_secs: 3_600,
    };
    settings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_drops_expired_days_whole_keeps_newer_rows_and_the_events_final_state() {
    let scratch = ScratchDatabase::new().await;
    let db = &scratch.db;
    let now = Utc::now();
    let (old, recent) = (now - Duration::days(40), now - Duration::days(10));
    let mut conn = PgConnection::connect(&scratch.url()).await.unwrap();
    for day in [old.date_naive(), recent.date_naive()] {
        ATTEMPTS.create_day(&mut conn, day).await.unwrap();
        AUDIT_LOG.create_day(&mut conn, day).await.unwrap();
    }

    // Calls of 40 days ago, of an event that succeeded then.
    let finished_long_ago = event(db, "succeeded", Some(old)).await;
    assert_eq!(
        history(db, finished_long_ago, 1, old).await,
        ATTEMPTS.partition_name(old.date_naive())
    );
    history(db, finished_long_ago, 2, old).await;
    // A row of 50 days ago, written while its day had no partition.
    let stray = history(db, finished_long_ago, 3, now - Duration::days(50)).await;
    assert_eq!(stray, "attempts_default");
    // Calls of 10 days ago, of an event that died then.
    let finished_recently = event(db, "dead", Some(recent)).await;
    history(db, finished_recently, 1, recent).await;
    history(db, finished_recently, 2, recent).await;
    // Final 100 days ago (its calls long gone), and stuck unfinished for as long.
    let expired_event = event(db, "succeeded", Some(now - Duration::days(100))).await;
    let unfinished = event(db, "processing", None).await;

    let outcome = cxrelay_cli::retention::run(&settings_on(&scratch))
        .await
        .unwrap();
    let printed = cxrelay_cli::retention::describe(&settings_on(&scratch), &outcome);
    let cxrelay_cli::retention::Outcome::Done(report) = outcome else {
        panic!("no other process runs retention here: {printed}");
    };

    let old_attempts = ATTEMPTS.partition_name(old.date_naive());
    let old_audit = AUDIT_LOG.partition_name(old.date_naive());
    assert_eq!(report.dropped, [old_attempts.clone(), old_audit.clone()]);
    assert!(!partition_exists(db, &old_attempts).await, "dropped whole");
    assert!(!partition_exists(db, &old_audit).await, "dropped whole");
    assert_eq!(report.strays_deleted, 2, "the stray attempt and audit row");
    assert_eq!(report.events.events, 1, "{report:?}");
    assert!(
        printed.contains(&format!("partitions dropped: {old_attempts}, {old_audit}")),
        "{printed}"
    );
    assert!(printed.contains("final events deleted: 1"), "{printed}");

    let attempts_of = "SELECT count(*) FROM attempts WHERE event_id = $1";
    let audit_of = "SELECT count(*) FROM audit_log WHERE event_id = $1";
    assert_eq!(count(db, attempts_of, finished_long_ago).await, 0);
    assert_eq!(count(db, audit_of, finished_long_ago).await, 0);
    assert_eq!(count(db, attempts_of, finished_recently).await, 2);
    assert_eq!(count(db, audit_of, finished_recently).await, 2);
    let status_of = "SELECT count(*) FROM events WHERE id = $1 AND status = 'succeeded'";
    assert_eq!(
        count(db, status_of, finished_long_ago).await,
        1,
        "the event keeps its final state after its calls are gone"
    );
    let exists = "SELECT count(*) FROM events WHERE id = $1";
    assert_eq!(count(db, exists, expired_event).await, 0);
    assert_eq!(
        count(db, exists, unfinished).await,
        1,
        "unfinished events are kept"
    );
    assert_eq!(count(db, exists, finished_recently).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_landed_in_the_default_partition_move_into_their_days_partition() {
    let scratch = ScratchDatabase::new().await;
    let db = &scratch.db;
    let day = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(2))
        .unwrap();
    let partition = ATTEMPTS.partition_name(day);
    sqlx::query(&format!("DROP TABLE {partition}"))
        .execute(db)
        .await
        .unwrap();
    let noon = day.and_hms_opt(12, 0, 0).unwrap().and_utc();
    let event = event(db, "processing", None).await;
    assert_eq!(history(db, event, 1, noon).await, "attempts_default");

    let report = retention::run_pass(db, &RetentionSettings::default(), Utc::now())
        .await
        .unwrap()
        .expect("no other pass runs");

    assert_eq!(report.created, [(partition.clone(), 1)]);
    let home: String =
        sqlx::query_scalar("SELECT tableoid::regclass::text FROM attempts WHERE event_id = $1")
            .bind(event)
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(home, partition);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_does_nothing_while_another_process_runs_one() {
    let scratch = ScratchDatabase::new().await;
    let mut other = PgConnection::connect(&scratch.url()).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1, $2)")
        .bind(LOCK_KEYS.0)
        .bind(LOCK_KEYS.1)
        .execute(&mut other)
        .await
        .unwrap();

    let pass = retention::run_pass(&scratch.db, &RetentionSettings::default(), Utc::now())
        .await
        .unwrap();
    assert_eq!(pass, None);
    let printed = cxrelay_cli::retention::describe(
        &settings_on(&scratch),
        &cxrelay_cli::retention::run(&settings_on(&scratch))
            .await
            .unwrap(),
    );
    assert!(printed.contains("nothing done"), "{printed}");

    sqlx::query("SELECT pg_advisory_unlock($1, $2)")
        .bind(LOCK_KEYS.0)
        .bind(LOCK_KEYS.1)
        .execute(&mut other)
        .await
        .unwrap();
    let pass = retention::run_pass(&scratch.db, &RetentionSettings::default(), Utc::now())
        .await
        .unwrap();
    assert!(pass.is_some(), "the other process's pass is over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_worker_drops_expired_partitions_by_itself() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(|settings: &mut Settings| {
            settings.retention.interval_secs = 1;
        })),
        ..AppOptions::default()
    })
    .await;
    let day: NaiveDate = (Utc::now() - Duration::days(45)).date_naive();
    let mut conn = app.db.acquire().await.unwrap();
    ATTEMPTS.create_day(&mut conn, day).await.unwrap();
    drop(conn);
    let partition = ATTEMPTS.partition_name(day);
    assert!(partition_exists(&app.db, &partition).await);

    wait::until(
        &format!("the worker to drop {partition}"),
        cxrelay_tests::app::PATIENCE,
        || async { (!partition_exists(&app.db, &partition).await).then_some(()) },
    )
    .await;
}
