//! Answers held on purpose (a fault's `delayMs`, a chaos timeout), released early when the
//! simulator stops.
//!
//! Graceful shutdown waits for in-flight requests; without the release a test that stops the
//! simulator during a 15-second chaos timeout would wait those 15 seconds.

use std::time::Duration;

use tokio::sync::watch;

/// The release switch every hold listens to.
#[derive(Debug)]
pub struct Holds {
    released: watch::Sender<bool>,
}

impl Default for Holds {
    fn default() -> Self {
        Self {
            released: watch::Sender::new(false),
        }
    }
}

impl Holds {
    /// Waits `duration`, or less if the simulator stops meanwhile; true when the whole hold
    /// passed.
    pub async fn hold(&self, duration: Duration) -> bool {
        let mut released = self.released.subscribe();
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            // An error means the switch is gone with the state: nothing can release us then,
            // so the sleep decides.
            Ok(_) = released.wait_for(|released| *released) => false,
        }
    }

    /// Ends every hold now and every later one at once (the simulator is stopping).
    pub fn release_all(&self) {
        self.released.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hold_lasts_its_duration() {
        let holds = Holds::default();
        assert!(holds.hold(Duration::from_millis(5)).await);
    }

    #[tokio::test]
    async fn released_holds_end_at_once_and_later_ones_do_not_start() {
        let holds = std::sync::Arc::new(Holds::default());
        let waiting = tokio::spawn({
            let holds = holds.clone();
            async move { holds.hold(Duration::from_secs(600)).await }
        });
        tokio::task::yield_now().await;

        holds.release_all();

        assert!(!waiting.await.unwrap());
        assert!(!holds.hold(Duration::from_secs(600)).await);
    }
}
