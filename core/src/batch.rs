//! Natural batching: many tasks each ask for one small database write, and one query (one
//! round trip, one commit) does all the writes that were asked for while the previous query
//! ran. A caller waits for its own answer; under light load a batch is one request and adds
//! nothing to its latency, under heavy load the batches grow and the database does a fraction
//! of the commits.
//!
//! Written here rather than taken from a crate: the batching crates on crates.io (`batchy`,
//! `batched`) collect for a fixed time window, which adds that window to every request at low
//! load, and deliver one batch-wide error to every caller, where the worker needs each caller's
//! own outcome (a refused row must not fail its neighbours).

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};

/// Requests that may wait for a batch before a caller is held back: bounded, so that a stalled
/// database holds back the callers instead of growing a queue in memory.
const QUEUE_PER_BATCH: usize = 4;

/// Sends requests of type `Req` to a task that runs them in batches and hands each caller its
/// `Resp`.
pub struct Batcher<Req, Resp> {
    name: &'static str,
    requests: mpsc::Sender<(Req, oneshot::Sender<Resp>)>,
}

impl<Req, Resp> Clone for Batcher<Req, Resp> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            requests: self.requests.clone(),
        }
    }
}

/// The batching task is gone: the runtime is shutting down or a batch panicked.
#[derive(Debug, thiserror::Error)]
#[error("the {0} batcher has stopped")]
pub struct BatcherStopped(pub &'static str);

impl<Req, Resp> Batcher<Req, Resp>
where
    Req: Send + 'static,
    Resp: Send + 'static,
{
    /// Starts the batching task. `run` takes up to `max_batch` requests and returns one
    /// response per request, in the same order; at most `concurrent` batches run at once.
    /// `name` names the batcher in logs and errors.
    ///
    /// Must be called inside a Tokio runtime. The task ends when every handle is dropped.
    pub fn start<F, Fut>(name: &'static str, max_batch: usize, concurrent: usize, run: F) -> Self
    where
        F: Fn(Vec<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Resp>> + Send + 'static,
    {
        let max_batch = max_batch.max(1);
        let (requests, mut queue) = mpsc::channel(max_batch * QUEUE_PER_BATCH);
        let run = Arc::new(run);
        let slots = Arc::new(Semaphore::new(concurrent.max(1)));
        tokio::spawn(async move {
            loop {
                // A free slot first: the requests that arrive while every slot is busy are the
                // next batch.
                let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                    return;
                };
                let Some(first) = queue.recv().await else {
                    return;
                };
                let mut batch = Vec::with_capacity(max_batch);
                batch.push(first);
                while batch.len() < max_batch {
                    match queue.try_recv() {
                        Ok(request) => batch.push(request),
                        Err(_) => break,
                    }
                }
                let run = Arc::clone(&run);
                tokio::spawn(async move {
                    let (requests, callers): (Vec<Req>, Vec<oneshot::Sender<Resp>>) =
                        batch.into_iter().unzip();
                    let asked = requests.len();
                    let responses = run(requests).await;
                    if responses.len() != asked {
                        tracing::error!(
                            batcher = name,
                            asked,
                            answered = responses.len(),
                            "a batch answered a different number of requests: the callers without an answer see the batcher stopped"
                        );
                    }
                    for (caller, response) in callers.into_iter().zip(responses) {
                        // A caller that stopped waiting (its task was cancelled) needs no answer.
                        let _ = caller.send(response);
                    }
                    drop(slot);
                });
            }
        });
        Self { name, requests }
    }

    /// Runs `request` in the next batch and returns its response.
    pub async fn call(&self, request: Req) -> Result<Resp, BatcherStopped> {
        let (answer, response) = oneshot::channel();
        self.requests
            .send((request, answer))
            .await
            .map_err(|_| BatcherStopped(self.name))?;
        response.await.map_err(|_| BatcherStopped(self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[tokio::test]
    async fn each_caller_gets_its_own_answer_and_concurrent_requests_share_batches() {
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&sizes);
        let batcher = Batcher::start("double", 16, 1, move |numbers: Vec<u32>| {
            seen.lock().unwrap().push(numbers.len());
            async move {
                // Slow enough that the other callers queue behind the first batch.
                tokio::time::sleep(Duration::from_millis(20)).await;
                numbers.into_iter().map(|n| n * 2).collect()
            }
        });
        let calls: Vec<_> = (0..40u32)
            .map(|n| {
                let batcher = batcher.clone();
                tokio::spawn(async move { (n, batcher.call(n).await.unwrap()) })
            })
            .collect();
        for call in calls {
            let (n, doubled) = call.await.unwrap();
            assert_eq!(doubled, n * 2);
        }
        let sizes = sizes.lock().unwrap().clone();
        assert_eq!(sizes.iter().sum::<usize>(), 40);
        assert!(sizes.iter().all(|&size| size <= 16), "{sizes:?}");
        assert!(
            sizes.len() < 40,
            "concurrent requests were never batched together: {sizes:?}"
        );
    }

    #[tokio::test]
    async fn a_lone_request_is_run_at_once() {
        let batcher = Batcher::start(
            "echo",
            64,
            1,
            |items: Vec<&'static str>| async move { items },
        );
        let answer = tokio::time::timeout(Duration::from_secs(5), batcher.call("one"))
            .await
            .expect("a lone request does not wait for company");
        assert_eq!(answer.unwrap(), "one");
    }

    #[tokio::test]
    async fn a_caller_left_without_an_answer_gets_an_error_not_a_hang() {
        let batcher = Batcher::start(
            "short",
            8,
            1,
            |_items: Vec<u8>| async move { Vec::<u8>::new() },
        );
        let answer = tokio::time::timeout(Duration::from_secs(5), batcher.call(1))
            .await
            .expect("an unanswered caller is told at once");
        assert_eq!(
            answer.unwrap_err().to_string(),
            "the short batcher has stopped"
        );
    }
}
