//! Prometheus metrics: one recorder per process, rendered by each admin listener's `/metrics`.
//!
//! Names are stable (dashboards and alerts use them):
//! - `cxrelay_intake_total{kind,status}`: webhook answers by kind and HTTP status;
//! - `cxrelay_publish_confirm_seconds{kind}`: time from publish to the broker's confirm;
//! - `cxrelay_events_finished_total{kind,status,reason}`: final states reached by the worker;
//! - `cxrelay_downstream_call_seconds{operation,status,outcome}`: each Genesys/Cognigy call;
//! - `cxrelay_token_fetches_total{result}`: OAuth token requests.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Webhook answers by kind and HTTP status.
pub const INTAKE_TOTAL: &str = "cxrelay_intake_total";
/// Time from publish to the broker's confirm.
pub const PUBLISH_CONFIRM_SECONDS: &str = "cxrelay_publish_confirm_seconds";
/// Final states reached by the worker.
pub const EVENTS_FINISHED_TOTAL: &str = "cxrelay_events_finished_total";
/// Latency of each downstream call.
pub const DOWNSTREAM_CALL_SECONDS: &str = "cxrelay_downstream_call_seconds";
/// OAuth token requests by result.
pub const TOKEN_FETCHES_TOTAL: &str = "cxrelay_token_fetches_total";

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
