//! Stopping without losing a request: on SIGTERM the ingress stops accepting events (503 with
//! `Retry-After`, so callers send them again elsewhere or later), waits for the publishes under
//! way to be confirmed, and only then closes its listeners.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// Whether the ingress takes events, and how many it is accepting right now.
#[derive(Clone, Default)]
pub struct Drain {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
}

/// One intake request under way; dropping it ends it.
pub struct InFlight {
    drain: Drain,
}

impl Drain {
    /// Registers an intake request; `None` once draining has begun.
    pub fn begin_request(&self) -> Option<InFlight> {
        // Counted before the flag is read: a drainer that set the flag either sees this
        // request in flight or this request sees the flag.
        self.inner.in_flight.fetch_add(1, Ordering::SeqCst);
        let guard = InFlight {
            drain: self.clone(),
        };
        (!self.is_draining()).then_some(guard)
    }

    /// True once shutdown began.
    pub fn is_draining(&self) -> bool {
        self.inner.draining.load(Ordering::SeqCst)
    }

    /// Stops taking events and waits (at most `bound`) for those under way; true if they all
    /// finished.
    pub async fn drain(&self, bound: Duration) -> bool {
        self.inner.draining.store(true, Ordering::SeqCst);
        tokio::time::timeout(bound, async {
            loop {
                let idle = self.inner.idle.notified();
                tokio::pin!(idle);
                idle.as_mut().enable();
                if self.inner.in_flight.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        })
        .await
        .is_ok()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.drain.inner.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.drain.inner.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn draining_refuses_new_requests_and_waits_for_the_ones_under_way() {
        let drain = Drain::default();
        let under_way = drain.begin_request().expect("accepting before the drain");
        let draining = tokio::spawn({
            let drain = drain.clone();
            async move { drain.drain(Duration::from_secs(5)).await }
        });
        // The drain has begun once a new request is refused.
        until_refused(&drain).await;
        assert!(!draining.is_finished());
        drop(under_way);
        assert!(draining.await.unwrap(), "the drain ends once idle");
    }

    #[tokio::test]
    async fn a_drain_that_does_not_empty_gives_up_at_its_bound() {
        let drain = Drain::default();
        let _stuck = drain.begin_request();
        assert!(!drain.drain(Duration::from_millis(20)).await);
    }

    async fn until_refused(drain: &Drain) {
        loop {
            if drain.begin_request().is_none() {
                return;
            }
            tokio::task::yield_now().await;
        }
    }
}
