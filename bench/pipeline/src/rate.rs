//! Rate fidelity from the times calls arrived downstream: the sustained rate and the busiest
//! one-second window.

use chrono::{DateTime, Duration, Utc};

/// What the call times of one limit show.
#[derive(Debug, Clone, PartialEq)]
pub struct Fidelity {
    /// Calls seen.
    pub calls: usize,
    /// Calls per second after the first second (when the burst is spent): the sustained rate.
    pub sustained_per_sec: f64,
    /// The most calls in any one-second window, the burst included.
    pub worst_window: usize,
}

/// Analyses call arrival times (in any order).
pub fn analyse(times: &[DateTime<Utc>]) -> Fidelity {
    let mut times = times.to_vec();
    times.sort_unstable();
    let second = Duration::seconds(1);
    let worst_window = worst_window(&times, second);
    let sustained_per_sec = match (times.first(), times.last()) {
        (Some(first), Some(last)) => {
            let settled = *first + second;
            let steady: Vec<&DateTime<Utc>> = times.iter().filter(|t| **t >= settled).collect();
            match (steady.first(), steady.len()) {
                (Some(start), n) if n > 1 => {
                    let span = (*last - **start).num_microseconds().unwrap_or(0) as f64 / 1e6;
                    // n calls span n - 1 intervals.
                    (n - 1) as f64 / span.max(1e-9)
                }
                _ => 0.0,
            }
        }
        _ => 0.0,
    };
    Fidelity {
        calls: times.len(),
        sustained_per_sec,
        worst_window,
    }
}

/// The most sorted `times` within any window of length `width` (half-open: [t, t + width)).
fn worst_window(times: &[DateTime<Utc>], width: Duration) -> usize {
    let mut worst = 0;
    let mut start = 0;
    for (end, time) in times.iter().enumerate() {
        while *time - times[start] >= width {
            start += 1;
        }
        worst = worst.max(end - start + 1);
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_700_000_000_000 + ms).unwrap()
    }

    #[test]
    fn a_burst_then_a_steady_rate() {
        // 5 at once, then one every 100 ms (10/s) for 3 s.
        let mut times: Vec<DateTime<Utc>> = (0..5).map(|_| at(0)).collect();
        times.extend((1..=30).map(|i| at(i * 100)));
        let fidelity = analyse(&times);
        assert_eq!(fidelity.calls, 35);
        assert_eq!(fidelity.worst_window, 5 + 9);
        assert!((fidelity.sustained_per_sec - 10.0).abs() < 0.01);
    }

    #[test]
    fn nothing_seen_is_all_zero() {
        assert_eq!(
            analyse(&[]),
            Fidelity {
                calls: 0,
                sustained_per_sec: 0.0,
                worst_window: 0
            }
        );
    }
}
