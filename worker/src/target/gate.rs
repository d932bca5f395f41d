//! The gate in front of one target (the Genesys org, the Cognigy tenant), shared by every event
//! of this worker process: the `Retry-After` pause, the circuit breaker, and the rate share.
//!
//! Events ask [`TargetGate::admit`] before they start, and every call goes through
//! [`TargetGate::before_call`] and [`TargetGate::after_call`]. The consumers of the target's
//! queues watch [`TargetGate::consuming`] and stop taking deliveries while it is false, so a
//! paused or broken target leaves its backlog in the broker instead of burning its retries.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cxrelay_core::config::{BreakerSettings, RateSettings};
use cxrelay_core::kinds::Target;
use cxrelay_core::metrics::{
    BREAKER_STATE, BREAKER_TRANSITIONS_TOTAL, TARGET_PAUSED, TARGET_PAUSES_TOTAL,
};
use serde_json::{json, Value};
use tokio::sync::{watch, Notify};

use super::breaker::{Breaker, BreakerState, Transition};
use super::log::TargetLog;
use super::rate::RateShare;
use crate::call::CallResult;
use crate::outcome::Outcome;

/// Longest pause an event waits out where it is; a longer one sends it back to the broker and
/// stops consumption of the target's queues until the pause is over.
pub const INLINE_PAUSE_MAX: Duration = Duration::from_secs(5);

/// A `Retry-After` over this is a quota (a Genesys daily limit), not a burst: Genesys's own SDKs
/// give up rather than wait. cxrelay pauses the target for it and says so in logs and metrics.
pub const QUOTA_RETRY_AFTER: Duration = Duration::from_secs(180);

/// Pauses that end within this of the running one are the same pause: another worker's
/// recorded pause comes out a few milliseconds different each time it is read, and the 429s of
/// the calls in flight when the first came back each end it a little later.
const FOLLOW_SLACK: Duration = Duration::from_secs(1);

/// Pause after a 429 that names no `Retry-After`, as Genesys's SDKs wait.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(3);

/// Whether an event may start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go; `probe` when this event is the half-open breaker's probe.
    Go {
        /// This event's first call decides whether the breaker closes.
        probe: bool,
    },
    /// Not now: put the event back into the broker for `wait`.
    Defer {
        /// How long the target stays unavailable.
        wait: Duration,
        /// `target_paused` or `breaker_open`.
        reason: &'static str,
    },
}

struct State {
    breaker: Breaker,
    paused_until: Option<Instant>,
}

/// The gate of one target.
pub struct TargetGate {
    target: Target,
    state: Mutex<State>,
    consuming: watch::Sender<bool>,
    probe_done: Notify,
    log: TargetLog,
    /// This worker's share of the target's rate.
    pub rate: RateShare,
}

impl TargetGate {
    /// An open gate (breaker closed, no pause) for `target`.
    pub fn new(
        target: Target,
        breaker: BreakerSettings,
        rate: RateSettings,
        replicas: u32,
        log: TargetLog,
    ) -> Arc<Self> {
        metrics::gauge!(BREAKER_STATE, "target" => target.as_str()).set(0.0);
        metrics::gauge!(TARGET_PAUSED, "target" => target.as_str()).set(0.0);
        Arc::new(Self {
            target,
            state: Mutex::new(State {
                breaker: Breaker::new(breaker),
                paused_until: None,
            }),
            consuming: watch::Sender::new(true),
            probe_done: Notify::new(),
            log,
            rate: RateShare::new(target, rate, replicas),
        })
    }

    /// True while the target's queues should be consumed.
    pub fn consuming(&self) -> watch::Receiver<bool> {
        self.consuming.subscribe()
    }

    /// Whether an event may start; waits out a short pause or a probe under way.
    pub async fn admit(self: &Arc<Self>) -> Admission {
        let give_up = Instant::now() + INLINE_PAUSE_MAX;
        loop {
            let probe_done = self.probe_done.notified();
            tokio::pin!(probe_done);
            probe_done.as_mut().enable();
            let now = Instant::now();
            if let Some(wait) = self.pause_left(now) {
                if wait > INLINE_PAUSE_MAX {
                    return Admission::Defer {
                        wait,
                        reason: "target_paused",
                    };
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            let (admitted, transition, state) = {
                let mut state = self.lock();
                let (admitted, transition) = state.breaker.admit(now);
                let (current, _) = state.breaker.state(now);
                (admitted, transition, current)
            };
            self.announce(transition);
            match (admitted, state) {
                (Ok(probe), _) => return Admission::Go { probe },
                // A probe is under way: its answer comes within a call's time.
                (Err(_), BreakerState::HalfOpen { .. }) if now < give_up => {
                    let _ = tokio::time::timeout(give_up - now, probe_done).await;
                }
                (Err(wait), _) => {
                    return Admission::Defer {
                        wait,
                        reason: "breaker_open",
                    }
                }
            }
        }
    }

    /// A probe event ended; if it made no call to the target, the next event probes.
    pub fn probe_finished(&self) {
        self.lock().breaker.probe_abandoned();
        self.probe_done.notify_waiters();
    }

    /// Waits out a pause (at most [`INLINE_PAUSE_MAX`]) and the rate limiter before a call.
    pub async fn before_call(&self) {
        if let Some(wait) = self.pause_left(Instant::now()) {
            tokio::time::sleep(wait.min(INLINE_PAUSE_MAX)).await;
        }
        self.rate.acquire().await;
    }

    /// Learns from a call's answer: a `Retry-After` pauses the target, a retryable failure
    /// counts against the breaker (a 429 does not: the pause already deals with it).
    pub fn after_call(self: &Arc<Self>, call: &CallResult) {
        let now = Instant::now();
        let pause = match call.http_status {
            Some(429) => Some(call.retry_after.unwrap_or(DEFAULT_RETRY_AFTER)),
            Some(503) => call.retry_after,
            _ => None,
        };
        if let Some(pause) = pause.filter(|p| !p.is_zero()) {
            self.pause(now, pause, call);
        }
        let failed = call.outcome == Outcome::Retryable && call.http_status != Some(429);
        let transition = self.lock().breaker.record(failed, now);
        self.announce(transition);
    }

    /// The gate as `/readyz` shows it.
    pub fn report(&self) -> Value {
        let now = Instant::now();
        let paused = self.pause_left(now);
        let (breaker, _) = self.lock().breaker.state(now);
        json!({
            "breaker": breaker.as_str(),
            "pausedForSecs": paused.map(|p| p.as_secs()),
        })
    }

    fn pause(self: &Arc<Self>, now: Instant, pause: Duration, call: &CallResult) {
        let until = now + pause;
        let extends_a_pause = {
            let mut state = self.lock();
            let current = state.paused_until.filter(|current| *current > now);
            if current.is_some_and(|current| current >= until) {
                return;
            }
            state.paused_until = Some(until);
            current.is_some_and(|current| current + FOLLOW_SLACK >= until)
        };
        if extends_a_pause {
            // The calls in flight when the first 429 came back answer 429 too, each a little
            // later: the same pause, not a new one to count and record.
            self.wake_at(until);
            return;
        }
        let reason = if pause > QUOTA_RETRY_AFTER {
            "quota"
        } else {
            "rate_limited"
        };
        if reason == "quota" {
            tracing::warn!(target = %self.target, pause_secs = pause.as_secs(), status = ?call.http_status,
                "the target answered with a Retry-After over 180 s (a quota): paused until it is over");
        } else {
            tracing::info!(target = %self.target, pause_ms = pause.as_millis() as u64, status = ?call.http_status,
                "the target asked to wait: paused");
        }
        metrics::counter!(TARGET_PAUSES_TOTAL, "target" => self.target.as_str(), "reason" => reason)
            .increment(1);
        metrics::gauge!(TARGET_PAUSED, "target" => self.target.as_str()).set(1.0);
        self.log.record(
            self.target,
            "paused",
            Some(reason),
            Some(pause),
            json!({"httpStatus": call.http_status, "errorCode": call.error_code}),
        );
        self.refresh();
        self.wake_at(until);
    }

    /// Pauses for `left` as another worker was told to (see [`super::log::RecordedPause`]):
    /// the same stop, logged and shown, but neither counted nor recorded again, so the history
    /// and `cxrelay_target_pauses_total` say once what the target said once.
    pub fn follow_pause(self: &Arc<Self>, left: Duration, reason: Option<&str>) {
        let until = Instant::now() + left;
        {
            let mut state = self.lock();
            if state
                .paused_until
                .is_some_and(|current| current + FOLLOW_SLACK >= until)
            {
                return;
            }
            state.paused_until = Some(until);
        }
        tracing::info!(target = %self.target, pause_ms = left.as_millis() as u64, reason,
            "another worker of this target was asked to wait: paused as well");
        metrics::gauge!(TARGET_PAUSED, "target" => self.target.as_str()).set(1.0);
        self.refresh();
        self.wake_at(until);
    }

    fn pause_left(&self, now: Instant) -> Option<Duration> {
        self.lock()
            .paused_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    fn announce(self: &Arc<Self>, transition: Option<Transition>) {
        let Some(transition) = transition else {
            return;
        };
        let target = self.target.as_str();
        let state = match transition {
            Transition::Opened(until) => {
                let cooldown = until.saturating_duration_since(Instant::now());
                tracing::warn!(target, cooldown_secs = cooldown.as_secs(),
                    "circuit breaker opened: sustained failures; the target's queues are not consumed until a probe succeeds");
                self.log.record(
                    self.target,
                    "breaker_opened",
                    Some("failures"),
                    Some(cooldown),
                    json!({}),
                );
                self.wake_at(until);
                BreakerState::Open { until }
            }
            Transition::HalfOpened => {
                tracing::info!(target, "circuit breaker half-open: one probe event may go");
                self.log
                    .record(self.target, "breaker_half_open", None, None, json!({}));
                BreakerState::HalfOpen { probing: false }
            }
            Transition::Closed => {
                tracing::info!(target, "circuit breaker closed: the probe succeeded");
                self.log
                    .record(self.target, "breaker_closed", None, None, json!({}));
                self.probe_done.notify_waiters();
                BreakerState::Closed
            }
        };
        metrics::gauge!(BREAKER_STATE, "target" => target).set(state.gauge());
        metrics::counter!(BREAKER_TRANSITIONS_TOTAL, "target" => target, "state" => state.as_str())
            .increment(1);
        self.refresh();
    }

    /// Re-evaluates whether the queues are consumed, moving an open breaker whose cool-down is
    /// over to half-open.
    fn refresh(self: &Arc<Self>) {
        let now = Instant::now();
        let (breaker, transition, paused) = {
            let mut state = self.lock();
            let (breaker, transition) = state.breaker.state(now);
            let paused = state
                .paused_until
                .is_some_and(|until| until > now + INLINE_PAUSE_MAX);
            if state.paused_until.is_some_and(|until| until <= now) {
                state.paused_until = None;
            }
            (breaker, transition, paused)
        };
        if transition.is_some() {
            // Announcing calls back here once the state is settled.
            self.announce(transition);
            return;
        }
        if self.pause_left(now).is_none() {
            metrics::gauge!(TARGET_PAUSED, "target" => self.target.as_str()).set(0.0);
        }
        let consume = !paused && !matches!(breaker, BreakerState::Open { .. });
        self.consuming.send_if_modified(|current| {
            let changed = *current != consume;
            *current = consume;
            changed
        });
    }

    /// Re-evaluates at `at` (end of a pause or of a cool-down).
    fn wake_at(self: &Arc<Self>, at: Instant) {
        let gate = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            if let Some(gate) = gate.upgrade() {
                gate.refresh();
            }
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}
