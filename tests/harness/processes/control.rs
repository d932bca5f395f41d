//! The processes themselves: which is which, stopping and killing them, starting more, and
//! what their admin listeners say.

use std::process::ExitStatus;
use std::sync::{Arc, PoisonError};

use serde_json::Value;

use super::{ChildProcess, ProcessPipeline, EXIT_PATIENCE};
use crate::app::PATIENCE;

impl ProcessPipeline {
    /// The ingress process.
    pub fn ingress(&self) -> &ChildProcess {
        self.ingress.as_ref().expect("the ingress was started")
    }

    /// Worker `index` (in start order; a killed or stopped worker keeps its index).
    pub fn worker(&self, index: usize) -> Arc<ChildProcess> {
        let workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        let count = workers.len();
        workers
            .get(index)
            .cloned()
            .unwrap_or_else(|| panic!("no worker {index}: {count} were started"))
    }

    /// Workers started so far, running or not.
    pub fn worker_count(&self) -> usize {
        self.workers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Starts one more worker process, waits until it is ready, and returns its index.
    pub async fn start_worker(&self) -> usize {
        let (index, worker) = self.spawn_worker();
        worker.wait_ready(&self.http, PATIENCE).await;
        index
    }

    /// SIGKILLs worker `index` and waits until it is gone: it dies mid-work, acking nothing more.
    pub async fn kill_worker(&self, index: usize) -> ExitStatus {
        let worker = self.worker(index);
        worker.kill();
        worker.wait_exit(EXIT_PATIENCE).await
    }

    /// SIGTERMs worker `index` and returns how it exited, waiting at most [`EXIT_PATIENCE`].
    pub async fn terminate_worker(&self, index: usize) -> ExitStatus {
        let worker = self.worker(index);
        worker.terminate();
        worker.wait_exit(EXIT_PATIENCE).await
    }

    /// SIGTERMs the ingress and returns how it exited, waiting at most [`EXIT_PATIENCE`].
    pub async fn terminate_ingress(&self) -> ExitStatus {
        self.ingress().terminate();
        self.ingress().wait_exit(EXIT_PATIENCE).await
    }

    /// The Prometheus text of worker `index`'s `/metrics`.
    pub async fn worker_metrics(&self, index: usize) -> String {
        let url = format!("{}/metrics", self.worker(index).admin_url());
        let response = self.http.get(&url).send().await;
        let response = response.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        assert!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        response.text().await.expect("a metrics body")
    }

    /// Worker `index`'s `/readyz`: status code and body (`{"broker":"ok","database":"unavailable"}`).
    pub async fn worker_readiness(&self, index: usize) -> (u16, Value) {
        let admin_url = self.worker(index).admin_url().to_owned();
        self.readiness(&admin_url).await
    }

    /// The ingress's `/readyz`: status code and body.
    pub async fn ingress_readiness(&self) -> (u16, Value) {
        self.readiness(self.ingress().admin_url()).await
    }

    async fn readiness(&self, admin_url: &str) -> (u16, Value) {
        let url = format!("{admin_url}/readyz");
        let response = self
            .http
            .get(&url)
            .bearer_auth(crate::app::ADMIN_TOKEN)
            .send()
            .await;
        let response = response.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}
