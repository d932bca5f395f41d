//! What every binary does first: parse `--config`, load settings, start logging, and how it
//! stops: on Ctrl-C or SIGTERM, with errors printed as one line.

use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{self, Settings};
use crate::telemetry::{self, LogWriter};

/// Exit code of a configuration error, distinct from a runtime failure (1).
pub const EXIT_CONFIG: u8 = 2;

/// The command-line option every binary shares.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArgs {
    /// TOML file with settings; the environment overrides it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Loads settings and starts logging; a configuration error is printed as one line naming the
/// setting, and the process exits with [`EXIT_CONFIG`]. Keep the [`LogWriter`] until the end.
pub fn load_settings(args: &ConfigArgs) -> Result<(Settings, LogWriter), ExitCode> {
    match config::load(args.config.as_deref()) {
        Ok(settings) => {
            let log = telemetry::init(&settings.log);
            Ok((settings, log))
        }
        Err(error) => {
            eprintln!("{error}");
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

/// The whole life of a binary: load settings from `args` (a configuration error exits with
/// [`EXIT_CONFIG`] after one line), then run `main` with them through [`run_main`].
pub async fn run_with_settings<F, Fut>(binary: &str, args: &ConfigArgs, main: F) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    match load_settings(args) {
        Ok((settings, log)) => {
            let code = run_main(binary, main(settings)).await;
            // Written out before the process exits, the error line of run_main included.
            drop(log);
            code
        }
        Err(code) => code,
    }
}

/// Runs `main` to completion and turns its error into one line on stderr and an exit code:
/// [`EXIT_CONFIG`] for a configuration error, 1 for anything else.
pub async fn run_main<F>(binary: &str, main: F) -> ExitCode
where
    F: Future<Output = anyhow::Result<()>>,
{
    match main.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<config::ConfigError>() => {
            eprintln!("{error}");
            ExitCode::from(EXIT_CONFIG)
        }
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "{binary} stopped");
            eprintln!("{binary}: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and process managers send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}
