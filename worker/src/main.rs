//! `cxrelay-worker`: drains the work queues into Genesys and Cognigy API calls.

use std::process::ExitCode;

use clap::Parser;
use cxrelay_core::startup::{load_settings, run_main, shutdown_signal, ConfigArgs};
use cxrelay_worker::Worker;

/// Carries accepted events out against Genesys, recording every attempt in Postgres.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let settings = match load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    run_main("cxrelay-worker", async move {
        Worker::build(&settings)
            .await?
            .run_until_stopped(shutdown_signal())
            .await
    })
    .await
}
