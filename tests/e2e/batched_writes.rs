//! The worker's batched writes (one transaction per batch of events) against real Postgres:
//! they give the rows the one-event writes give, concurrent writes share transactions, and a
//! row Postgres refuses fails only its own event.

use std::time::Duration;

use chrono::Utc;
use cxrelay_tests::database::ScratchDatabase;
use cxrelay_worker::call::CallResult;
use cxrelay_worker::outcome::Outcome;
use cxrelay_worker::record::{self, batched, Begun, CallRow, Finish, NewDelivery, StartCall};
use cxrelay_worker::verdict::Settlement;
use cxrelay_worker::writes::Writes;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

/// Events per set.
const EVENTS: usize = 12;

/// Delivery `n` of a set: fields vary with `n` so that every column is exercised.
fn delivery(n: usize) -> NewDelivery {
    let now = Utc::now();
    NewDelivery {
        event_id: Uuid::new_v4(),
        kind: "cognigy.fallback",
        target: "genesys",
        request_id: (!n.is_multiple_of(3)).then(|| format!("req-{n}")),
        idempotency_key: n.is_multiple_of(4).then(|| format!("key-{n}")),
        payload: json!({"n": n, "sessionId": format!("s-{n}")}).to_string(),
        received_at: now,
        retries: 0,
        generation: 0,
        deadline_at: now + chrono::Duration::seconds(600),
        source: Some("cognigy".to_owned()),
        key_name: n.is_multiple_of(2).then(|| "cognigy-main".to_owned()),
    }
}

/// The call `n` made: successes, a 503 and a transport failure.
fn call_result(n: usize) -> CallResult {
    let mut call = CallResult::not_configured("x");
    match n % 3 {
        0 => {
            call.outcome = Outcome::Success;
            call.http_status = Some(200);
            call.error_code = None;
            call.error_message = None;
            call.correlation_id = Some(format!("corr-{n}"));
        }
        1 => {
            call.outcome = Outcome::Retryable;
            call.http_status = Some(503);
            call.error_code = Some("service.unavailable".to_owned());
            call.error_message = Some("try later".to_owned());
        }
        _ => {
            call.outcome = Outcome::Retryable;
            call.error_code = Some("transport".to_owned());
            call.error_message = Some("connection reset".to_owned());
        }
    }
    call.latency = Duration::from_millis(n as u64 + 3);
    call.waited = Duration::from_millis(1);
    call
}

/// How delivery `n` settles: succeeded, retrying or dead.
fn settlement(n: usize) -> Settlement {
    match n % 3 {
        0 => Settlement::Succeeded {
            result: json!({"flowExecutionId": format!("exec-{n}")}),
        },
        1 => Settlement::Retrying {
            reason: "unavailable",
            detail: "HTTP 503".to_owned(),
            delay_ms: 1_000,
        },
        _ => Settlement::Dead {
            reason: "unreachable",
            detail: "gave up".to_owned(),
        },
    }
}

fn start_call(delivery: &NewDelivery) -> StartCall {
    StartCall {
        event_id: delivery.event_id,
        attempt: 1,
        call_seq: 1,
        target: "genesys".to_owned(),
        operation: "launchFlow".to_owned(),
        started_at: Utc::now(),
    }
}

fn finish(n: usize, delivery: &NewDelivery, row: CallRow) -> Finish {
    let retries = u32::from(matches!(settlement(n), Settlement::Retrying { .. }));
    Finish::of(
        delivery.event_id,
        1,
        &[(row, call_result(n))],
        &settlement(n),
        retries,
    )
}

/// What the rows of the set say, in the order of `n`, without ids and times (which differ
/// between any two writes) but with whether each time is set.
async fn rows_of(db: &PgPool, ids: &[Uuid]) -> Vec<Value> {
    let mut rows = Vec::new();
    for id in ids {
        let row: Value = sqlx::query_scalar(
            "SELECT json_build_object(
                'event', (SELECT to_jsonb(e) - 'id' - 'created_at' - 'updated_at' - 'received_at'
                                 - 'deadline_at' - 'finished_at' - 'next_attempt_at'
                                 || jsonb_build_object('finished', e.finished_at IS NOT NULL,
                                                       'retryAt', e.next_attempt_at IS NOT NULL)
                            FROM events e WHERE e.id = $1),
                'attempts', (SELECT jsonb_agg(to_jsonb(a) - 'id' - 'event_id' - 'started_at'
                                              - 'finished_at'
                                              || jsonb_build_object('finished',
                                                                    a.finished_at IS NOT NULL)
                                              ORDER BY a.call_seq)
                               FROM attempts a WHERE a.event_id = $1),
                'audit', (SELECT jsonb_agg(jsonb_build_object('actor', l.actor,
                                                              'action', l.action,
                                                              'detail', l.detail)
                                           ORDER BY l.id)
                            FROM audit_log l WHERE l.event_id = $1))",
        )
        .bind(id)
        .fetch_one(db)
        .await
        .expect("read the rows");
        rows.push(row);
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_writes_give_the_rows_the_one_event_writes_give() {
    let scratch = ScratchDatabase::new().await;
    let db = &scratch.db;
    let singles: Vec<NewDelivery> = (0..EVENTS).map(delivery).collect();
    let batch: Vec<NewDelivery> = (0..EVENTS).map(delivery).collect();

    let mut single_begun = Vec::new();
    for d in &singles {
        single_begun.push(record::begin_event(db, d).await.unwrap());
    }
    let batch_begun = batched::begin_events(db, &batch).await.unwrap();
    assert_eq!(single_begun.len(), batch_begun.len());
    for (single, batched) in single_begun.iter().zip(&batch_begun) {
        let (Begun::Started { number: a, .. }, Begun::Started { number: b, .. }) =
            (single, batched)
        else {
            panic!("every first delivery starts: {single:?} {batched:?}");
        };
        assert_eq!((*a, *b), (1, 1));
    }

    let mut single_rows = Vec::new();
    for d in &singles {
        single_rows.push(record::start_call(db, &start_call(d)).await.unwrap());
    }
    let starts: Vec<StartCall> = batch.iter().map(start_call).collect();
    let batch_rows = batched::start_calls(db, &starts).await.unwrap();
    assert_eq!(batch_rows.len(), EVENTS);
    let distinct: std::collections::HashSet<i64> = batch_rows.iter().map(|r| r.id).collect();
    assert_eq!(distinct.len(), EVENTS, "each call has its own attempt row");

    for (n, (d, row)) in singles.iter().zip(&single_rows).enumerate() {
        record::finish_event(db, &finish(n, d, *row)).await.unwrap();
    }
    let finishes: Vec<Finish> = batch
        .iter()
        .zip(&batch_rows)
        .enumerate()
        .map(|(n, (d, row))| finish(n, d, *row))
        .collect();
    batched::finish_events(db, &finishes).await.unwrap();
    // Recorded at most once per delivery: a second run (a commit acknowledged late) writes
    // nothing more.
    batched::finish_events(db, &finishes).await.unwrap();

    // A copy of each final event comes again: stale, counted as a repeat, in both ways.
    let final_ones: Vec<usize> = (0..EVENTS).filter(|n| n % 3 != 1).collect();
    for &n in &final_ones {
        let begun = record::begin_event(db, &singles[n]).await.unwrap();
        assert!(matches!(begun, Begun::Stale { .. }), "{begun:?}");
    }
    let copies: Vec<NewDelivery> = final_ones.iter().map(|&n| batch[n].clone()).collect();
    for begun in batched::begin_events(db, &copies).await.unwrap() {
        assert!(matches!(begun, Begun::Stale { .. }), "{begun:?}");
    }

    let single_ids: Vec<Uuid> = singles.iter().map(|d| d.event_id).collect();
    let batch_ids: Vec<Uuid> = batch.iter().map(|d| d.event_id).collect();
    let from_singles = rows_of(db, &single_ids).await;
    let from_batches = rows_of(db, &batch_ids).await;
    for (n, (single, batched)) in from_singles.iter().zip(&from_batches).enumerate() {
        assert_eq!(single, batched, "event {n}: one-event rows vs batched rows");
    }
    // The comparison is of real rows: each has its event, one attempt and two audit rows.
    for row in &from_batches {
        assert_eq!(row["attempts"].as_array().map(Vec::len), Some(1), "{row}");
        assert_eq!(row["audit"].as_array().map(Vec::len), Some(2), "{row}");
    }
    assert_eq!(from_batches[0]["event"]["status"], "succeeded");
    assert_eq!(from_batches[0]["event"]["repeats"], 1);
    assert_eq!(from_batches[1]["event"]["status"], "retrying");
    assert_eq!(from_batches[2]["event"]["reason"], "unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_share_transactions_and_each_caller_gets_its_own_answer() {
    let scratch = ScratchDatabase::new().await;
    let writes = Writes::start(&scratch.db);
    let deliveries: Vec<NewDelivery> = (0..200).map(delivery).collect();
    let begins: Vec<_> = deliveries
        .iter()
        .cloned()
        .map(|d| {
            let writes = writes.clone();
            tokio::spawn(async move { (d.event_id, writes.begin_event(d).await) })
        })
        .collect();
    for begin in begins {
        let (id, begun) = begin.await.unwrap();
        assert!(
            matches!(begun, Ok(Begun::Started { number: 1, .. })),
            "{id}: {begun:?}"
        );
    }
    // Rows inserted by one transaction share its xmin.
    let (rows, transactions): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT xmin::text) FROM events")
            .fetch_one(&scratch.db)
            .await
            .unwrap();
    assert_eq!(rows, 200);
    assert!(
        transactions < 100,
        "200 concurrent event starts took {transactions} transactions: not batched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_postgres_refuses_fails_only_its_own_event() {
    let scratch = ScratchDatabase::new().await;
    let writes = Writes::start(&scratch.db);
    let mut deliveries: Vec<NewDelivery> = (0..60).map(delivery).collect();
    // jsonb cannot hold a NUL character: Postgres refuses this row, and only this row.
    let poison = 17;
    deliveries[poison].payload = json!({"text": "nul \u{0000} here"}).to_string();
    let begins: Vec<_> = deliveries
        .iter()
        .cloned()
        .map(|d| {
            let writes = writes.clone();
            tokio::spawn(async move { writes.begin_event(d).await })
        })
        .collect();
    let mut refused = Vec::new();
    for (n, begin) in begins.into_iter().enumerate() {
        match begin.await.unwrap() {
            Ok(Begun::Started { number: 1, .. }) => {}
            Ok(other) => panic!("event {n}: {other:?}"),
            Err(error) => refused.push((n, error.to_string())),
        }
    }
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, poison, "{refused:?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&scratch.db)
        .await
        .unwrap();
    assert_eq!(rows, 59, "every other event is recorded");
}
