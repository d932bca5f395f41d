//! Prometheus metrics: one recorder per process, rendered by each admin listener's `/metrics`.
//!
//! Names are stable (dashboards and alerts use them):
//! - `cxrelay_intake_total{kind,status}`: webhook answers by kind and HTTP status;
//! - `cxrelay_auth_failures_total{route,reason}`: refused authentications of the public routes
//!   (`credential`, `source_not_allowed`, `signature`);
//! - `cxrelay_publish_confirm_seconds{kind}`: time from publish to the broker's confirm;
//! - `cxrelay_events_finished_total{kind,status,reason}`: final states reached by the worker;
//! - `cxrelay_downstream_call_seconds{operation,status,outcome}`: each Genesys/Cognigy call;
//! - `cxrelay_token_fetches_total{result}`: OAuth token requests;
//! - `cxrelay_events_deferred_total{kind,reason}`: deliveries put back into a delay queue
//!   without being tried (target paused, breaker open, the event busy elsewhere);
//! - `cxrelay_event_repeats_total{kind}`: copies of an event that were not carried out again;
//! - `cxrelay_target_paused{target}`, `cxrelay_target_pauses_total{target,reason}`: targets
//!   paused by a `Retry-After` (`rate_limited`, or `quota` over 180 s);
//! - `cxrelay_breaker_state{target}` (0 closed, 1 half-open, 2 open) and
//!   `cxrelay_breaker_transitions_total{target,state}`;
//! - `cxrelay_rate_limit_wait_seconds{target}`, `cxrelay_rate_limit_share{target}`: time
//!   waited for the rate limiter, and this worker's share of the target's rate;
//! - `cxrelay_worker_replicas`: live workers sharing the rates;
//! - `cxrelay_queue_depth{queue}`: messages ready in each queue, and in all delay queues
//!   together (`<prefix>.delay`, the retry backlog).

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Webhook answers by kind and HTTP status.
pub const INTAKE_TOTAL: &str = "cxrelay_intake_total";
/// Refused authentications by route (its `ingress.route_sources` name) and reason
/// (`credential`, `source_not_allowed`, `signature`).
pub const AUTH_FAILURES_TOTAL: &str = "cxrelay_auth_failures_total";
/// Time from publish to the broker's confirm.
pub const PUBLISH_CONFIRM_SECONDS: &str = "cxrelay_publish_confirm_seconds";
/// Final states reached by the worker.
pub const EVENTS_FINISHED_TOTAL: &str = "cxrelay_events_finished_total";
/// Latency of each downstream call.
pub const DOWNSTREAM_CALL_SECONDS: &str = "cxrelay_downstream_call_seconds";
/// OAuth token requests by result.
pub const TOKEN_FETCHES_TOTAL: &str = "cxrelay_token_fetches_total";

/// Deliveries put back into a delay queue without being tried.
pub const EVENTS_DEFERRED_TOTAL: &str = "cxrelay_events_deferred_total";
/// Copies of an event that were not carried out again.
pub const EVENT_REPEATS_TOTAL: &str = "cxrelay_event_repeats_total";
/// 1 while a target is paused by a `Retry-After`.
pub const TARGET_PAUSED: &str = "cxrelay_target_paused";
/// Pauses of a target by reason (`rate_limited`, `quota`).
pub const TARGET_PAUSES_TOTAL: &str = "cxrelay_target_pauses_total";
/// Circuit breaker state per target: 0 closed, 1 half-open, 2 open.
pub const BREAKER_STATE: &str = "cxrelay_breaker_state";
/// Circuit breaker transitions per target and new state.
pub const BREAKER_TRANSITIONS_TOTAL: &str = "cxrelay_breaker_transitions_total";
/// Time waited for a target's rate limiter before a call.
pub const RATE_LIMIT_WAIT_SECONDS: &str = "cxrelay_rate_limit_wait_seconds";
/// This worker's share of a target's rate, requests per second.
pub const RATE_LIMIT_SHARE: &str = "cxrelay_rate_limit_share";
/// Live worker replicas sharing the targets' rates.
pub const WORKER_REPLICAS: &str = "cxrelay_worker_replicas";

/// Messages ready in each queue, read from the broker.
pub const QUEUE_DEPTH: &str = "cxrelay_queue_depth";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder on first call and returns the handle that renders it.
/// Several apps in one process (tests) share it.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed already; the handle still renders
            // what this one records, which is then nothing: say so once.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            handle
        })
        .clone()
}
