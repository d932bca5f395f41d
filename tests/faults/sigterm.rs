//! SIGTERM to a worker and to the ingress while events pour in and Genesys is slow: each
//! process finishes what it has begun and exits 0 within its bound, callers are refused (503)
//! rather than dropped once the ingress drains, and the remaining worker carries out every event
//! that was accepted.

use std::process::ExitStatus;
use std::time::{Duration, Instant};

use cxrelay_tests::processes::{ChildProcess, EXIT_PATIENCE};
use cxrelay_tests::{wait, PipelineOptions, ProcessPipeline};
use serde_json::json;

/// The workers' shutdown grace: how long in-flight events may take after SIGTERM.
const GRACE_SECS: u64 = 3;
/// Every Genesys call takes this long: slow enough that SIGTERM finds calls under way, well
/// under the grace and the request timeout, so they all finish.
const CALL_MS: u64 = 400;
/// SIGTERM comes once this many events have succeeded: the pipeline is busy.
const TERMINATE_AFTER: usize = 200;
/// The most events the sender would send; it stops as soon as the ingress refuses one.
const MAX_EVENTS: usize = 3_000;
/// A worker exits within its grace and this: closing its connections, leaving the replica set.
const WORKER_EXIT_MARGIN: Duration = Duration::from_secs(2);
/// The ingress exits within this: its drain bound (the harness's 2 s confirm timeout and
/// 1 s) and the closing of its listeners.
const INGRESS_EXIT_BOUND: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_exits_zero_in_time_and_every_accepted_event_is_carried_out_once() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 2,
        env: vec![(
            "CXRELAY_WORKER__SHUTDOWN_GRACE_SECS".to_owned(),
            GRACE_SECS.to_string(),
        )],
        ..PipelineOptions::default()
    })
    .await;
    // Every answer held CALL_MS, then given: slow calls that all succeed.
    pipeline
        .start_chaos(json!({
            "scope": "genesys",
            "timeoutRate": 1.0,
            "timeoutMs": CALL_MS,
            "timeoutMode": "answerLost",
        }))
        .await;

    let stop = async {
        wait::until(
            &format!("{TERMINATE_AFTER} events to succeed"),
            Duration::from_secs(60),
            || async { (pipeline.events_in("succeeded").await >= TERMINATE_AFTER).then_some(()) },
        )
        .await;
        let worker = pipeline.worker(0);
        let ingress = pipeline.ingress();
        let signalled = Instant::now();
        worker.terminate();
        ingress.terminate();
        let (worker_exit, ingress_exit) =
            tokio::join!(exit_of(&worker, signalled), exit_of(ingress, signalled));
        let succeeded_at_exit = pipeline.events_in("succeeded").await;
        (worker_exit, ingress_exit, succeeded_at_exit)
    };
    let (intake, ((worker_status, worker_took), (ingress_status, ingress_took), at_exit)) =
        tokio::join!(pipeline.send_fallbacks_until_refused(MAX_EVENTS), stop);

    let report = pipeline.reconcile(&intake.accepted).await;
    let run = pipeline
        .run_report(MAX_EVENTS - intake.not_sent, &intake.accepted, &report)
        .await;
    println!("{run}");
    println!(
        "  SIGTERM to worker 0 and the ingress after {TERMINATE_AFTER} successes: worker 0 \
         exited {worker_status} after {worker_took:?} (grace {GRACE_SECS} s), the ingress \
         {ingress_status} after {ingress_took:?}; {at_exit} events had succeeded by then"
    );
    println!(
        "  the sender: {} accepted, {} refused (503), {} unanswered, {} never sent",
        intake.accepted.len(),
        intake.refused,
        intake.unanswered,
        intake.not_sent
    );

    assert_eq!(
        worker_status.code(),
        Some(0),
        "worker 0 exited {worker_status}"
    );
    assert!(
        worker_took <= Duration::from_secs(GRACE_SECS) + WORKER_EXIT_MARGIN,
        "worker 0 took {worker_took:?} to stop"
    );
    assert_eq!(
        ingress_status.code(),
        Some(0),
        "the ingress exited {ingress_status}"
    );
    assert!(
        ingress_took <= INGRESS_EXIT_BOUND,
        "the ingress took {ingress_took:?} to stop"
    );
    assert!(
        intake.refused + intake.unanswered > 0 && intake.not_sent > 0,
        "the ingress stopped under load: the sender was refused before it was done"
    );
    report.assert_reconciled();
    assert_eq!(report.succeeded, intake.accepted.len(), "{report}");
    assert!(
        at_exit < intake.accepted.len(),
        "worker 1 had events left to carry out alone"
    );
    assert_eq!(
        report.calls_without_outcome, 0,
        "worker 0 finished the calls it had begun instead of abandoning them"
    );
    pipeline.assert_each_launched_once(&intake.accepted).await;
}

/// How `process` exited and how long after `signalled`.
async fn exit_of(process: &ChildProcess, signalled: Instant) -> (ExitStatus, Duration) {
    let status = process.wait_exit(EXIT_PATIENCE).await;
    (status, signalled.elapsed())
}
