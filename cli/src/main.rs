//! `cxrelay`: the operator command.

use std::process::ExitCode;

use clap::builder::NonEmptyStringValueParser;
use clap::{Args, Parser, Subcommand};
use cxrelay_core::startup::{run_main, run_with_settings, ConfigArgs};
use uuid::Uuid;

use cxrelay_cli::dead_letters::DeadLettersArgs;
use cxrelay_cli::genesys_trigger::{MediaType, TriggerRequest, DEFAULT_NAME};
use cxrelay_cli::replay::ReplayArgs;
use cxrelay_cli::{check, dead_letters, genesys_trigger, migrate, probe, replay, retention};

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
    /// Check the configuration (every problem at once), Postgres and pending migrations,
    /// RabbitMQ, a Genesys token, the fallback flow and queues, and each Cognigy Endpoint; one
    /// line per check saying what works or what to fix. Exits 1 if any check failed.
    Check {
        /// Check only the settings: connect to nothing (e.g. in CI, before a deployment).
        #[arg(long)]
        config_only: bool,
    },
    /// GET a URL and succeed on a 2xx answer, within 3 s (container health checks: the image
    /// has no curl).
    Probe {
        /// The URL, e.g. http://127.0.0.1:8081/healthz.
        url: String,
    },
    /// One-time setup in the Genesys Cloud org.
    #[command(subcommand)]
    Genesys(GenesysCommand),
    /// List and count the dead and expired events (by kind, reason and target).
    DeadLetters(DeadLettersArgs),
    /// Replay dead events through the pipeline again (by id, by filter, or from the
    /// dead-letter queue); every replay is recorded in the audit log.
    Replay(ReplayArgs),
    /// Run one retention pass now (the worker runs one every hour): create the coming days'
    /// partitions, drop those past retention, delete expired final events; print what it did.
    Retention,
}

#[derive(Subcommand)]
enum GenesysCommand {
    /// Create the Process Automation trigger that starts a workflow when a customer leaves a
    /// conversation; if a trigger of that name exists, change nothing.
    InstallTrigger(InstallTriggerArgs),
}

#[derive(Args)]
struct InstallTriggerArgs {
    /// Id of the Architect workflow the trigger starts.
    #[arg(long, value_name = "UUID")]
    workflow_id: Uuid,
    /// Name of the trigger.
    #[arg(long, default_value = DEFAULT_NAME, value_parser = NonEmptyStringValueParser::new())]
    name: String,
    /// Media type of the conversations that start the workflow: MESSAGE, VOICE, CHAT, EMAIL,
    /// CALLBACK, ...
    #[arg(long, value_name = "TYPE", default_value_t = MediaType::default())]
    media_type: MediaType,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command;
    // These two load no settings the usual way: `check` reads them itself to report every
    // problem, not just the first, and a probe needs none.
    match command {
        Command::Check { config_only } => {
            let report = check::run(cli.config.config.as_deref(), config_only).await;
            print!("{report}");
            return if report.failed() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
        Command::Probe { url } => return run_main("cxrelay probe", probe::run(&url)).await,
        _ => {}
    }
    run_with_settings("cxrelay", &cli.config, |settings| async move {
        match command {
            Command::Migrate => migrate::run(&settings).await,
            Command::Check { .. } | Command::Probe { .. } => unreachable!("handled above"),
            Command::DeadLetters(args) => dead_letters::run(&settings, &args).await,
            Command::Replay(args) => replay::run(&settings, &args).await,
            Command::Retention => {
                let outcome = retention::run(&settings).await?;
                println!("{}", retention::describe(&settings, &outcome));
                Ok(())
            }
            Command::Genesys(GenesysCommand::InstallTrigger(args)) => {
                let request = TriggerRequest {
                    workflow_id: args.workflow_id,
                    name: args.name,
                    media_type: args.media_type,
                };
                let installed = genesys_trigger::install_trigger(&settings, &request).await?;
                println!("{installed}");
                Ok(())
            }
        }
    })
    .await
}
