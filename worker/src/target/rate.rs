//! One worker's share of a target's request rate: the configured rate and burst divided by
//! the number of live worker replicas, so the deployment as a whole never goes over them.

use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use cxrelay_core::config::RateSettings;
use cxrelay_core::kinds::Target;
use cxrelay_core::metrics::{RATE_LIMIT_SHARE, RATE_LIMIT_WAIT_SECONDS};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// The rate limiter of one target in this process.
pub struct RateShare {
    target: Target,
    rate: RateSettings,
    limiter: RwLock<(u32, Arc<DefaultDirectRateLimiter>)>,
}

/// The quota of one replica among `replicas`: a request every `replicas / per_sec` seconds and
/// the burst divided likewise (rounded down, at least one request).
pub fn replica_quota(rate: RateSettings, replicas: u32) -> (Duration, u32) {
    let replicas = replicas.max(1);
    let period = Duration::from_secs_f64(f64::from(replicas) / rate.per_sec);
    let burst = (rate.burst / replicas).max(1);
    (period, burst)
}

impl RateShare {
    /// A share for a deployment of `replicas` live workers.
    pub fn new(target: Target, rate: RateSettings, replicas: u32) -> Self {
        let share = Self {
            target,
            rate,
            limiter: RwLock::new((0, Arc::new(limiter(rate, replicas, false)))),
        };
        share.set_replicas(replicas);
        share
    }

    /// Recomputes the share when the number of live replicas changed.
    pub fn set_replicas(&self, replicas: u32) {
        let replicas = replicas.max(1);
        let mut current = self.limiter.write().unwrap_or_else(|p| p.into_inner());
        if current.0 == replicas {
            return;
        }
        // A newly built limiter would start with its whole burst available; starting it empty
        // means that the change itself never lets more through than the configured rate.
        let drained = current.0 != 0;
        *current = (replicas, Arc::new(limiter(self.rate, replicas, drained)));
        let share = self.rate.per_sec / f64::from(replicas);
        metrics::gauge!(RATE_LIMIT_SHARE, "target" => self.target.as_str()).set(share);
        tracing::info!(target = %self.target, replicas, per_sec = share, "rate share of this worker");
    }

    /// Waits until this worker may make one more request to the target.
    pub async fn acquire(&self) {
        let limiter = Arc::clone(&self.limiter.read().unwrap_or_else(|p| p.into_inner()).1);
        let started = Instant::now();
        limiter.until_ready().await;
        metrics::histogram!(RATE_LIMIT_WAIT_SECONDS, "target" => self.target.as_str())
            .record(started.elapsed().as_secs_f64());
    }
}

fn limiter(rate: RateSettings, replicas: u32, drained: bool) -> DefaultDirectRateLimiter {
    let (period, burst) = replica_quota(rate, replicas);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst);
    let limiter = RateLimiter::direct(quota);
    if drained {
        let _ = limiter.check_n(burst);
    }
    limiter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicas_split_rate_and_burst() {
        let rate = RateSettings {
            per_sec: 20.0,
            burst: 5,
        };
        assert_eq!(replica_quota(rate, 1), (Duration::from_millis(50), 5));
        assert_eq!(replica_quota(rate, 2), (Duration::from_millis(100), 2));
        assert_eq!(replica_quota(rate, 10), (Duration::from_millis(500), 1));
        assert_eq!(replica_quota(rate, 0), replica_quota(rate, 1));
    }

    #[test]
    fn a_limiter_lets_its_burst_through_then_holds() {
        let rate = RateSettings {
            per_sec: 1.0,
            burst: 3,
        };
        let fresh = limiter(rate, 1, false);
        assert!((0..3).all(|_| fresh.check().is_ok()));
        assert!(fresh.check().is_err());
        let drained = limiter(rate, 1, true);
        assert!(drained.check().is_err());
    }
}
