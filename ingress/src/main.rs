//! `cxrelay-ingress`: the public webhook listener and its admin listener.

use std::process::ExitCode;

use clap::Parser;
use cxrelay_core::startup::{load_settings, run_main, shutdown_signal, ConfigArgs};
use cxrelay_ingress::Application;

/// Accepts webhooks, stores them durably in RabbitMQ and answers 202.
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
    run_main("cxrelay-ingress", async move {
        Application::build(&settings)
            .await?
            .run_until_stopped(shutdown_signal())
            .await
    })
    .await
}
