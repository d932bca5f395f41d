//! A worker SIGKILLed in the middle of 5,000 events, then replaced by a new one: nothing
//! accepted is lost, each event is carried out once in Postgres, and every flow launch the
//! simulator saw has its attempt row.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use cxrelay_tests::{PipelineOptions, ProcessPipeline};

/// Events in the batch.
const EVENTS: usize = 5_000;
/// The worker is killed once this many have succeeded: well into the batch, with intake still
/// going on.
const KILL_AFTER: usize = 1_000;
/// How long the first `KILL_AFTER` events may take.
const KILL_PATIENCE: Duration = Duration::from_secs(90);
/// Unacknowledged deliveries of one worker (`worker.prefetch`, the default): at most this many
/// events were in flight when it died.
const PREFETCH: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_batch_and_replaced_leaves_every_event_carried_out_once() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 1,
        env: vec![("CXRELAY_WORKER__PREFETCH".to_owned(), PREFETCH.to_string())],
        ..PipelineOptions::default()
    })
    .await;

    let kill_and_replace = async {
        let at_kill = pipeline.until_succeeded(KILL_AFTER, KILL_PATIENCE).await;
        let status = pipeline.kill_worker(0).await;
        assert_eq!(
            status.signal(),
            Some(9),
            "worker 0 died of SIGKILL: {status}"
        );
        pipeline.start_worker().await;
        at_kill
    };
    let (accepted, succeeded_at_kill) =
        tokio::join!(pipeline.send_fallbacks(EVENTS), kill_and_replace);

    let report = pipeline.reconcile(&accepted).await;
    let run = pipeline.run_report(EVENTS, &accepted, &report).await;
    let coverage = pipeline.call_coverage().await;
    println!(
        "worker 0 SIGKILLed after {succeeded_at_kill} events had succeeded; worker 1 took over"
    );
    println!("{run}");
    println!(
        "  launches the killed worker made whose outcome it never recorded (made again): {}",
        coverage.sim_launches.saturating_sub(report.succeeded)
    );

    report.assert_reconciled();
    assert_eq!(accepted.len(), EVENTS, "every event was accepted");
    assert_eq!(report.succeeded, EVENTS, "{report}");
    pipeline.assert_each_launched_once(&accepted).await;
    assert!(
        coverage.uncovered.is_empty() && coverage.sim_launches <= coverage.attempt_rows,
        "flow launches without an attempt row, in sessions {:?} ({} launches, {} rows)",
        &coverage.uncovered[..coverage.uncovered.len().min(10)],
        coverage.sim_launches,
        coverage.attempt_rows
    );
    assert!(
        report.calls_without_outcome <= PREFETCH,
        "{} calls lost their outcome, more than the {PREFETCH} events a worker holds at once",
        report.calls_without_outcome
    );
}
