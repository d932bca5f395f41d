//! Genesys misbehaving the way it does in production: a share of 5xx answers, calls that time
//! out after the flow really ran, a burst of 429s with `Retry-After`, and a `Retry-After` of
//! over three minutes (a quota). Each event is still carried out once in Postgres.

use std::time::Duration;

use cxrelay_sim::recording::Injected;
use cxrelay_sim::FaultSpec;
use cxrelay_tests::app::PATIENCE;
use cxrelay_tests::processes::{longest_gap_starting_between, EXECUTIONS_PATH};
use cxrelay_tests::{wait, PipelineOptions, ProcessPipeline};
use serde_json::json;

/// Events sent through the chaos.
const EVENTS: usize = 500;
/// The 429 burst comes once this many have succeeded, while the rest are being carried out.
const BURST_AFTER: usize = 150;
/// Calls answered 429 in the burst: a run of them, as when a deployment overruns Genesys's limit.
const BURST_CALLS: u32 = 20;
/// `Retry-After` of the burst, seconds.
const BURST_RETRY_AFTER_SECS: u64 = 2;
/// The shortest silence after the first 429 that shows the target was left alone: the
/// `Retry-After` less the calls already under way when the 429 came, and the clocks' slack.
const SHORTEST_PAUSE: Duration = Duration::from_millis(1_500);
/// Each worker's Genesys request timeout (ms). A chaos timeout holds its answer three times
/// that, so the worker gives up on a call the platform carried out.
const REQUEST_TIMEOUT_MS: u64 = 1_000;
/// The retry schedule: ten retries. With a quarter of the calls failing, an event fails eleven
/// tries in a row with probability 0.25^11 ≈ 2.4e-7, 1.2e-4 over the batch; a 429 costs a
/// retry too, and at most a few events meet one. Exhaustion is not what this test is about.
const RETRY_DELAYS_MS: &str = "200,400,800,1000,1000,1000,1000,1000,1000,1000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_5xx_timeouts_and_a_429_burst_each_event_succeeds_once_and_the_target_is_left_alone_for_its_retry_after(
) {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        workers: 2,
        env: vec![
            env("CXRELAY_GENESYS__REQUEST_TIMEOUT_MS", REQUEST_TIMEOUT_MS),
            env("CXRELAY_WORKER__RETRY_DELAYS_MS", RETRY_DELAYS_MS),
            // A quarter of the calls failing may fill the breaker's window past half now and
            // then; a short cool-down keeps that from stalling the test, and is right anyway.
            env("CXRELAY_WORKER__BREAKER__COOLDOWN_SECS", 1),
        ],
        ..PipelineOptions::default()
    })
    .await;
    // answerLost: the platform launches the flow and the answer never comes in time, so the
    // worker must try again and the simulator sees more launches than there are events, yet
    // Postgres must show one successful launch per event. requestLost (the platform never sees
    // the call) is the easy case and needs no test of its own.
    pipeline
        .start_chaos(json!({
            "scope": "genesys",
            "errorRate": 0.2,
            "errorStatuses": [500, 502, 503],
            "timeoutRate": 0.05,
            "timeoutMs": REQUEST_TIMEOUT_MS * 3,
            "timeoutMode": "answerLost",
            "seed": 42,
        }))
        .await;

    let burst = async {
        wait::until(
            &format!("{BURST_AFTER} events to succeed"),
            PATIENCE,
            || async { (pipeline.events_in("succeeded").await >= BURST_AFTER).then_some(()) },
        )
        .await;
        pipeline.inject_fault(FaultSpec {
            method: "*".to_owned(),
            path: None,
            path_prefix: Some("/api/v2/".to_owned()),
            status: Some(429),
            times: BURST_CALLS,
            retry_after_secs: Some(BURST_RETRY_AFTER_SECS),
            code: None,
            message: None,
            delay_ms: 0,
        });
    };
    let (accepted, ()) = tokio::join!(pipeline.send_fallbacks(EVENTS), burst);

    let report = pipeline.reconcile(&accepted).await;
    let run = pipeline.run_report(EVENTS, &accepted, &report).await;
    let chaos = pipeline.chaos_report().await;
    let counts = &chaos["genesys"]["counts"];
    let launches = pipeline.sim_calls_to("POST", EXECUTIONS_PATH);
    let carried_out = launches.iter().filter(|c| c.status == Some(200)).count();
    let first_429 = launches
        .iter()
        .filter(|c| c.injected == Some(Injected::Fault) && c.status == Some(429))
        .map(|c| c.at)
        .min()
        .expect("the burst of 429s was served");
    let timeline = pipeline.genesys_api_timeline();
    // The silence must begin while the burst is being served: calls under way when the first
    // 429 came still arrive just after it.
    let burst_served = first_429 + chrono::Duration::milliseconds(500);
    let (gap_at, gap) = longest_gap_starting_between(&timeline, first_429, burst_served)
        .expect("calls after the first 429");
    let rate_limited_pauses = pipeline
        .workers_metric_sum(
            "cxrelay_target_pauses_total",
            &[("target", "genesys"), ("reason", "rate_limited")],
        )
        .await;
    println!("{run}");
    println!(
        "  chaos on Genesys: {} errors, {} timeouts (answer lost), {} passed; {carried_out} flows \
         really launched for {} events",
        counts["errors"], counts["timeouts"], counts["passed"], report.succeeded
    );
    println!(
        "  429 burst ({BURST_CALLS} calls, Retry-After {BURST_RETRY_AFTER_SECS} s): first at \
         {first_429}, then no Genesys call for {} ms from {gap_at}; {rate_limited_pauses} pauses",
        gap.num_milliseconds()
    );

    report.assert_reconciled();
    assert_eq!(report.succeeded, EVENTS, "{report}");
    pipeline.assert_each_launched_once(&accepted).await;
    let coverage = pipeline.call_coverage().await;
    assert!(
        coverage.uncovered.is_empty(),
        "flow launches without an attempt row in sessions {:?}",
        coverage.uncovered
    );
    let timeouts = counts["timeouts"].as_u64().expect("a timeout count");
    assert!(
        counts["errors"].as_u64() > Some(0) && timeouts > 0,
        "the chaos hit: {chaos}"
    );
    assert!(
        carried_out >= report.succeeded + usize::try_from(timeouts).unwrap_or(usize::MAX),
        "every success and every lost answer is a flow the platform launched"
    );
    assert!(
        rate_limited_pauses >= 1.0,
        "a worker paused the target for the 429s"
    );
    assert!(
        gap.to_std().unwrap_or_default() >= SHORTEST_PAUSE,
        "the target was called again {} ms after the first 429 (Retry-After {BURST_RETRY_AFTER_SECS} s)",
        gap.num_milliseconds()
    );
}

/// The quota's `Retry-After`: just over the 180 s above which the worker takes a
/// `Retry-After` for a quota rather than a burst (`QUOTA_RETRY_AFTER` of the worker's gate).
const QUOTA_RETRY_AFTER_SECS: u64 = 181;
/// No Genesys call may arrive sooner than this after the 429 did: the pause runs from when
/// the worker read the answer, later still; one second of slack for the two clocks' readings.
const QUIET_AFTER_QUOTA: Duration = Duration::from_secs(QUOTA_RETRY_AFTER_SECS - 1);
/// What `/readyz` and `target_events` must still show as left of the pause right after it
/// began: the quota less the time the test takes to look.
const PAUSE_LEFT_AT_LEAST_SECS: f64 = 170.0;
/// How long both events may take: the quota and then some.
const QUOTA_PATIENCE: Duration = Duration::from_secs(QUOTA_RETRY_AFTER_SECS + 60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_over_three_minutes_pauses_every_worker_as_a_quota_and_no_event_calls_the_target_before_the_end(
) {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        // Two: the worker the 429 answered, and one that must hold back all the same.
        workers: 2,
        env: vec![
            // A retry tier as long as the quota and no jitter: the event waits exactly that.
            env(
                "CXRELAY_WORKER__RETRY_DELAYS_MS",
                format!("500,1000,{}", QUOTA_RETRY_AFTER_SECS * 1_000),
            ),
            env("CXRELAY_WORKER__RETRY_JITTER", 0),
            // The default two minutes would expire a fallback before the quota is over.
            env("CXRELAY_WORKER__DEADLINES__FALLBACK_SECS", 600),
        ],
        ..PipelineOptions::default()
    })
    .await;
    pipeline.inject_fault(FaultSpec {
        method: "POST".to_owned(),
        path: Some(EXECUTIONS_PATH.to_owned()),
        path_prefix: None,
        status: Some(429),
        times: 1,
        retry_after_secs: Some(QUOTA_RETRY_AFTER_SECS),
        code: None,
        message: None,
        delay_ms: 0,
    });

    let mut accepted = pipeline.send_fallbacks(1).await;
    let first = accepted[0];
    wait::until(
        "the first event to wait for its retry",
        PATIENCE,
        || async {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM events WHERE id = $1")
                    .bind(first)
                    .fetch_optional(&pipeline.db)
                    .await
                    .ok()
                    .flatten();
            (status.as_deref() == Some("retrying")).then_some(())
        },
    )
    .await;
    let quota_pauses = pipeline
        .workers_metric_sum(
            "cxrelay_target_pauses_total",
            &[("target", "genesys"), ("reason", "quota")],
        )
        .await;
    // The other worker learns of the pause from Postgres at its next heartbeat.
    let paused_for = wait::until("both workers to pause the target", PATIENCE, || async {
        let mut paused_for = Vec::new();
        for worker in 0..2 {
            let (_, readiness) = pipeline.worker_readiness(worker).await;
            paused_for.push(readiness["targets"]["genesys"]["pausedForSecs"].as_f64()?);
        }
        Some(paused_for)
    })
    .await;
    let recorded: Vec<(Option<String>, Option<f64>)> = sqlx::query_as(
        "SELECT reason, extract(epoch FROM until - now())::float8 FROM target_events
          WHERE target = 'genesys' AND event = 'paused'",
    )
    .fetch_all(&pipeline.db)
    .await
    .expect("read the target events");
    let next_try_in: Option<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM next_attempt_at - now())::float8 FROM events WHERE id = $1",
    )
    .bind(first)
    .fetch_one(&pipeline.db)
    .await
    .expect("read the first event");

    // Sent while the target is paused: it must wait for the end of the quota like the first.
    accepted.extend(pipeline.send_fallbacks(1).await);
    let both = &accepted;
    wait::until(
        "both events to succeed after the quota",
        QUOTA_PATIENCE,
        || async {
            let done: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM events WHERE id = ANY($1) AND status = 'succeeded'",
            )
            .bind(both)
            .fetch_one(&pipeline.db)
            .await
            .ok()?;
            (done == 2).then_some(())
        },
    )
    .await;
    let report = pipeline.reconcile(&accepted).await;
    let run = pipeline.run_report(2, &accepted, &report).await;
    let calls = pipeline.sim_calls_to("POST", EXECUTIONS_PATH);
    let quota_at = calls
        .iter()
        .find(|c| c.status == Some(429))
        .map(|c| c.at)
        .expect("the 429 was served");
    let after: Vec<i64> = calls
        .iter()
        .filter(|c| c.at > quota_at)
        .map(|c| (c.at - quota_at).num_milliseconds())
        .collect();
    println!("{run}");
    println!(
        "  429 with Retry-After {QUOTA_RETRY_AFTER_SECS} s: {quota_pauses} quota pause(s); \
         /readyz pausedForSecs {paused_for:?} (both workers); target_events {recorded:?}; first event's next \
         try in {next_try_in:?} s"
    );
    println!("  Genesys calls after the 429, ms after it: {after:?}");

    assert_eq!(
        quota_pauses, 1.0,
        "the pause counted once, as a quota, by the worker the target told"
    );
    assert!(
        paused_for
            .iter()
            .all(|secs| *secs >= PAUSE_LEFT_AT_LEAST_SECS),
        "each worker's /readyz shows the pause: {paused_for:?} s"
    );
    assert!(
        matches!(recorded.as_slice(), [(Some(reason), Some(left))]
            if reason == "quota" && *left >= PAUSE_LEFT_AT_LEAST_SECS),
        "target_events records the quota pause once: {recorded:?}"
    );
    assert!(
        next_try_in >= Some(PAUSE_LEFT_AT_LEAST_SECS),
        "the first event waits out the quota: next try in {next_try_in:?} s"
    );
    report.assert_reconciled();
    assert_eq!(report.succeeded, 2, "{report}");
    pipeline.assert_each_launched_once(&accepted).await;
    assert_eq!(
        after.len(),
        2,
        "one launch per event after the quota: {after:?}"
    );
    let quiet_ms = i64::try_from(QUIET_AFTER_QUOTA.as_millis()).unwrap_or(i64::MAX);
    assert!(
        after.iter().all(|ms| *ms >= quiet_ms),
        "Genesys was called during the quota pause: {after:?} ms after the 429"
    );
}

fn env(name: &str, value: impl ToString) -> (String, String) {
    (name.to_owned(), value.to_string())
}
