//! `bench-memory`: the peak resident memory (VmHWM) of cxrelay-ingress under the intake load
//! and of cxrelay-worker working through a 100,000-event backlog (rate limit off), against
//! issue 7's targets. Run it with `scripts/bench-memory`.

use std::time::{Duration, Instant};

use clap::Parser;
use cxrelay_bench_pipeline::broker::{Broker, DEFAULT_AMQP_URL};
use cxrelay_bench_pipeline::database::{self, DEFAULT_ADMIN_URL};
use cxrelay_bench_pipeline::environment::{Rate, Services};
use cxrelay_bench_pipeline::intake::{self, Contender, Load};
use cxrelay_bench_pipeline::machine::Machine;
use cxrelay_bench_pipeline::{drain, pipeline, report, sim_calls};
use cxrelay_core::amqp::Topology;

/// Issue 7's memory target of the ingress under load, in MiB.
const TARGET_INGRESS_MIB: f64 = 64.0;
/// Issue 7's memory target of the worker with a 100,000-event backlog, in MiB.
const TARGET_WORKER_MIB: f64 = 150.0;
/// How often the simulator's call log is emptied while the worker runs.
const SIM_LOG_CLEARING: Duration = Duration::from_secs(5);

/// Peak memory of the ingress under load and of the worker with a backlog.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Concurrent connections loading the ingress.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Seconds of intake load.
    #[arg(long, default_value_t = 20)]
    intake_seconds: u64,
    /// Events in the worker's backlog.
    #[arg(long, default_value_t = 100_000)]
    backlog: u64,
    /// Seconds the worker works on the backlog before its peak is read (`bench-drain` reads it
    /// after a whole drain).
    #[arg(long, default_value_t = 60)]
    worker_seconds: u64,
    /// URL of an existing database of a role that may create databases.
    #[arg(long, env = "CXRELAY_BENCH_DATABASE_URL", default_value = DEFAULT_ADMIN_URL)]
    admin_url: String,
    /// RabbitMQ URL.
    #[arg(long, env = "CXRELAY_BENCH_AMQP_URL", default_value = DEFAULT_AMQP_URL)]
    amqp_url: String,
}

const DATABASE: &str = "cxrelay_bench_memory";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::header("bench-memory", &Machine::describe());
    let services = Services {
        database_url: database::url_of(&args.admin_url, DATABASE)?,
        amqp_url: args.amqp_url.clone(),
        prefix: format!("cxbench-memory-{}", std::process::id()),
    };
    let topology = Topology::new(&services.prefix);
    let broker = Broker::connect(&args.amqp_url).await?;
    let result = run(&args, &services, &broker, &topology).await;
    broker.delete(&topology).await;
    broker.close().await;
    database::drop(&args.admin_url, DATABASE).await?;
    let (ingress, worker, processed) = result?;
    println!();
    let ingress_mib = ingress as f64 / 1024.0 / 1024.0;
    let worker_mib = worker as f64 / 1024.0 / 1024.0;
    report::say(&format!(
        "cxrelay-ingress peak RSS under {} connections for {} s: {ingress_mib:.1} MiB \
         (target <= {TARGET_INGRESS_MIB:.0} MiB: {})",
        args.connections,
        args.intake_seconds,
        report::verdict(ingress_mib <= TARGET_INGRESS_MIB)
    ));
    report::say(&format!(
        "cxrelay-worker peak RSS with a {} event backlog ({} processed in {} s): {worker_mib:.1} \
         MiB (target <= {TARGET_WORKER_MIB:.0} MiB: {})",
        report::count(args.backlog),
        report::count(processed),
        args.worker_seconds,
        report::verdict(worker_mib <= TARGET_WORKER_MIB)
    ));
    Ok(())
}

/// The ingress's peak, the worker's peak, and how many events the worker finished meanwhile.
async fn run(
    args: &Args,
    services: &Services,
    broker: &Broker,
    topology: &Topology,
) -> anyhow::Result<(u64, u64, u64)> {
    let db = database::create(&args.admin_url, DATABASE, 2).await?;
    let load = Load {
        connections: args.connections,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(args.intake_seconds),
        without_natural_key: false,
        ingress_env: Vec::new(),
    };
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let ingress = intake::measure(Contender::Cxrelay, services, &load, &run).await?;
    report::say(&format!(
        "ingress: {:.0} accepted/s, peak RSS {}",
        ingress.load.accepted_per_sec(),
        report::mib(ingress.peak_rss)
    ));
    // The intake's events are in the queue too; the backlog is the preloaded events on top.
    broker.delete(topology).await;
    broker.declare(topology).await?;
    report::say(&format!(
        "preloading a backlog of {} events",
        report::count(args.backlog)
    ));
    broker
        .preload_fallbacks(topology, &run, args.backlog)
        .await?;
    let http = reqwest::Client::new();
    let sim = pipeline::start_sim(&http).await?;
    let clearing = {
        let http = http.clone();
        let url = sim.url();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(SIM_LOG_CLEARING).await;
                let _ = sim_calls::clear(&http, &url).await;
            }
        })
    };
    let mut worker = pipeline::start_worker(&http, services, &sim, Rate::OFF, &[]).await?;
    report::say(&format!(
        "cxrelay-worker: pid {}; reading its peak after {} s",
        worker.pid(),
        args.worker_seconds
    ));
    let until = Instant::now() + Duration::from_secs(args.worker_seconds);
    while Instant::now() < until {
        worker.check_running()?;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    clearing.abort();
    let worker_peak = worker.peak_rss()?;
    drop(worker);
    let processed = u64::try_from(drain::final_events(&db).await?).unwrap_or(0);
    db.close().await;
    Ok((ingress.peak_rss, worker_peak, processed))
}
