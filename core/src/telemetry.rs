//! The tracing subscriber, built once per process.

use std::io::{BufWriter, Stderr};

use tracing::Level;
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Server notices Postgres sends for idempotent DDL ("relation already exists, skipping") are
/// not news; `RUST_LOG` can still turn them on.
const QUIET_DEPENDENCIES: &str = "sqlx::postgres::notice=warn";

/// Dependencies whose most verbose output prints secrets, each with the most verbose level it
/// may log at whatever the filter asks, `RUST_LOG=trace` included: a filter shows more of what
/// cxrelay does, never the credentials it handles.
///
/// - `lapin` at trace prints every AMQP frame with `Debug`: the bodies of the messages it
///   publishes and delivers (an event's payload, with a fallback's URLToken) and the SASL
///   response of its connection (the broker user's password), as lists of byte values.
///
/// reqwest, hyper, rustls and sqlx print no secret at trace (no header, no request path, no
/// bound value; reqwest's `connection_verbose`, which would print the bytes on the wire, is
/// never turned on). `tests/faults/secrets.rs` runs a whole scenario at trace and finds what a
/// new dependency, or a new version of one, would print.
pub const SECRET_SAFE_LEVELS: &[(&str, Level)] = &[("lapin", Level::DEBUG)];

/// Most log lines waiting for the writer thread: about half a second of the busiest intake.
/// When it is this far behind, a line waits for room rather than being dropped, so a log line
/// is lost only if the process is killed. The queue is allocated whole at start (32 bytes a
/// line), which is why it is not larger: 128,000 lines cost each process 4 MiB.
const QUEUED_LINES: usize = 8_192;

/// The log writer's thread, kept for as long as the process logs: dropping it writes out the
/// lines still queued. Hold it until `main` returns.
#[must_use = "dropping it stops the log writer"]
pub struct LogWriter {
    _guard: Option<WorkerGuard>,
}

/// Installs the global subscriber: `RUST_LOG` if set, else the configured level, never more
/// than [`SECRET_SAFE_LEVELS`] allows. A second call (several apps in one test process) keeps
/// the first subscriber.
///
/// Logs go to stderr: stdout is a command's output (`cxrelay replay --format json` must print
/// one clean document), and the servers' process managers (scripts/up, Compose, the fault
/// tests) capture both streams alike. The lines are formatted where they are logged and
/// written by a thread of their own, which writes whatever has queued up at once: one write
/// per line on the request path cost the ingress about a fifth of its CPU under load
/// (bench/RESULTS.md). The thread writes as soon as lines arrive, so the log stays live; a
/// process killed (SIGKILL) can lose the last lines it logged.
pub fn init(settings: &LogSettings) -> LogWriter {
    let (writer, guard) = stderr_writer();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{},{QUIET_DEPENDENCIES}", settings.level)));
    // A second global filter: an event is logged only if both let it through, so no
    // directive of the first can lift these caps.
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(secret_guard());
    let installed = match settings.format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(writer)
                    .json()
                    .with_current_span(true),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().with_writer(writer))
            .try_init(),
    };
    LogWriter {
        _guard: installed.is_ok().then_some(guard),
    }
}

/// Stderr behind a buffer the writer thread flushes each time it has written every queued line.
fn stderr_writer() -> (NonBlocking, WorkerGuard) {
    NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("cxrelay-log-writer")
        .finish(BufWriter::<Stderr>::new(std::io::stderr()))
}

/// Everything at any level, except the targets of [`SECRET_SAFE_LEVELS`] above their cap.
fn secret_guard() -> Targets {
    Targets::new()
        .with_default(Level::TRACE)
        .with_targets(SECRET_SAFE_LEVELS.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_caps_the_leaky_dependencies_and_nothing_else() {
        let guard = secret_guard();
        for target in ["lapin", "lapin::channels", "lapin::io_loop"] {
            assert!(!guard.would_enable(target, &Level::TRACE), "{target}");
            assert!(guard.would_enable(target, &Level::DEBUG), "{target}");
        }
        for target in ["cxrelay_worker::process", "reqwest::connect", "sqlx::query"] {
            assert!(guard.would_enable(target, &Level::TRACE), "{target}");
        }
    }
}
