//! CPU time of the processes an intake run loads, from `/proc`: what the server, RabbitMQ and
//! Postgres each spend per accepted request. The load generator, the server, the broker and the
//! database share the machine's cores, so a contender's throughput is bounded by what all of
//! them spend per request; these figures say where that goes, and they move far less than the
//! throughput with whatever else the machine is doing.

use std::fs;
use std::time::Duration;

/// Clock ticks per second of the times in `/proc/<pid>/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// The process name (`/proc/<pid>/comm`) of RabbitMQ's Erlang VM.
const BROKER_COMM: &str = "beam.smp";

/// The process name of every Postgres process: the backends serving the server's connections
/// and the background writers.
const DATABASE_COMM: &str = "postgres";

/// CPU seconds used so far by the server, the broker and the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuSample {
    server: f64,
    broker: f64,
    database: f64,
}

/// CPU seconds used so far by the process `pid` (0 once it has ended).
pub fn seconds_of_pid(pid: u32) -> f64 {
    seconds_of(&format!("/proc/{pid}/stat")).unwrap_or(0.0)
}

/// CPU time per accepted request over a measured window, in microseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuPerRequest {
    /// The contender's own process.
    pub server_us: f64,
    /// RabbitMQ.
    pub broker_us: f64,
    /// Postgres, all its processes.
    pub database_us: f64,
}

impl CpuSample {
    /// The CPU seconds used so far by `server_pid`, RabbitMQ and Postgres.
    pub fn now(server_pid: u32) -> Self {
        Self {
            server: seconds_of_pid(server_pid),
            broker: seconds_of_named(BROKER_COMM),
            database: seconds_of_named(DATABASE_COMM),
        }
    }

    /// RabbitMQ's and Postgres's CPU seconds so far, before the server starts: its own count
    /// starts from zero.
    pub fn before_server_starts() -> Self {
        Self {
            server: 0.0,
            broker: seconds_of_named(BROKER_COMM),
            database: seconds_of_named(DATABASE_COMM),
        }
    }

    /// What was spent between `earlier` and this sample, per one of `requests`.
    pub fn per_request_since(&self, earlier: &CpuSample, requests: u64) -> CpuPerRequest {
        let per = |now: f64, then: f64| (now - then).max(0.0) * 1e6 / requests.max(1) as f64;
        CpuPerRequest {
            server_us: per(self.server, earlier.server),
            broker_us: per(self.broker, earlier.broker),
            database_us: per(self.database, earlier.database),
        }
    }
}

/// Samples at the start and at the end of the measured window (after `warmup`, for `duration`)
/// of a load that starts now.
pub async fn sample_window(
    server_pid: u32,
    warmup: Duration,
    duration: Duration,
) -> (CpuSample, CpuSample) {
    tokio::time::sleep(warmup).await;
    let start = CpuSample::now(server_pid);
    tokio::time::sleep(duration).await;
    (start, CpuSample::now(server_pid))
}

/// User and system time of every thread of the process whose `stat` file is `path`.
fn seconds_of(path: &str) -> Option<f64> {
    let stat = fs::read_to_string(path).ok()?;
    // The name in parentheses may hold spaces; the fields after it are space-separated, utime
    // and stime being the 12th and 13th of them (14th and 15th of the whole line).
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SEC)
}

/// The CPU seconds of every running process named `comm`. A process that ended between two
/// samples drops out of the second: the figures are a floor for short-lived processes.
fn seconds_of_named(comm: &str) -> f64 {
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|entry| {
            fs::read_to_string(entry.path().join("comm")).is_ok_and(|name| name.trim() == comm)
        })
        .filter_map(|entry| seconds_of(&entry.path().join("stat").to_string_lossy()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_used_some_cpu_and_a_missing_one_none() {
        let own = || seconds_of(&format!("/proc/{}/stat", std::process::id()));
        assert!(own().is_some(), "the own process must be readable");
        // Work until a tick of CPU shows: the count must rise with the work done.
        let started = std::time::Instant::now();
        let mut spin = 0u64;
        while own() == Some(0.0) && started.elapsed() < Duration::from_secs(5) {
            spin = (0..1_000_000u64).fold(spin, |a, b| std::hint::black_box(a ^ b.wrapping_mul(b)));
        }
        assert!(own().is_some_and(|s| s > 0.0), "{:?} after {spin}", own());
        assert_eq!(seconds_of("/proc/0/stat"), None);
    }

    #[test]
    fn per_request_divides_the_difference() {
        let then = CpuSample {
            server: 1.0,
            broker: 2.0,
            database: 3.0,
        };
        let now = CpuSample {
            server: 1.5,
            broker: 3.0,
            database: 3.1,
        };
        let per = now.per_request_since(&then, 1_000);
        assert!((per.server_us - 500.0).abs() < 1e-6);
        assert!((per.broker_us - 1_000.0).abs() < 1e-6);
        assert!((per.database_us - 100.0).abs() < 1e-6);
    }
}
