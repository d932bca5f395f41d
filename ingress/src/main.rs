//! `cxrelay-ingress`: the public webhook listener and its admin listener.

use std::process::ExitCode;

use clap::Parser;
use cxrelay_core::startup::{run_with_settings, shutdown_signal, ConfigArgs};
use cxrelay_ingress::Application;

/// Accepts webhooks, stores them durably in RabbitMQ and answers 202.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    config: ConfigArgs,
}

/// mimalloc instead of the system allocator: under load, glibc's malloc spent a third of the
/// worker's CPU in `malloc_consolidate`, `unlink_chunk` and free (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    run_with_settings("cxrelay-ingress", &args.config, |settings| async move {
        Application::build(&settings)
            .await?
            .run_until_stopped(shutdown_signal())
            .await
    })
    .await
}
