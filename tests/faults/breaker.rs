//! A dead target opens the circuit breaker: the worker stops calling it but for one probe per
//! cool-down, the events wait in the broker without spending their retries, and once the target
//! answers again a probe closes the breaker and every event is carried out.

use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::processes::GENESYS_API_PREFIX;
use cxrelay_tests::{wait, PipelineOptions, ProcessPipeline};
use serde_json::json;

/// Events sent while the target is dead.
const EVENTS: usize = 50;
/// Deliveries one worker holds at once: events admitted before the breaker opened may still
/// make their call, so few of them keeps the outage's calls few.
const PREFETCH: usize = 8;
/// Failed calls in a row that open the breaker.
const CONSECUTIVE_FAILURES: usize = 5;
/// Seconds an open breaker waits before letting one probe through.
const COOLDOWN_SECS: u64 = 2;
/// Times the breaker opens before the target recovers: the first time, then after each failed
/// probe.
const OPENINGS: i64 = 3;
/// The retry schedule: six retries. Without the breaker every event would spend them all on
/// the dead target and die.
const RETRY_DELAYS_MS: &str = "200,500,1000,2000,2000,2000";
const RETRIES: i32 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_target_opens_the_breaker_which_spares_the_retries_and_closes_once_a_probe_succeeds()
{
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 1,
        env: vec![
            env("CXRELAY_WORKER__PREFETCH", PREFETCH),
            env(
                "CXRELAY_WORKER__BREAKER__CONSECUTIVE_FAILURES",
                CONSECUTIVE_FAILURES,
            ),
            env("CXRELAY_WORKER__BREAKER__COOLDOWN_SECS", COOLDOWN_SECS),
            env("CXRELAY_WORKER__RETRY_DELAYS_MS", RETRY_DELAYS_MS),
        ],
        ..PipelineOptions::default()
    })
    .await;
    pipeline
        .start_chaos(json!({"scope": "genesys", "errorRate": 1.0}))
        .await;

    let accepted = pipeline.send_fallbacks(EVENTS).await;
    let open = wait::until("the breaker to open", PATIENCE, || async {
        let (_, body) = pipeline.worker_readiness(0).await;
        (body["targets"]["genesys"]["breaker"] == "open").then_some(body)
    })
    .await;
    wait::until(
        &format!("the breaker to open {OPENINGS} times (two probes failed)"),
        PATIENCE,
        || async { (target_events(&pipeline, "breaker_opened").await >= OPENINGS).then_some(()) },
    )
    .await;
    let deferred_while_open = pipeline
        .workers_metric_sum(
            "cxrelay_events_deferred_total",
            &[("reason", "breaker_open")],
        )
        .await;

    pipeline.end_chaos().await;
    wait::until("a probe to close the breaker", PATIENCE, || async {
        (target_events(&pipeline, "breaker_closed").await >= 1).then_some(())
    })
    .await;
    let report = pipeline.reconcile(&accepted).await;
    let run = pipeline.run_report(EVENTS, &accepted, &report).await;
    let (_, closed) = pipeline.worker_readiness(0).await;
    let metrics = pipeline.worker_metrics(0).await;
    let transitions = |state: &str| {
        cxrelay_tests::metric_sum(
            &metrics,
            "cxrelay_breaker_transitions_total",
            &[("target", "genesys"), ("state", state)],
        )
    };
    let failed_calls = pipeline
        .sim_calls()
        .iter()
        .filter(|c| c.path.starts_with(GENESYS_API_PREFIX) && c.status >= Some(500))
        .count();
    let openings = target_events(&pipeline, "breaker_opened").await;
    let failed_probes = usize::try_from(openings - 1).unwrap_or(0);
    // Until it opens, every call fails: exactly the threshold. Then the events already admitted
    // (at most the rest of the prefetch) make their call, and each failed probe is one more.
    let bound = CONSECUTIVE_FAILURES + (PREFETCH - 1) + failed_probes;
    let (retries_spent, most_retries): (i64, i32) = sqlx::query_as(
        "SELECT coalesce(sum(retries), 0)::bigint, coalesce(max(retries), 0) FROM events",
    )
    .fetch_one(&pipeline.db)
    .await
    .expect("read the retries");
    println!("{run}");
    println!(
        "  breaker: opened {openings} times (transitions: open {}, half-open {}, closed {}); \
         {failed_calls} failed Genesys calls during the outage (bound {bound}: threshold \
         {CONSECUTIVE_FAILURES} + in flight {} + failed probes {failed_probes}); {deferred_while_open} \
         deferrals while open; retries spent {retries_spent}, at most {most_retries} by one event \
         (of {RETRIES}); without the breaker {} calls",
        transitions("open"),
        transitions("half_open"),
        transitions("closed"),
        PREFETCH - 1,
        EVENTS * (usize::try_from(RETRIES).unwrap_or(0) + 1),
    );

    assert_eq!(
        open["targets"]["genesys"]["pausedForSecs"],
        serde_json::Value::Null,
        "an open breaker is not a pause: {open}"
    );
    assert!(transitions("open") >= 1.0 && transitions("closed") >= 1.0);
    assert_eq!(
        closed["targets"]["genesys"]["breaker"], "closed",
        "{closed}"
    );
    assert!(
        failed_calls <= bound,
        "{failed_calls} calls to the dead target, more than {bound}"
    );
    assert!(
        deferred_while_open > 0.0,
        "events were sent back to the broker untried"
    );
    assert_eq!(
        retries_spent,
        i64::try_from(failed_calls).unwrap_or(i64::MAX),
        "a retry is spent only by a call that failed, never by waiting out the breaker"
    );
    assert!(most_retries < RETRIES, "no event used up its retries");
    report.assert_reconciled();
    assert_eq!(report.succeeded, EVENTS, "{report}");
    pipeline.assert_each_launched_once(&accepted).await;
}

/// Rows of `target_events` for Genesys with `event`.
async fn target_events(pipeline: &ProcessPipeline, event: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM target_events WHERE target = 'genesys' AND event = $1")
        .bind(event)
        .fetch_one(&pipeline.db)
        .await
        .expect("count the target events")
}

fn env(name: &str, value: impl ToString) -> (String, String) {
    (name.to_owned(), value.to_string())
}
