//! What stands between the worker and each target system: pauses, circuit breaker, rate share.

pub mod breaker;
pub mod gate;
pub mod log;
pub mod rate;

use std::sync::Arc;

use cxrelay_core::config::Settings;
use cxrelay_core::kinds::Target;
use serde_json::{Map, Value};

pub use gate::{Admission, TargetGate};
pub use log::{RecordedPause, TargetLog};

/// The gates of every target of this worker process.
#[derive(Clone)]
pub struct Targets {
    genesys: Arc<TargetGate>,
    cognigy: Arc<TargetGate>,
    log: TargetLog,
}

impl Targets {
    /// Gates from the settings, for a deployment of `replicas` live workers.
    pub fn new(settings: &Settings, replicas: u32, log: TargetLog) -> Self {
        let breaker = &settings.worker.breaker;
        Self {
            genesys: TargetGate::new(
                Target::Genesys,
                breaker.clone(),
                settings.genesys.rate,
                replicas,
                log.clone(),
            ),
            cognigy: TargetGate::new(
                Target::Cognigy,
                breaker.clone(),
                settings.cognigy.rate,
                replicas,
                log.clone(),
            ),
            log,
        }
    }

    /// Pauses each target as long as another worker was asked to (a `Retry-After` it
    /// recorded in `target_events`), so that one worker's 429 holds back the whole deployment.
    /// Called with each heartbeat; a failed read changes nothing.
    pub async fn follow_others_pauses(&self) {
        match self.log.pauses_of_others().await {
            Ok(pauses) => {
                for pause in pauses {
                    if let Some(gate) = self.by_name(&pause.target) {
                        gate.follow_pause(pause.left, pause.reason.as_deref());
                    }
                }
            }
            Err(error) => tracing::debug!(%error, "could not read the other workers' pauses"),
        }
    }

    /// The gate of `target`.
    pub fn gate(&self, target: Target) -> &Arc<TargetGate> {
        match target {
            Target::Genesys => &self.genesys,
            Target::Cognigy => &self.cognigy,
        }
    }

    /// The gate of the target named `name` in `attempts.target`; none for other systems (the
    /// CRM webhook is the customer's own and not guarded here).
    pub fn by_name(&self, name: &str) -> Option<&Arc<TargetGate>> {
        Target::ALL
            .into_iter()
            .find(|t| t.as_str() == name)
            .map(|t| self.gate(t))
    }

    /// Shares every target's rate among `replicas` live workers.
    pub fn set_replicas(&self, replicas: u32) {
        for target in Target::ALL {
            self.gate(target).rate.set_replicas(replicas);
        }
    }

    /// Every gate as `/readyz` shows it.
    pub fn report(&self) -> Value {
        let mut report = Map::new();
        for target in Target::ALL {
            report.insert(target.as_str().to_owned(), self.gate(target).report());
        }
        Value::Object(report)
    }
}
