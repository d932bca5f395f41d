//! Delivery policy settings of the worker: retry schedule defaults, deadlines per kind, circuit
//! breaker, and the request rate of each target.

use serde::Deserialize;

use crate::kinds::EventKind;

use super::ConfigError;

/// Default retry schedule: about 1 s, 5 s, 30 s, 2 min, 10 min, 30 min, 1 h.
pub const DEFAULT_RETRY_DELAYS_MS: [u64; 7] =
    [1_000, 5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

/// Default spread of each retry delay (±20 %), so that events that failed together do not all
/// come back in the same instant and fail together again.
pub const DEFAULT_RETRY_JITTER: f64 = 0.2;

/// How long after intake an event may still be carried out (`CXRELAY_WORKER__DEADLINES__*`).
/// Past it, the event can no longer help its caller: it ends `expired` instead of being tried.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DeadlineSettings {
    /// `cognigy.fallback`: the user is waiting in the chat.
    pub fallback_secs: u64,
    /// `cognigy.bot_failure`: the caller is on the line.
    pub bot_failure_secs: u64,
    /// `genesys.virtual_agent`: a messaging customer waits minutes, not hours.
    pub virtual_agent_secs: u64,
    /// Session turns (`genesys.bot_session`, `cognigy.flow_run`): a session's idle life.
    pub session_turn_secs: u64,
    /// `genesys.conversation_end`: reporting, useful for a day.
    pub conversation_end_secs: u64,
}

impl Default for DeadlineSettings {
    fn default() -> Self {
        Self {
            fallback_secs: 120,
            bot_failure_secs: 120,
            virtual_agent_secs: 600,
            session_turn_secs: 1_800,
            conversation_end_secs: 86_400,
        }
    }
}

impl DeadlineSettings {
    /// The deadline of `kind`, counted from intake.
    pub fn of(&self, kind: EventKind) -> std::time::Duration {
        let secs = match kind {
            EventKind::CognigyFallback => self.fallback_secs,
            EventKind::CognigyBotFailure => self.bot_failure_secs,
            EventKind::GenesysVirtualAgent => self.virtual_agent_secs,
            EventKind::GenesysBotSession | EventKind::CognigyFlowRun => self.session_turn_secs,
            EventKind::GenesysConversationEnd => self.conversation_end_secs,
        };
        std::time::Duration::from_secs(secs)
    }
}

/// When a target's circuit breaker opens (`CXRELAY_WORKER__BREAKER__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct BreakerSettings {
    /// Calls remembered for the failure ratio.
    pub window: u32,
    /// Share of retryable failures among the last `window` calls that opens the breaker.
    pub failure_ratio: f64,
    /// Retryable failures in a row that open the breaker, however few calls were made.
    pub consecutive_failures: u32,
    /// How long an open breaker keeps the target's queues unconsumed before one probe call.
    pub cooldown_secs: u64,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            window: 20,
            failure_ratio: 0.5,
            consecutive_failures: 10,
            cooldown_secs: 30,
        }
    }
}

/// Requests per second to one target, shared by every worker replica.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(default)]
pub struct RateSettings {
    /// Sustained requests per second for the whole deployment.
    pub per_sec: f64,
    /// Requests that may go at once after a quiet spell (the whole deployment's burst).
    pub burst: u32,
}

impl RateSettings {
    /// Genesys Cloud allows 300 requests a minute per OAuth client by default.
    pub const GENESYS_DEFAULT: RateSettings = RateSettings {
        per_sec: 5.0,
        burst: 5,
    };
    /// Cognigy's shared SaaS allows 1,000 requests per 5 minutes per source address.
    pub const COGNIGY_DEFAULT: RateSettings = RateSettings {
        per_sec: 3.3,
        burst: 5,
    };
}

impl Default for RateSettings {
    fn default() -> Self {
        Self::GENESYS_DEFAULT
    }
}

/// Checks the delivery settings; the error names the setting.
pub(super) fn check(
    retry_delays_ms: &[u64],
    retry_jitter: f64,
    breaker: &BreakerSettings,
    rates: &[(&str, RateSettings)],
) -> Result<(), ConfigError> {
    if retry_delays_ms.is_empty() || retry_delays_ms.contains(&0) {
        return Err(ConfigError::invalid(
            "worker.retry_delays_ms",
            "must list at least one delay, each over 0 ms",
        ));
    }
    if !(0.0..=0.5).contains(&retry_jitter) {
        return Err(ConfigError::invalid(
            "worker.retry_jitter",
            "must be from 0 to 0.5",
        ));
    }
    if breaker.window == 0 || breaker.consecutive_failures == 0 {
        return Err(ConfigError::invalid(
            "worker.breaker.window",
            "window and consecutive_failures must be at least 1",
        ));
    }
    if !(breaker.failure_ratio > 0.0 && breaker.failure_ratio <= 1.0) {
        return Err(ConfigError::invalid(
            "worker.breaker.failure_ratio",
            "must be over 0 and at most 1",
        ));
    }
    for (key, rate) in rates {
        if !(rate.per_sec.is_finite() && rate.per_sec > 0.0) || rate.burst == 0 {
            return Err(ConfigError::invalid(
                key,
                "per_sec must be over 0 and burst at least 1",
            ));
        }
    }
    Ok(())
}
