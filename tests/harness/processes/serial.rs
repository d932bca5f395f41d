//! One process pipeline at a time per test binary.
//!
//! Each pipeline runs several processes on a 2-core machine, and the fault tests that use it
//! measure timings (exit within a bound, recovery after a cut): two at once would starve each
//! other into failures that say nothing about cxrelay. `ProcessPipeline::start` takes the turn
//! before anything else and holds it until the pipeline is dropped and cleaned up, so no test
//! can forget to.

use tokio::sync::{Mutex, MutexGuard};

/// Held by the running pipeline. A tokio mutex: each `#[tokio::test]` has its own runtime, and
/// a waiting test must yield to its runtime rather than block a thread.
static TURN: Mutex<()> = Mutex::const_new(());

/// The right to run a pipeline; the next test's `start` proceeds when this is dropped.
pub struct Turn {
    _guard: MutexGuard<'static, ()>,
}

/// Waits until no other pipeline of this test binary runs.
pub async fn wait_for_turn() -> Turn {
    Turn {
        _guard: TURN.lock().await,
    }
}
