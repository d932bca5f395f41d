//! When a failed event is tried again, as pure functions: the outcome was classified before
//! (see [`crate::outcome`]); this decides what the classification means for the event.

use std::time::Duration;

/// What becomes of an event whose delivery asked to be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Publish it into the delay queue of this many milliseconds.
    RetryIn(u64),
    /// Every retry of the schedule was used: the event is dead.
    Exhausted,
    /// The retry would come after the kind's deadline: the event expires now instead.
    PastDeadline,
}

/// The delay before retry number `retries_so_far + 1`: the schedule's delay spread by
/// `jitter` (`unit` is a uniform random number in 0..1, passed in so tests can fix it), never
/// shorter than what the target asked for (`Retry-After`). `None` once the schedule is used up.
pub fn next_retry_delay(
    retries_so_far: u32,
    schedule_ms: &[u64],
    jitter: f64,
    unit: f64,
    at_least: Option<Duration>,
) -> Option<u64> {
    let base = *schedule_ms.get(usize::try_from(retries_so_far).ok()?)?;
    let spread = 1.0 + jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
    let jittered = ((base as f64) * spread).round() as u64;
    let asked = at_least.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Some(jittered.max(asked).max(1))
}

/// Decides the retry: `delay_ms` is the delay queue chosen for it (see
/// [`next_retry_delay`] and the topology's rounding up), `remaining` the time left until the
/// kind's deadline.
pub fn decide_retry(delay_ms: Option<u64>, remaining: Duration) -> RetryDecision {
    match delay_ms {
        None => RetryDecision::Exhausted,
        Some(delay) if Duration::from_millis(delay) > remaining => RetryDecision::PastDeadline,
        Some(delay) => RetryDecision::RetryIn(delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: [u64; 3] = [1_000, 5_000, 30_000];

    #[test]
    fn each_retry_takes_the_next_delay_of_the_schedule_until_none_is_left() {
        assert_eq!(next_retry_delay(0, &SCHEDULE, 0.2, 0.5, None), Some(1_000));
        assert_eq!(next_retry_delay(1, &SCHEDULE, 0.2, 0.5, None), Some(5_000));
        assert_eq!(next_retry_delay(2, &SCHEDULE, 0.2, 0.5, None), Some(30_000));
        assert_eq!(next_retry_delay(3, &SCHEDULE, 0.2, 0.5, None), None);
    }

    #[test]
    fn jitter_spreads_a_delay_by_at_most_its_share_either_way() {
        assert_eq!(next_retry_delay(1, &SCHEDULE, 0.2, 0.0, None), Some(4_000));
        assert_eq!(next_retry_delay(1, &SCHEDULE, 0.2, 1.0, None), Some(6_000));
        assert_eq!(next_retry_delay(1, &SCHEDULE, 0.0, 1.0, None), Some(5_000));
        // A unit outside 0..1 is clamped rather than trusted.
        assert_eq!(next_retry_delay(1, &SCHEDULE, 0.2, 7.0, None), Some(6_000));
    }

    #[test]
    fn a_retry_after_longer_than_the_schedule_wins() {
        let asked = Some(Duration::from_secs(42));
        assert_eq!(
            next_retry_delay(0, &SCHEDULE, 0.2, 0.5, asked),
            Some(42_000)
        );
        let shorter = Some(Duration::from_millis(10));
        assert_eq!(
            next_retry_delay(0, &SCHEDULE, 0.2, 0.5, shorter),
            Some(1_000)
        );
    }

    #[test]
    fn a_retry_that_would_land_after_the_deadline_expires_the_event() {
        let minute = Duration::from_secs(60);
        assert_eq!(
            decide_retry(Some(30_000), minute),
            RetryDecision::RetryIn(30_000)
        );
        assert_eq!(
            decide_retry(Some(120_000), minute),
            RetryDecision::PastDeadline
        );
        assert_eq!(decide_retry(None, minute), RetryDecision::Exhausted);
    }
}
