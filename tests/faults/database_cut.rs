//! What a worker process reports while its database is unreachable. This documents today's
//! behaviour, readiness only: what happens to events meanwhile is for the fault tests to pin.

use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::{wait, PipelineOptions, ProcessPipeline};

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
