//! The workers' database taken away while they carry events out: they report it, hold the
//! events they have (no call without its attempt row, no outcome lost, nothing looped into the
//! dead-letter queue) and carry on by themselves once it is back. The ingress's database taken
//! away: a status read answers 503 with `Retry-After` while intake goes on.

use std::time::{Duration, Instant};

use serde_json::Value;

use cxrelay_tests::app::{API_KEY, PATIENCE};
use cxrelay_tests::broker::queue_depth;
use cxrelay_tests::processes::{fallback_event, EXECUTIONS_PATH, FALLBACK_PATH};
use cxrelay_tests::{wait, PipelineOptions, ProcessPipeline};

/// Events sent.
const EVENTS: usize = 1_000;
/// The cut comes once this many have succeeded: the workers are busy.
const CUT_AFTER: usize = 200;
/// How long the database is away.
const CUT: Duration = Duration::from_secs(4);
/// How long the first `CUT_AFTER` events may take.
const CUT_PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reports_its_database_unavailable_while_cut_off_and_ready_once_restored() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 1,
        database_proxy: true,
        ..PipelineOptions::default()
    })
    .await;
    let (status, body) = pipeline.worker_readiness(0).await;
    assert_eq!((status, &body["database"]), (200, &"ok".into()), "{body}");

    pipeline.database_proxy().cut();
    let body = wait::until(
        "the worker to report its database unavailable",
        PATIENCE,
        || async {
            let (status, body) = pipeline.worker_readiness(0).await;
            (status == 503 && body["database"] == "unavailable").then_some(body)
        },
    )
    .await;
    assert_eq!(body["broker"], "ok", "only the database was cut: {body}");
    assert!(
        pipeline.worker(0).exit_status().is_none(),
        "the worker stays up"
    );

    pipeline.database_proxy().restore();
    wait::until("the worker to be ready again", PATIENCE, || async {
        let (status, body) = pipeline.worker_readiness(0).await;
        (status == 200 && body["database"] == "ok").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_cut_during_processing_holds_the_events_and_makes_no_call_without_its_row() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 2,
        database_proxy: true,
        ..PipelineOptions::default()
    })
    .await;

    let cut = async {
        let at_cut = pipeline.until_succeeded(CUT_AFTER, CUT_PATIENCE).await;
        let launches_at_cut = pipeline.sim_calls_to("POST", EXECUTIONS_PATH).len();
        pipeline.database_proxy().cut();
        let cut_at = Instant::now();
        // The outage is the fault under test: it lasts a set time, there is nothing to await.
        tokio::time::sleep(CUT).await;
        let launches_during =
            pipeline.sim_calls_to("POST", EXECUTIONS_PATH).len() - launches_at_cut;
        pipeline.database_proxy().restore();
        (at_cut, launches_during, cut_at.elapsed())
    };
    let (accepted, (at_cut, launches_during, outage)) =
        tokio::join!(pipeline.send_fallbacks(EVENTS), cut);

    let report = pipeline.reconcile(&accepted).await;
    let run = pipeline.run_report(EVENTS, &accepted, &report).await;
    let coverage = pipeline.call_coverage().await;
    let dead_letters = queue_depth(&pipeline.topology.dead_letter_queue()).await;
    let most_deliveries: Option<i32> = sqlx::query_scalar("SELECT max(attempts) FROM events")
        .fetch_one(&pipeline.db)
        .await
        .expect("read the deliveries");
    println!(
        "database cut from both workers for {outage:?} after {at_cut} events had succeeded; \
         {launches_during} flow launches went out during the cut (their rows were committed before it)"
    );
    println!("{run}");
    println!(
        "  dead-letter queue: {dead_letters} messages; most deliveries of one event: {}",
        most_deliveries.unwrap_or(0)
    );

    report.assert_reconciled();
    assert_eq!(report.succeeded, EVENTS, "{report}");
    pipeline.assert_each_launched_once(&accepted).await;
    assert!(
        coverage.uncovered.is_empty() && coverage.sim_launches <= coverage.attempt_rows,
        "flow launches without an attempt row, in sessions {:?} ({} launches, {} rows)",
        &coverage.uncovered[..coverage.uncovered.len().min(10)],
        coverage.sim_launches,
        coverage.attempt_rows
    );
    assert_eq!(
        dead_letters, 0,
        "the workers held their deliveries instead of handing them back until the broker gave up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_read_while_the_ingress_cannot_reach_the_database_is_a_503_with_retry_after() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 1,
        ingress_database_proxy: true,
        ..PipelineOptions::default()
    })
    .await;
    let accepted = pipeline.send_fallbacks(1).await;
    let url = format!("{}/v1/events/{}", pipeline.public_url(), accepted[0]);
    let read = || async {
        let response = pipeline
            .http
            .get(&url)
            .header("X-API-Key", API_KEY)
            .send()
            .await
            .expect("the ingress answers");
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().expect("ASCII").to_owned());
        let body: Value = response.json().await.expect("a JSON body");
        (status, retry_after, body)
    };
    wait::until(
        "the event to be recorded as succeeded",
        PATIENCE,
        || async {
            let (status, _, body) = read().await;
            (status == 200 && body["status"] == "succeeded").then_some(())
        },
    )
    .await;

    // The ingress's pooled connection dies with the cut: its next query fails, and so does
    // every new connection until the proxy forwards again.
    pipeline.database_proxy().cut();
    let (status, retry_after, body) = read().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry_after.as_deref(), Some("5"), "{body}");
    assert_eq!(body["type"], "urn:cxrelay:problem:database-unavailable");
    let posted = pipeline.post(FALLBACK_PATH, &fallback_event(1)).await;
    assert_eq!(posted.status(), 202, "intake does not need the database");

    pipeline.database_proxy().restore();
    wait::until("the status read to answer again", PATIENCE, || async {
        let (status, _, body) = read().await;
        (status == 200 && body["status"] == "succeeded").then_some(())
    })
    .await;
}
