//! The broker taken away from the ingress and both workers for several seconds while events are
//! being sent and carried out: senders are told 503 and come back, the processes reconnect by
//! themselves, and every accepted event is carried out once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cxrelay_tests::{BrokerProxies, PipelineOptions, ProcessPipeline};

/// Events sent.
const EVENTS: usize = 1_000;
/// The cut comes once this many have succeeded: intake is still going on, and so is processing.
const CUT_AFTER: usize = 200;
/// How long the broker is away.
const CUT: Duration = Duration::from_secs(4);
/// How long the first `CUT_AFTER` events may take.
const CUT_PATIENCE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_cut_during_intake_and_processing_loses_nothing_and_carries_nothing_out_twice() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 2,
        broker_proxies: BrokerProxies::Shared,
        ..PipelineOptions::default()
    })
    .await;
    let sending_done = AtomicBool::new(false);

    let send = async {
        let accepted = pipeline.send_fallbacks(EVENTS).await;
        sending_done.store(true, Ordering::SeqCst);
        accepted
    };
    let cut = async {
        let succeeded_at_cut = pipeline.until_succeeded(CUT_AFTER, CUT_PATIENCE).await;
        let still_sending = !sending_done.load(Ordering::SeqCst);
        let proxy = pipeline.worker_broker_proxy();
        proxy.cut();
        let cut_at = Instant::now();
        // The outage is the fault under test: it lasts a set time, there is nothing to await.
        tokio::time::sleep(CUT).await;
        proxy.restore();
        let succeeded_at_restore = pipeline.events_in("succeeded").await;
        (
            succeeded_at_cut,
            succeeded_at_restore,
            still_sending,
            cut_at.elapsed(),
        )
    };
    let (accepted, (at_cut, at_restore, cut_during_intake, outage)) = tokio::join!(send, cut);

    let report = pipeline.reconcile(&accepted).await;
    let run = pipeline.run_report(EVENTS, &accepted, &report).await;
    println!(
        "broker cut for {outage:?} from all three processes, after {at_cut} events had \
         succeeded ({at_restore} when it came back)"
    );
    println!("{run}");

    assert!(
        cut_during_intake,
        "the cut came after intake ended: send more events"
    );
    assert!(
        at_cut < EVENTS,
        "the cut came after processing ended: send more events"
    );
    report.assert_reconciled();
    assert_eq!(report.succeeded, accepted.len(), "{report}");
    assert_eq!(accepted.len(), EVENTS, "each refused event was sent again");
    pipeline.assert_each_launched_once(&accepted).await;
    let coverage = pipeline.call_coverage().await;
    assert!(
        coverage.uncovered.is_empty(),
        "flow launches without an attempt row in sessions {:?}",
        coverage.uncovered
    );
    for worker in 0..2 {
        let (status, body) = pipeline.worker_readiness(worker).await;
        assert_eq!(status, 200, "worker {worker} reconnected by itself: {body}");
    }
}
