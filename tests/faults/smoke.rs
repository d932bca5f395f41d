//! The harness itself: real processes carry a batch end to end and stop cleanly.

use std::time::{Duration, Instant};

use cxrelay_tests::{metric_sum, PipelineOptions, ProcessPipeline};

/// Events in the batch: enough that both workers take a share.
const EVENTS: usize = 200;
/// A worker with nothing in flight stops well within this after SIGTERM.
const STOP_BOUND: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_carry_out_every_event_once_and_exit_zero_on_sigterm() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 2,
        ..PipelineOptions::default()
    })
    .await;

    let accepted = pipeline.send_fallbacks(EVENTS).await;
    assert_eq!(accepted.len(), EVENTS);
    let report = pipeline.reconcile(&accepted).await;
    println!("{report}");
    report.assert_reconciled();
    assert_eq!(report.succeeded, EVENTS, "{report}");
    let executions = pipeline.sim_calls_to("POST", "/api/v2/flows/executions");
    assert_eq!(executions.len(), EVENTS, "one flow execution per event");

    let mut finished_per_worker = Vec::new();
    for worker in 0..2 {
        let metrics = pipeline.worker_metrics(worker).await;
        finished_per_worker.push(metric_sum(
            &metrics,
            "cxrelay_events_finished_total",
            &[("status", "succeeded")],
        ));
    }
    assert!(
        finished_per_worker.iter().all(|&n| n > 0.0),
        "each worker process carried out a share: {finished_per_worker:?}"
    );
    assert_eq!(finished_per_worker.iter().sum::<f64>(), EVENTS as f64);

    for worker in 0..2 {
        let started = Instant::now();
        let status = pipeline.terminate_worker(worker).await;
        let took = started.elapsed();
        assert_eq!(
            status.code(),
            Some(0),
            "worker {worker} exited with {status}"
        );
        assert!(took < STOP_BOUND, "worker {worker} took {took:?} to stop");
    }
}
