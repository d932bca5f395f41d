//! Per-session ordering inside one consumer: turns of a session run one after another in the
//! order the broker delivered them; turns of different sessions run concurrently.
//!
//! The broker delivers a queue in order; the session queue has a single active consumer (see
//! the topology), so delivery order is acceptance order for every worker replica. What remains
//! is this process's own concurrency, which [`Sequencer::enqueue`] orders: it is called in
//! delivery order, synchronously, and each turn waits for the one enqueued before it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// The tail of each session's chain of turns.
#[derive(Default)]
pub struct Sequencer {
    tails: Mutex<HashMap<String, (u64, oneshot::Receiver<()>)>>,
    next_id: Mutex<u64>,
}

/// A place in a session's chain: wait for the previous turn, run, then drop to release the next.
pub struct Turn {
    previous: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
    slot: Option<(Arc<Sequencer>, String, u64)>,
}

impl Sequencer {
    /// Queues a turn of `session` (or an unordered one for `None`). Call in delivery order.
    pub fn enqueue(self: &Arc<Self>, session: Option<String>) -> Turn {
        let Some(session) = session else {
            return Turn {
                previous: None,
                release: None,
                slot: None,
            };
        };
        let id = {
            let mut next = self.next_id.lock().unwrap_or_else(|p| p.into_inner());
            *next += 1;
            *next
        };
        let (release, tail) = oneshot::channel();
        let mut tails = self.tails.lock().unwrap_or_else(|p| p.into_inner());
        let previous = tails.insert(session.clone(), (id, tail)).map(|(_, rx)| rx);
        Turn {
            previous,
            release: Some(release),
            slot: Some((Arc::clone(self), session, id)),
        }
    }

    /// Sessions with a turn queued or running (for tests and metrics).
    pub fn open_sessions(&self) -> usize {
        self.tails.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Turn {
    /// Resolves when every earlier turn of the session has finished (or was dropped).
    pub async fn wait(&mut self) {
        if let Some(previous) = self.previous.take() {
            // An error means the previous turn was dropped without a send: it is over too.
            let _ = previous.await;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.send(());
        }
        if let Some((sequencer, session, id)) = self.slot.take() {
            let mut tails = sequencer.tails.lock().unwrap_or_else(|p| p.into_inner());
            // Only the last turn of a session removes the entry; a later one owns it otherwise.
            if tails
                .get(&session)
                .is_some_and(|(tail_id, _)| *tail_id == id)
            {
                tails.remove(&session);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn turns_of_one_session_run_in_enqueue_order_even_when_the_first_is_slow() {
        let sequencer = Arc::new(Sequencer::default());
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (i, delay) in [(1, 40u64), (2, 0), (3, 10)] {
            let mut turn = sequencer.enqueue(Some("s".into()));
            let log = Arc::clone(&log);
            tasks.push(tokio::spawn(async move {
                turn.wait().await;
                tokio::time::sleep(Duration::from_millis(delay)).await;
                log.lock().unwrap().push(i);
                drop(turn);
            }));
        }
        for task in tasks.into_iter().rev() {
            task.await.unwrap();
        }
        assert_eq!(*log.lock().unwrap(), vec![1, 2, 3]);
        assert_eq!(sequencer.open_sessions(), 0);
    }

    #[tokio::test]
    async fn other_sessions_and_unordered_turns_do_not_wait() {
        let sequencer = Arc::new(Sequencer::default());
        let _first = sequencer.enqueue(Some("a".into()));
        let mut other = sequencer.enqueue(Some("b".into()));
        let mut unordered = sequencer.enqueue(None);
        tokio::time::timeout(Duration::from_millis(100), async {
            other.wait().await;
            unordered.wait().await;
        })
        .await
        .expect("no wait on another session's turn");
    }
}
