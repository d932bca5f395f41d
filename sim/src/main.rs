//! `cxrelay-sim`: the Genesys Cloud simulator as a process, for the demo and manual tests.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use cxrelay_core::startup::{run_with_settings, shutdown_signal, ConfigArgs};
use cxrelay_sim::SimConfig;
use tokio::net::TcpListener;

/// Simulates the Genesys Cloud login and API hosts on one listener (`CXRELAY_SIM__ADDR`),
/// accepting the OAuth client of `CXRELAY_GENESYS__CLIENT_ID` / `__CLIENT_SECRET`.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    run_with_settings("cxrelay-sim", &args.config, |settings| async move {
        // A missing client id or secret is a ConfigError: printed as one line, exit code 2.
        let config = SimConfig::from_settings(&settings)?;
        let addr = settings.sim.addr;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (CXRELAY_SIM__ADDR)"))?;
        tracing::info!(addr = %listener.local_addr()?, "cxrelay-sim listening");
        cxrelay_sim::run_until_stopped(listener, config, shutdown_signal()).await
    })
    .await
}
