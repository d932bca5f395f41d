//! What surrounds the processes: the simulator they call, the proxies between them and their
//! servers, and the records they leave in the database.

use cxrelay_sim::{FaultSpec, RecordedCall};
use serde_json::Value;
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

    /// POSTs `body` to a simulator control route (`/_sim/...`, see sim/README.md) and returns
    /// its JSON answer (`null` for none); panics if the simulator refuses it.
    pub async fn sim_post(&self, path: &str, body: &Value) -> Value {
        let url = format!("{}{path}", self.sim.base_url().trim_end_matches('/'));
        let response = self.http.post(&url).json(body).send().await;
        let response = response.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {url} {body}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Makes the simulator answer the next matching calls with `fault`.
    pub fn inject_fault(&self, fault: FaultSpec) {
        fault
            .validate()
            .unwrap_or_else(|e| panic!("a fault the simulator cannot serve: {e}"));
        self.sim.state().faults().add(fault);
    }

    /// Starts a standing chaos profile through `POST /_sim/chaos`, as an operator would (body
    /// as in sim/README.md, e.g. `{"scope":"genesys","errorRate":1.0}`); panics with the
    /// simulator's answer if it refuses the profile.
    pub async fn start_chaos(&self, profile: Value) {
        let url = format!("{}/_sim/chaos", self.sim.base_url().trim_end_matches('/'));
        let response = self.http.post(&url).json(&profile).send().await;
        let response = response.unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {url} {profile}: {status} {body}");
    }

    /// Ends every chaos profile (`DELETE /_sim/chaos`): the simulator answers normally again.
    pub async fn end_chaos(&self) {
        let url = format!("{}/_sim/chaos", self.sim.base_url().trim_end_matches('/'));
        let response = self.http.delete(&url).send().await;
        let response = response.unwrap_or_else(|e| panic!("DELETE {url}: {e}"));
        assert!(
            response.status().is_success(),
            "DELETE {url}: {}",
            response.status()
        );
    }

    /// The active chaos profiles with what each did so far (`GET /_sim/chaos`), e.g.
    /// `report["genesys"]["counts"]["timeouts"]`.
    pub async fn chaos_report(&self) -> Value {
        let url = format!("{}/_sim/chaos", self.sim.base_url().trim_end_matches('/'));
        let response = self.http.get(&url).send().await;
        let response = response.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        response.json().await.expect("the chaos profiles as JSON")
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
