//! `cxrelay-sim`: the Genesys Cloud and Cognigy.AI simulator as a process, for the demo and
//! manual tests.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use cxrelay_core::startup::{run_with_settings, shutdown_signal, ConfigArgs};
use cxrelay_sim::{Seed, SimConfig};
use tokio::net::TcpListener;

/// Simulates the Genesys Cloud login and API hosts and the Cognigy Endpoint and management
/// API hosts on one listener (`CXRELAY_SIM__ADDR`), accepting the OAuth client of
/// `CXRELAY_GENESYS__CLIENT_ID` / `__CLIENT_SECRET` and the Cognigy key of
/// `CXRELAY_COGNIGY__API_KEY`.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
    /// JSON file of conversations, Endpoints and Snapshots to start with
    /// (see sim/seed.example.json).
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    run_with_settings("cxrelay-sim", &args.config, |settings| async move {
        // A missing client id or secret is a ConfigError: printed as one line, exit code 2.
        let mut config = SimConfig::from_settings(&settings)?;
        if let Some(path) = &args.seed {
            config.seed = Some(Seed::from_file(path)?);
        }
        let addr = settings.sim.addr;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (CXRELAY_SIM__ADDR)"))?;
        tracing::info!(addr = %listener.local_addr()?, "cxrelay-sim listening");
        cxrelay_sim::run_until_stopped(listener, config, shutdown_signal()).await
    })
    .await
}
