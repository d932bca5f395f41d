//! The circuit breaker of one target, as a pure state machine over call outcomes and time.
//!
//! Closed: calls flow; the last `window` outcomes are kept. Sustained retryable failures
//! (`failure_ratio` of a full window, or `consecutive_failures` in a row) open it. Open: no
//! event of the target starts (its queues are not consumed) until the cool-down is over.
//! Half-open: one event goes through as a probe; its success closes the breaker, its failure
//! opens it for another cool-down.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use cxrelay_core::config::BreakerSettings;

/// Where the breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls flow.
    Closed,
    /// No event starts before `until`.
    Open {
        /// End of the cool-down.
        until: Instant,
    },
    /// One probe may go; `probing` while it is under way.
    HalfOpen {
        /// A probe is under way.
        probing: bool,
    },
}

impl BreakerState {
    /// The value of the `cxrelay_breaker_state` gauge: 0 closed, 1 half-open, 2 open.
    pub fn gauge(self) -> f64 {
        match self {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen { .. } => 1.0,
            BreakerState::Open { .. } => 2.0,
        }
    }

    /// `closed`, `half_open` or `open`, for logs and `/readyz`.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::HalfOpen { .. } => "half_open",
            BreakerState::Open { .. } => "open",
        }
    }
}

/// A change worth telling operators about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The breaker opened until the given instant.
    Opened(Instant),
    /// The cool-down is over: one probe may go.
    HalfOpened,
    /// The probe succeeded.
    Closed,
}

/// The breaker of one target.
#[derive(Debug)]
pub struct Breaker {
    settings: BreakerSettings,
    state: BreakerState,
    /// Last outcomes, `true` for a retryable failure; at most `window` of them.
    recent: VecDeque<bool>,
    in_a_row: u32,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(settings: BreakerSettings) -> Self {
        Self {
            settings,
            state: BreakerState::Closed,
            recent: VecDeque::new(),
            in_a_row: 0,
        }
    }

    /// The state at `now` (an open breaker whose cool-down is over is half-open).
    pub fn state(&mut self, now: Instant) -> (BreakerState, Option<Transition>) {
        if let BreakerState::Open { until } = self.state {
            if now >= until {
                self.state = BreakerState::HalfOpen { probing: false };
                return (self.state, Some(Transition::HalfOpened));
            }
        }
        (self.state, None)
    }

    /// Asks to start an event at `now`: `Ok(true)` when it is the half-open probe, `Ok(false)`
    /// when it may go as usual, `Err(wait)` when it must not start yet.
    pub fn admit(&mut self, now: Instant) -> (Result<bool, Duration>, Option<Transition>) {
        let (state, transition) = self.state(now);
        let admitted = match state {
            BreakerState::Closed => Ok(false),
            BreakerState::Open { until } => Err(until - now),
            BreakerState::HalfOpen { probing: false } => {
                self.state = BreakerState::HalfOpen { probing: true };
                Ok(true)
            }
            // The probe's answer decides for everyone; ask again shortly.
            BreakerState::HalfOpen { probing: true } => Err(Duration::from_secs(1)),
        };
        (admitted, transition)
    }

    /// A probe ended without a call to judge by (e.g. the event was dead before calling).
    pub fn probe_abandoned(&mut self) {
        if self.state == (BreakerState::HalfOpen { probing: true }) {
            self.state = BreakerState::HalfOpen { probing: false };
        }
    }

    /// Records one call's outcome at `now`: `failed` for a retryable failure of the target.
    pub fn record(&mut self, failed: bool, now: Instant) -> Option<Transition> {
        if let BreakerState::HalfOpen { .. } = self.state {
            return Some(if failed { self.open(now) } else { self.close() });
        }
        if let BreakerState::Open { .. } = self.state {
            // A call that started before the breaker opened: it says nothing new.
            return None;
        }
        self.recent.push_back(failed);
        while self.recent.len() > self.window() {
            self.recent.pop_front();
        }
        self.in_a_row = if failed { self.in_a_row + 1 } else { 0 };
        let failures = self.recent.iter().filter(|f| **f).count();
        let full = self.recent.len() == self.window();
        let ratio = failures as f64 / self.recent.len().max(1) as f64;
        let sustained = full && ratio >= self.settings.failure_ratio;
        (failed && (sustained || self.in_a_row >= self.settings.consecutive_failures))
            .then(|| self.open(now))
    }

    fn window(&self) -> usize {
        usize::try_from(self.settings.window).unwrap_or(usize::MAX)
    }

    fn open(&mut self, now: Instant) -> Transition {
        let until = now + Duration::from_secs(self.settings.cooldown_secs);
        self.state = BreakerState::Open { until };
        self.recent.clear();
        self.in_a_row = 0;
        Transition::Opened(until)
    }

    fn close(&mut self) -> Transition {
        self.state = BreakerState::Closed;
        self.recent.clear();
        self.in_a_row = 0;
        Transition::Closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerSettings {
            window: 20,
            failure_ratio: 0.5,
            consecutive_failures: 10,
            cooldown_secs: 30,
        })
    }

    #[test]
    fn ten_failures_in_a_row_open_it() {
        let mut breaker = breaker();
        let now = Instant::now();
        for _ in 0..9 {
            assert_eq!(breaker.record(true, now), None);
        }
        assert!(matches!(
            breaker.record(true, now),
            Some(Transition::Opened(_))
        ));
        assert!(breaker.admit(now).0.is_err());
    }

    #[test]
    fn half_of_a_full_window_failing_opens_it_but_a_partial_window_does_not() {
        let mut breaker = breaker();
        let now = Instant::now();
        // Alternating: never 10 in a row; 5 failures of 10 calls is not a full window.
        for i in 0..19 {
            assert_eq!(breaker.record(i % 2 == 0, now), None, "call {i}");
        }
        // The 20th call fills the window with 10 failures of 20.
        assert!(matches!(
            breaker.record(true, now),
            Some(Transition::Opened(_))
        ));
    }

    #[test]
    fn successes_keep_it_closed() {
        let mut breaker = breaker();
        let now = Instant::now();
        for i in 0..100 {
            assert_eq!(breaker.record(i % 3 == 0, now), None, "call {i}");
        }
        assert_eq!(breaker.admit(now).0, Ok(false));
    }

    #[test]
    fn after_the_cool_down_one_probe_goes_and_its_outcome_decides() {
        let mut breaker = breaker();
        let start = Instant::now();
        for _ in 0..10 {
            breaker.record(true, start);
        }
        let later = start + Duration::from_secs(31);
        let (first, transition) = breaker.admit(later);
        assert_eq!(first, Ok(true));
        assert_eq!(transition, Some(Transition::HalfOpened));
        assert!(breaker.admit(later).0.is_err(), "only one probe at a time");
        // The probe fails: open for another cool-down.
        assert!(matches!(
            breaker.record(true, later),
            Some(Transition::Opened(_))
        ));
        let much_later = later + Duration::from_secs(31);
        assert_eq!(breaker.admit(much_later).0, Ok(true));
        assert_eq!(breaker.record(false, much_later), Some(Transition::Closed));
        assert_eq!(breaker.admit(much_later).0, Ok(false));
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_event_probe() {
        let mut breaker = breaker();
        let start = Instant::now();
        for _ in 0..10 {
            breaker.record(true, start);
        }
        let later = start + Duration::from_secs(31);
        assert_eq!(breaker.admit(later).0, Ok(true));
        breaker.probe_abandoned();
        assert_eq!(breaker.admit(later).0, Ok(true));
    }
}
