//! `cxrelay`: the operator command.

mod migrate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cxrelay_core::startup::{run_with_settings, ConfigArgs};

/// Operate a cxrelay deployment.
#[derive(Parser)]
#[command(name = "cxrelay", version, about)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database if it does not exist and apply every pending migration.
    Migrate,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command;
    run_with_settings("cxrelay", &cli.config, |settings| async move {
        match command {
            Command::Migrate => migrate::run(&settings).await,
        }
    })
    .await
}
