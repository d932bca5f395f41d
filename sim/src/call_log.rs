//! The call log: recorded calls in arrival order, and the notes added to a call after it
//! arrived (the status answered, a fault or chaos that hit it, how long its answer was held).

use std::sync::Mutex;

use crate::recording::{Injected, RecordedCall};
use crate::state::lock;

/// Which recorded call a request is, so the layers inside the recorder can note what they did
/// to it. The recorder puts it in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallId(u64);

/// Recorded calls in arrival order. A plain mutex is enough: each critical section is one push,
/// one update or one copy, never held across an `.await`.
#[derive(Debug, Default)]
pub struct CallLog {
    log: Mutex<Log>,
}

/// The calls since the last clear. Ids keep counting across clears, so a note for a call that
/// was cleared meanwhile finds nothing instead of landing on a newer call.
#[derive(Debug, Default)]
struct Log {
    calls: Vec<RecordedCall>,
    /// The id of `calls[0]`.
    first_id: u64,
}

impl Log {
    fn get_mut(&mut self, id: CallId) -> Option<&mut RecordedCall> {
        let index = usize::try_from(id.0.checked_sub(self.first_id)?).ok()?;
        self.calls.get_mut(index)
    }
}

impl CallLog {
    /// Appends one call; the id lets later layers add to its record.
    pub fn push(&self, call: RecordedCall) -> CallId {
        let mut log = lock(&self.log);
        let id = CallId(log.first_id + log.calls.len() as u64);
        log.calls.push(call);
        id
    }

    /// Notes the status the simulator answered (or will answer once a hold ends).
    pub fn answered(&self, id: CallId, status: u16) {
        if let Some(call) = lock(&self.log).get_mut(id) {
            call.status = Some(status);
        }
    }

    /// Notes that a fault or chaos decided the answer, and how long it holds it.
    pub fn injected(&self, id: CallId, injected: Injected, held_ms: Option<u64>) {
        if let Some(call) = lock(&self.log).get_mut(id) {
            call.injected = Some(injected);
            call.held_ms = held_ms;
        }
    }

    /// A copy of every call so far.
    pub fn snapshot(&self) -> Vec<RecordedCall> {
        lock(&self.log).calls.clone()
    }

    /// Forgets every call.
    pub fn clear(&self) {
        let mut log = lock(&self.log);
        log.first_id += log.calls.len() as u64;
        log.calls.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn call(path: &str) -> RecordedCall {
        let (parts, ()) = Request::get(path).body(()).unwrap().into_parts();
        RecordedCall::from_request(&parts, b"")
    }

    #[test]
    fn notes_land_on_the_call_they_name() {
        let log = CallLog::default();
        let first = log.push(call("/a"));
        let second = log.push(call("/b"));

        log.answered(second, 503);
        log.injected(first, Injected::ChaosTimeout, Some(100));

        let calls = log.snapshot();
        assert_eq!(calls[0].status, None);
        assert_eq!(calls[0].injected, Some(Injected::ChaosTimeout));
        assert_eq!(calls[0].held_ms, Some(100));
        assert_eq!(calls[1].status, Some(503));
    }

    #[test]
    fn a_note_for_a_cleared_call_is_dropped() {
        let log = CallLog::default();
        let old = log.push(call("/old"));
        log.clear();
        log.push(call("/new"));

        log.answered(old, 500);

        assert_eq!(log.snapshot()[0].status, None);
        assert_eq!(log.snapshot()[0].path, "/new");
    }
}
