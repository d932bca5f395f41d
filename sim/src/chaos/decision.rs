//! What chaos does to one request: a pure function of the profile and a random source, so a
//! seeded source gives the same sequence of decisions every run.

use std::time::Duration;

use axum::http::StatusCode;
use rand::Rng;

use super::profile::{ChaosProfile, TimeoutMode};

/// The outcome chaos draws for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Answer with this error in the platform's shape.
    Error {
        /// The status.
        status: StatusCode,
        /// `Retry-After` seconds the profile sets, if any (a 429 gets one anyway).
        retry_after_secs: Option<u64>,
    },
    /// Hold the answer this long.
    Timeout {
        /// How long.
        hold: Duration,
        /// Whether the platform handles the request before the hold.
        mode: TimeoutMode,
    },
    /// Let the platform answer.
    Pass,
}

/// One decision. One uniform draw in [0, 1) picks the outcome, so the outcomes are exclusive
/// and their shares are exactly the rates: below `errorRate` an error, then up to
/// `errorRate + timeoutRate` a timeout, else a pass. An error takes a second draw for its
/// status. `errorRate` 1 errs every time, since the draw is below 1.
pub fn decide(profile: &ChaosProfile, rng: &mut impl Rng) -> Decision {
    let draw: f64 = rng.gen();
    if draw < profile.error_rate {
        let index = rng.gen_range(0..profile.error_statuses.len().max(1));
        let status = profile
            .error_statuses
            .get(index)
            .and_then(|status| StatusCode::from_u16(*status).ok())
            // Unreachable for a parsed profile (statuses are checked 400-599, at least one).
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Decision::Error {
            status,
            retry_after_secs: profile.retry_after_secs,
        }
    } else if draw < profile.error_rate + profile.timeout_rate {
        Decision::Timeout {
            hold: Duration::from_millis(profile.timeout_ms),
            mode: profile.timeout_mode,
        }
    } else {
        Decision::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn profile(error_rate: f64, timeout_rate: f64) -> ChaosProfile {
        ChaosProfile {
            error_rate,
            error_statuses: vec![500, 502, 503],
            retry_after_secs: None,
            timeout_rate,
            timeout_ms: 15_000,
            timeout_mode: TimeoutMode::AnswerLost,
            include_login: false,
            seed: Some(42),
        }
    }

    fn decisions(profile: &ChaosProfile, seed: u64, n: usize) -> Vec<Decision> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|_| decide(profile, &mut rng)).collect()
    }

    #[test]
    fn one_seed_gives_one_sequence_and_another_seed_another() {
        let profile = profile(0.2, 0.05);
        assert_eq!(decisions(&profile, 42, 500), decisions(&profile, 42, 500));
        assert_ne!(decisions(&profile, 42, 500), decisions(&profile, 43, 500));
    }

    /// 100,000 draws: the standard deviation of the error share is
    /// sqrt(0.2 * 0.8 / 100000) = 0.0013, of the timeout share 0.0007; a tolerance of 0.01
    /// is over 7 of them, so only a broken decision fails it, whatever the seed.
    #[test]
    fn the_shares_of_outcomes_match_the_rates() {
        let n = 100_000;
        let all = decisions(&profile(0.2, 0.05), 7, n);
        let share =
            |pick: fn(&Decision) -> bool| all.iter().filter(|d| pick(d)).count() as f64 / n as f64;
        let errors = share(|d| matches!(d, Decision::Error { .. }));
        let timeouts = share(|d| matches!(d, Decision::Timeout { .. }));
        assert!((errors - 0.2).abs() < 0.01, "{errors}");
        assert!((timeouts - 0.05).abs() < 0.01, "{timeouts}");
        for status in [500, 502, 503] {
            let of_status = share_of_status(&all, status);
            assert!(
                (of_status - 0.2 / 3.0).abs() < 0.01,
                "{status}: {of_status}"
            );
        }
    }

    fn share_of_status(all: &[Decision], status: u16) -> f64 {
        let hits = all
            .iter()
            .filter(|d| matches!(d, Decision::Error { status: s, .. } if s.as_u16() == status))
            .count();
        hits as f64 / all.len() as f64
    }

    #[test]
    fn a_full_outage_errs_every_time_and_a_zero_profile_never_does() {
        assert!(decisions(&profile(1.0, 0.0), 1, 1000)
            .iter()
            .all(|d| matches!(d, Decision::Error { .. })));
        assert!(decisions(&profile(0.0, 0.0), 1, 1000)
            .iter()
            .all(|d| *d == Decision::Pass));
    }

    #[test]
    fn a_timeout_holds_the_profile_duration_in_its_mode() {
        let mut all_timeouts = profile(0.0, 1.0);
        all_timeouts.timeout_mode = TimeoutMode::RequestLost;
        assert_eq!(
            decisions(&all_timeouts, 1, 1)[0],
            Decision::Timeout {
                hold: Duration::from_millis(15_000),
                mode: TimeoutMode::RequestLost
            }
        );
    }

    #[test]
    fn an_error_carries_the_profile_retry_after() {
        let mut throttled = profile(1.0, 0.0);
        throttled.error_statuses = vec![429];
        throttled.retry_after_secs = Some(180);
        assert_eq!(
            decisions(&throttled, 1, 1)[0],
            Decision::Error {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after_secs: Some(180)
            }
        );
    }
}
