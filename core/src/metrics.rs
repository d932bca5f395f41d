//! Prometheus metrics: one recorder per process, rendered by each admin listener's `/metrics`.
//!
//! Every family is described here once ([`INGRESS`], [`WORKER`]): its name (stable: dashboards
//! and alerts use it), its help text (`# HELP`), its type, and for a histogram its buckets.
//! Latencies are histograms, not summaries: a summary's quantiles cannot be added up across
//! replicas, and cxrelay runs replicas. Each binary calls [`register`] with its families at
//! start, so every series whose labels are known then exists from the first scrape, at zero:
//! an absent series silences an alert.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::kinds::{EventKind, Target};

/// Webhook answers by kind and HTTP status.
pub const INTAKE_TOTAL: &str = "cxrelay_intake_total";
/// Time the ingress took to answer a webhook, by kind.
pub const INTAKE_SECONDS: &str = "cxrelay_intake_seconds";
/// Refused authentications by route (its `ingress.route_sources` name) and reason
/// (`credential`, `source_not_allowed`, `signature`, `body`).
pub const AUTH_FAILURES_TOTAL: &str = "cxrelay_auth_failures_total";
/// Time from publish to the broker's confirm.
pub const PUBLISH_CONFIRM_SECONDS: &str = "cxrelay_publish_confirm_seconds";
/// Final states reached by the worker.
pub const EVENTS_FINISHED_TOTAL: &str = "cxrelay_events_finished_total";
/// Time from intake to an event's final state.
pub const EVENT_AGE_SECONDS: &str = "cxrelay_event_age_seconds";
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
/// Connections made to replace a lost one, by the broker node they went to.
pub const BROKER_RECONNECTS_TOTAL: &str = "cxrelay_broker_reconnects_total";

/// Buckets of the ingress's own latencies (an answer, a broker confirm): about 1 ms, what a
/// quiet machine does, to 1 s, past which a caller's own timeout nears.
pub const INTAKE_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Buckets of a vendor call: from about 10 ms (a cached answer) to 30 s (beyond the default
/// request timeouts of 10 s for Genesys and 20 s for Cognigy).
pub const CALL_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0,
];

/// Buckets of a wait for the rate limiter: none at all, to a minute behind a deep backlog.
pub const WAIT_BUCKETS: &[f64] = &[
    0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Buckets of an event's age at its final state: from a fraction of a second to the longest
/// default deadline (a conversation end's, a day).
pub const AGE_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1_800.0, 3_600.0, 14_400.0, 43_200.0, 86_400.0,
];

/// What a family is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FamilyType {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in these buckets (seconds).
    Histogram(&'static [f64]),
}

/// A metric family: name, help text, type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Family {
    /// Its name.
    pub name: &'static str,
    /// Its `# HELP` text.
    pub help: &'static str,
    /// Its type.
    pub family_type: FamilyType,
}

const fn family(name: &'static str, help: &'static str, family_type: FamilyType) -> Family {
    Family {
        name,
        help,
        family_type,
    }
}

/// The ingress's families.
pub const INGRESS: &[Family] = &[
    family(
        INTAKE_TOTAL,
        "Webhook answers of the public listener, by event kind and HTTP status (401s included).",
        FamilyType::Counter,
    ),
    family(
        INTAKE_SECONDS,
        "Time from a webhook's arrival to its answer, by event kind.",
        FamilyType::Histogram(INTAKE_BUCKETS),
    ),
    family(
        AUTH_FAILURES_TOTAL,
        "Refused authentications of the public routes, by route setting and reason.",
        FamilyType::Counter,
    ),
    family(
        PUBLISH_CONFIRM_SECONDS,
        "Time from publishing an event to the broker's confirm, by event kind.",
        FamilyType::Histogram(INTAKE_BUCKETS),
    ),
    family(
        EVENT_REPEATS_TOTAL,
        "Repeats of an event (same Idempotency-Key or natural key) not carried out again, by kind.",
        FamilyType::Counter,
    ),
    family(
        BROKER_RECONNECTS_TOTAL,
        "Broker connections made to replace a lost one, by the node they went to (host:port).",
        FamilyType::Counter,
    ),
];

/// The worker's families.
pub const WORKER: &[Family] = &[
    family(
        EVENTS_FINISHED_TOTAL,
        "Events that reached a final state (or a retry), by kind, status and reason.",
        FamilyType::Counter,
    ),
    family(
        EVENT_AGE_SECONDS,
        "Time from intake to an event's final state, by kind and status.",
        FamilyType::Histogram(AGE_BUCKETS),
    ),
    family(
        DOWNSTREAM_CALL_SECONDS,
        "Latency of each Genesys, Cognigy and CRM call, by operation, HTTP status and outcome.",
        FamilyType::Histogram(CALL_BUCKETS),
    ),
    family(
        TOKEN_FETCHES_TOTAL,
        "Genesys OAuth token requests, by result (ok, rejected, unavailable).",
        FamilyType::Counter,
    ),
    family(
        EVENTS_DEFERRED_TOTAL,
        "Deliveries put back into a delay queue untried, by kind and reason.",
        FamilyType::Counter,
    ),
    family(
        EVENT_REPEATS_TOTAL,
        "Copies of an event not carried out again (a repeat, a redelivery), by kind.",
        FamilyType::Counter,
    ),
    family(
        TARGET_PAUSED,
        "1 while a target is paused by a Retry-After, else 0.",
        FamilyType::Gauge,
    ),
    family(
        TARGET_PAUSES_TOTAL,
        "Pauses of a target by a Retry-After, by reason (rate_limited, quota).",
        FamilyType::Counter,
    ),
    family(
        BREAKER_STATE,
        "Circuit breaker state per target: 0 closed, 1 half-open, 2 open.",
        FamilyType::Gauge,
    ),
    family(
        BREAKER_TRANSITIONS_TOTAL,
        "Circuit breaker transitions per target, by the state entered.",
        FamilyType::Counter,
    ),
    family(
        RATE_LIMIT_WAIT_SECONDS,
        "Time a call waited for its target's rate limiter.",
        FamilyType::Histogram(WAIT_BUCKETS),
    ),
    family(
        RATE_LIMIT_SHARE,
        "This worker's share of a target's rate, requests per second.",
        FamilyType::Gauge,
    ),
    family(
        WORKER_REPLICAS,
        "Live worker replicas sharing the targets' rates.",
        FamilyType::Gauge,
    ),
    family(
        QUEUE_DEPTH,
        "Messages ready in each work queue, the dead-letter queue, and all delay queues together.",
        FamilyType::Gauge,
    ),
    family(
        BROKER_RECONNECTS_TOTAL,
        "Broker connections made to replace a lost one, by the node they went to (host:port).",
        FamilyType::Counter,
    ),
];

/// Route setting names of the public routes (`ingress.route_sources.<name>`), the `route`
/// label of [`AUTH_FAILURES_TOTAL`].
pub const AUTH_ROUTES: &[&str] = &[
    "fallback",
    "bot_failure",
    "bot_sessions",
    "flow_runs",
    "virtual_agent_sessions",
    "conversation_events",
    "events",
];

/// Reasons of [`AUTH_FAILURES_TOTAL`].
pub const AUTH_REASONS: &[&str] = &["credential", "source_not_allowed", "signature", "body"];

/// Final statuses of [`EVENTS_FINISHED_TOTAL`] and [`EVENT_AGE_SECONDS`].
pub const FINAL_STATUSES: &[&str] = &["succeeded", "dead", "expired"];

/// Reasons of [`EVENTS_DEFERRED_TOTAL`].
pub const DEFERRED_REASONS: &[&str] = &["target_paused", "breaker_open", "in_progress"];

/// The `Content-Type` of `/metrics`: Prometheus's text exposition format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder on first call, with the buckets of every histogram of
/// [`INGRESS`] and [`WORKER`], and returns the handle that renders it. Several apps in one
/// process (tests) share it.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let mut builder = PrometheusBuilder::new();
            for family in INGRESS.iter().chain(WORKER) {
                if let FamilyType::Histogram(buckets) = family.family_type {
                    builder = match builder
                        .set_buckets_for_metric(Matcher::Full(family.name.to_owned()), buckets)
                    {
                        Ok(with_buckets) => with_buckets,
                        // Only an empty bucket list is refused: a defect of the constants
                        // above, which the tests below rule out.
                        Err(error) => panic!("buckets of {}: {error}", family.name),
                    };
                }
            }
            let recorder = builder.build_recorder();
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

/// Describes `families` (their `# HELP`) and registers every series whose labels are known
/// at start, at zero. Call once the recorder is installed.
pub fn register(families: &[Family]) {
    for family in families {
        let help = family.help;
        match family.family_type {
            FamilyType::Counter => metrics::describe_counter!(family.name, help),
            FamilyType::Gauge => metrics::describe_gauge!(family.name, help),
            FamilyType::Histogram(_) => {
                metrics::describe_histogram!(family.name, metrics::Unit::Seconds, help)
            }
        }
        register_known_series(family.name);
    }
}

/// The reconnect series of each broker node, at zero: the nodes are known once `AMQP_URL`
/// is read.
pub fn register_broker_nodes(names: &[String]) {
    for name in names {
        metrics::counter!(BROKER_RECONNECTS_TOTAL, "node" => name.clone()).absolute(0);
    }
}

/// The series of `name` whose labels are known before anything happened, at zero.
fn register_known_series(name: &'static str) {
    let kinds = EventKind::ALL.iter().map(|kind| kind.as_str());
    let targets = Target::ALL.iter().map(|target| target.as_str());
    match name {
        INTAKE_TOTAL => {
            for kind in kinds {
                metrics::counter!(name, "kind" => kind, "status" => "202").absolute(0);
            }
        }
        INTAKE_SECONDS | PUBLISH_CONFIRM_SECONDS => {
            for kind in kinds {
                let _ = metrics::histogram!(name, "kind" => kind);
            }
        }
        AUTH_FAILURES_TOTAL => {
            for route in AUTH_ROUTES {
                for reason in AUTH_REASONS {
                    metrics::counter!(name, "route" => *route, "reason" => *reason).absolute(0);
                }
            }
        }
        EVENT_REPEATS_TOTAL => {
            for kind in kinds {
                metrics::counter!(name, "kind" => kind).absolute(0);
            }
        }
        EVENTS_FINISHED_TOTAL => {
            for kind in kinds {
                for status in FINAL_STATUSES {
                    metrics::counter!(name, "kind" => kind, "status" => *status, "reason" => "")
                        .absolute(0);
                }
            }
        }
        EVENT_AGE_SECONDS => {
            for kind in kinds {
                for status in FINAL_STATUSES {
                    let _ = metrics::histogram!(name, "kind" => kind, "status" => *status);
                }
            }
        }
        EVENTS_DEFERRED_TOTAL => {
            for kind in kinds {
                for reason in DEFERRED_REASONS {
                    metrics::counter!(name, "kind" => kind, "reason" => *reason).absolute(0);
                }
            }
        }
        TOKEN_FETCHES_TOTAL => {
            for result in ["ok", "rejected", "unavailable"] {
                metrics::counter!(name, "result" => result).absolute(0);
            }
        }
        TARGET_PAUSED | BREAKER_STATE => {
            for target in targets {
                metrics::gauge!(name, "target" => target).set(0.0);
            }
        }
        TARGET_PAUSES_TOTAL => {
            for target in targets {
                for reason in ["rate_limited", "quota"] {
                    metrics::counter!(name, "target" => target, "reason" => reason).absolute(0);
                }
            }
        }
        BREAKER_TRANSITIONS_TOTAL => {
            for target in targets {
                for state in ["closed", "half_open", "open"] {
                    metrics::counter!(name, "target" => target, "state" => state).absolute(0);
                }
            }
        }
        RATE_LIMIT_WAIT_SECONDS => {
            for target in targets {
                let _ = metrics::histogram!(name, "target" => target);
            }
        }
        // Known only once the worker runs: its share and the replicas (set at start), the
        // queues (polled once declared), the calls (by operation and answer).
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_is_named_helped_and_bucketed_in_ascending_order() {
        for family in INGRESS.iter().chain(WORKER) {
            assert!(family.name.starts_with("cxrelay_"), "{}", family.name);
            assert!(family.help.ends_with('.'), "{}", family.name);
            let histogram = family.name.ends_with("_seconds");
            match family.family_type {
                FamilyType::Histogram(buckets) => {
                    assert!(histogram, "{}", family.name);
                    assert!(buckets.windows(2).all(|w| w[0] < w[1]), "{}", family.name);
                }
                FamilyType::Counter => assert!(family.name.ends_with("_total"), "{}", family.name),
                FamilyType::Gauge => assert!(!histogram, "{}", family.name),
            }
        }
    }

    #[test]
    fn a_registered_family_renders_with_help_type_and_zero_series() {
        let handle = install();
        register(INGRESS);
        register(WORKER);
        let text = handle.render();
        for family in INGRESS.iter().chain(WORKER) {
            let help = format!("# HELP {} ", family.name);
            let kind = match family.family_type {
                FamilyType::Counter => "counter",
                FamilyType::Gauge => "gauge",
                FamilyType::Histogram(_) => "histogram",
            };
            let declared = format!("# TYPE {} {kind}", family.name);
            let known_at_start = !matches!(
                family.name,
                RATE_LIMIT_SHARE
                    | WORKER_REPLICAS
                    | QUEUE_DEPTH
                    | DOWNSTREAM_CALL_SECONDS
                    | BROKER_RECONNECTS_TOTAL
            );
            if known_at_start {
                assert!(text.contains(&help), "no help of {}:\n{text}", family.name);
                assert!(text.contains(&declared), "no {declared}:\n{text}");
            }
        }
        assert!(
            text.contains(r#"cxrelay_breaker_transitions_total{target="genesys",state="open"} 0"#)
        );
        assert!(
            text.contains(
                r#"cxrelay_publish_confirm_seconds_bucket{kind="cognigy.fallback",le="0.001"} 0"#
            ),
            "{text}"
        );
    }
}
