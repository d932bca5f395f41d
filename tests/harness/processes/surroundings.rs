//! What surrounds the processes: the simulator they call, the proxies between them and their
//! servers, and the records they leave in the database.

use cxrelay_sim::{FaultSpec, RecordedCall};
use uuid::Uuid;

use super::{ProcessPipeline, RECONCILE_PATIENCE};
use crate::proxy::TcpProxy;
use crate::reconcile::{reconcile, Reconciliation};

impl ProcessPipeline {
    /// Every call the simulator recorded, in arrival order.
    pub fn sim_calls(&self) -> Vec<RecordedCall> {
        self.sim.calls()
    }

    /// The recorded calls to `method` `path`.
    pub fn sim_calls_to(&self, method: &str, path: &str) -> Vec<RecordedCall> {
        self.sim_calls()
            .into_iter()
            .filter(|call| call.method == method && call.path == path)
            .collect()
    }

    /// Makes the simulator answer the next matching calls with `fault`.
    pub fn inject_fault(&self, fault: FaultSpec) {
        fault
            .validate()
            .unwrap_or_else(|e| panic!("a fault the simulator cannot serve: {e}"));
        self.sim.state().faults().add(fault);
    }

    /// The proxy between the ingress and the broker (the workers' too with
    /// [`BrokerProxies::Shared`](super::BrokerProxies::Shared)).
    pub fn ingress_broker_proxy(&self) -> &TcpProxy {
        self.ingress_broker
            .as_deref()
            .expect("started without broker proxies (PipelineOptions::broker_proxies)")
    }

    /// The proxy between the workers and the broker (the ingress's too with
    /// [`BrokerProxies::Shared`](super::BrokerProxies::Shared)).
    pub fn worker_broker_proxy(&self) -> &TcpProxy {
        self.worker_broker
            .as_deref()
            .expect("started without broker proxies (PipelineOptions::broker_proxies)")
    }

    /// The proxy between the workers and Postgres.
    pub fn database_proxy(&self) -> &TcpProxy {
        self.database
            .as_ref()
            .expect("started without a database proxy (PipelineOptions::database_proxy)")
    }

    /// Waits at most [`RECONCILE_PATIENCE`] until every accepted event has a final state, then
    /// reports where each ended and what does not add up.
    pub async fn reconcile(&self, accepted: &[Uuid]) -> Reconciliation {
        reconcile(&self.db, accepted, RECONCILE_PATIENCE).await
    }
}
