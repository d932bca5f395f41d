//! A target's rate is shared by the worker processes: two of them together never go over it,
//! and a backlog drains close to it.

use cxrelay_tests::processes::max_in_window;
use cxrelay_tests::{PipelineOptions, ProcessPipeline};

/// The deployment's Genesys rate, requests per second.
const RATE_PER_SEC: u32 = 20;
/// The deployment's burst: Genesys's default (`RateSettings::GENESYS_DEFAULT`). Two workers
/// split it rounding down, 2 each, so together they release at most 22 calls in any second.
/// The simulator stamps arrivals, not releases, and the time from the limiter to the wire
/// varies on a busy two-core machine: it can bring a worker's next call into a one-second
/// window with the calls it released in it (23 is seen now and then). The bound of rate and
/// burst holds that with room to spare, and still catches a share that is not split.
const BURST: u32 = 5;
/// Events sent: 20 s of work at the rate, sent far faster than that, so a backlog builds.
const EVENTS: usize = 400;
/// The share of the rate the backlog must drain at.
const DRAIN_SHARE: f64 = 0.9;
/// Events sent first, one at a time, so that each worker has its connection to Genesys open
/// before the backlog: a worker's first call waits for its connection after the rate limiter
/// let it go, and would arrive bunched with the next ones, which says nothing about the
/// limiter. One at a time, the broker hands them to the two workers in turn.
const WARM_UP: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_together_never_exceed_the_targets_rate_and_drain_a_backlog_near_it() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 2,
        env: vec![
            (
                "CXRELAY_GENESYS__RATE__PER_SEC".to_owned(),
                RATE_PER_SEC.to_string(),
            ),
            ("CXRELAY_GENESYS__RATE__BURST".to_owned(), BURST.to_string()),
        ],
        ..PipelineOptions::default()
    })
    .await;

    let mut warm_up = Vec::new();
    for _ in 0..WARM_UP {
        let one = pipeline.send_fallbacks(1).await;
        pipeline.reconcile(&one).await.assert_reconciled();
        warm_up.extend(one);
    }
    let backlog_sent = chrono::Utc::now();
    let mut accepted = warm_up;
    accepted.extend(pipeline.send_fallbacks(EVENTS).await);
    let report = pipeline.reconcile(&accepted).await;
    let run = pipeline
        .run_report(WARM_UP + EVENTS, &accepted, &report)
        .await;
    // Every call counts against the limit, the warm-up's too.
    let timeline = pipeline.genesys_api_timeline();
    let busiest_second = max_in_window(&timeline, chrono::Duration::seconds(1));
    let backlog: Vec<_> = timeline.iter().filter(|at| **at >= backlog_sent).collect();
    let (first, last) = (*backlog[0], *backlog[backlog.len() - 1]);
    let span = (last - first).to_std().unwrap_or_default().as_secs_f64();
    // Calls after the first, over the time they took: the first one starts the clock.
    let drain_rate = (backlog.len() - 1) as f64 / span;
    let mut shares = Vec::new();
    for worker in 0..2 {
        let metrics = pipeline.worker_metrics(worker).await;
        shares.push(cxrelay_tests::metric_sum(
            &metrics,
            "cxrelay_rate_limit_share",
            &[("target", "genesys")],
        ));
    }
    println!("{run}");
    println!(
        "  limit {RATE_PER_SEC}/s, burst {BURST}: at most {busiest_second} Genesys calls in any \
         one second; the backlog's {} calls in {span:.2} s, {drain_rate:.2}/s; the workers' \
         shares {shares:?}",
        backlog.len()
    );

    report.assert_reconciled();
    assert_eq!(report.succeeded, WARM_UP + EVENTS, "{report}");
    assert_eq!(
        shares,
        [f64::from(RATE_PER_SEC) / 2.0; 2],
        "each worker takes half the rate"
    );
    assert!(
        busiest_second <= usize::try_from(RATE_PER_SEC + BURST).unwrap_or(usize::MAX),
        "{busiest_second} calls in one second, over the rate {RATE_PER_SEC}/s plus the burst {BURST}"
    );
    assert!(
        drain_rate >= DRAIN_SHARE * f64::from(RATE_PER_SEC),
        "the backlog drained at {drain_rate:.2}/s, under {DRAIN_SHARE} of {RATE_PER_SEC}/s"
    );
}
