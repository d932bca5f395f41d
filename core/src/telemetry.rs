//! The tracing subscriber, built once per process.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Server notices Postgres sends for idempotent DDL ("relation already exists, skipping") are
/// not news; `RUST_LOG` can still turn them on.
const QUIET_DEPENDENCIES: &str = "sqlx::postgres::notice=warn";

/// Installs the global subscriber: `RUST_LOG` if set, else the configured level. A second call
/// (several apps in one test process) keeps the first subscriber.
///
/// Logs go to stderr: stdout is a command's output (`cxrelay replay --format json` must print
/// one clean document), and the servers' process managers (scripts/up, Compose, the fault
/// tests) capture both streams alike.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{},{QUIET_DEPENDENCIES}", settings.level)));
    let registry = tracing_subscriber::registry().with(filter);
    let _already_installed = match settings.format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .json()
                    .with_current_span(true),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
    };
}
