//! `bench-drain`: preloads a backlog of `cognigy.fallback` events into the Genesys work queue,
//! starts cxrelay-worker (release) against the simulator with the rate limit off, and times the
//! drain until every event is final with its attempt and audit rows; then writes the same rows
//! straight with sqlx, one event per transaction, as the database's baseline. Prints both, the
//! ratio, and the worker's peak memory. Run it with `scripts/bench-drain`.

use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use cxrelay_bench_pipeline::broker::{Broker, DEFAULT_AMQP_URL};
use cxrelay_bench_pipeline::cpu::{self, CpuPerRequest, CpuSample};
use cxrelay_bench_pipeline::database::{self, DEFAULT_ADMIN_URL};
use cxrelay_bench_pipeline::drain::{self, Rows};
use cxrelay_bench_pipeline::environment::{self, Rate, Services};
use cxrelay_bench_pipeline::machine::Machine;
use cxrelay_bench_pipeline::{baseline, pipeline, report, sim_calls};
use cxrelay_core::amqp::Topology;

/// Issue 7's drain target: events per second to a final state with every row written.
const TARGET_PER_SEC: f64 = 5_000.0;
/// Issue 7's drain target: times the one-event-per-transaction baseline.
const TARGET_TIMES_BASELINE: f64 = 3.0;
/// Issue 7's memory target for the worker with a 100,000-event backlog, in MiB.
const TARGET_WORKER_MIB: f64 = 150.0;
/// How often the simulator's call log is emptied during the drain (it keeps every call).
const SIM_LOG_CLEARING: Duration = Duration::from_secs(5);

/// Backlog drain of cxrelay-worker beside a one-event-per-transaction database baseline.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Events in the backlog.
    #[arg(long, default_value_t = 100_000)]
    events: u64,
    /// Concurrent writers of the baseline: the worker's database pool size by default.
    #[arg(long, default_value_t = 10)]
    writers: usize,
    /// Give up on the drain after this many seconds.
    #[arg(long, default_value_t = 3_600)]
    timeout: u64,
    /// Skip the baseline.
    #[arg(long)]
    no_baseline: bool,
    /// A setting of cxrelay-worker to try, as NAME=VALUE (repeatable), e.g.
    /// CXRELAY_WORKER__PREFETCH=256.
    #[arg(long, value_parser = environment::parse_setting)]
    worker_env: Vec<(String, String)>,
    /// URL of an existing database of a role that may create databases.
    #[arg(long, env = "CXRELAY_BENCH_DATABASE_URL", default_value = DEFAULT_ADMIN_URL)]
    admin_url: String,
    /// RabbitMQ URL.
    #[arg(long, env = "CXRELAY_BENCH_AMQP_URL", default_value = DEFAULT_AMQP_URL)]
    amqp_url: String,
}

const DATABASE: &str = "cxrelay_bench_drain";
const BASELINE_DATABASE: &str = "cxrelay_bench_drain_baseline";

/// What the worker's drain gave.
struct Drained {
    took: Duration,
    rows: Rows,
    peak_rss: u64,
    /// CPU per event of the worker (as the server), RabbitMQ and Postgres.
    cpu: CpuPerRequest,
    /// CPU per event of the simulator, in microseconds.
    sim_us: f64,
}

/// What the database baseline gave.
struct Baseline {
    took: Duration,
    rows: Rows,
    /// CPU per event of the benchmark's own writers (as the server) and Postgres.
    cpu: CpuPerRequest,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::header("bench-drain", &Machine::describe());
    let services = Services {
        database_url: database::url_of(&args.admin_url, DATABASE)?,
        amqp_url: args.amqp_url.clone(),
        prefix: format!("cxbench-drain-{}", std::process::id()),
    };
    let topology = Topology::new(&services.prefix);
    let broker = Broker::connect(&args.amqp_url).await?;
    let drained = drain_with_worker(&args, &services, &broker, &topology).await;
    broker.delete(&topology).await;
    broker.close().await;
    database::drop(&args.admin_url, DATABASE).await?;
    let drained = drained?;
    let baseline = if args.no_baseline {
        None
    } else {
        let db = database::create(
            &args.admin_url,
            BASELINE_DATABASE,
            u32::try_from(args.writers)?,
        )
        .await?;
        report::say(&format!(
            "baseline: the same rows for {} events, one transaction per event, {} writers",
            report::count(args.events),
            args.writers
        ));
        let before = CpuSample::now(std::process::id());
        let took = baseline::run(&db, "baseline", args.events, args.writers).await;
        let cpu = CpuSample::now(std::process::id()).per_request_since(&before, args.events);
        let rows = drain::rows(&db).await;
        db.close().await;
        database::drop(&args.admin_url, BASELINE_DATABASE).await?;
        Some(Baseline {
            took: took?,
            rows: rows?,
            cpu,
        })
    };
    print(&args, &drained, baseline);
    Ok(())
}

async fn drain_with_worker(
    args: &Args,
    services: &Services,
    broker: &Broker,
    topology: &Topology,
) -> anyhow::Result<Drained> {
    let db = database::create(&args.admin_url, DATABASE, 2).await?;
    broker.declare(topology).await?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    report::say(&format!(
        "preloading {} events into {}",
        report::count(args.events),
        topology.queue_for(cxrelay_core::kinds::EventKind::CognigyFallback)
    ));
    let took = broker
        .preload_fallbacks(topology, &run, args.events)
        .await?;
    report::say(&format!(
        "preloaded in {:.1} s ({:.0} events/s)",
        took.as_secs_f64(),
        args.events as f64 / took.as_secs_f64()
    ));
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
    let started = Instant::now();
    let cpu_before = CpuSample::before_server_starts();
    let sim_before = cpu::seconds_of_pid(sim.process.pid());
    let mut worker =
        pipeline::start_worker(&http, services, &sim, Rate::OFF, &args.worker_env).await?;
    report::say(&format!(
        "cxrelay-worker: pid {}, log {}; draining with the rate limit off",
        worker.pid(),
        worker.log_path().display()
    ));
    let done = drain::wait_all_final(
        &db,
        args.events,
        started,
        Duration::from_secs(args.timeout),
        || worker.check_running(),
    )
    .await;
    clearing.abort();
    let cpu = CpuSample::now(worker.pid()).per_request_since(&cpu_before, args.events);
    let sim_us = (cpu::seconds_of_pid(sim.process.pid()) - sim_before).max(0.0) * 1e6
        / args.events.max(1) as f64;
    let peak_rss = worker.peak_rss()?;
    drop(worker);
    let Some(took) = done? else {
        bail!(
            "the backlog was not drained within {} s (--timeout)",
            args.timeout
        );
    };
    let rows = drain::rows(&db).await?;
    db.close().await;
    Ok(Drained {
        took,
        rows,
        peak_rss,
        cpu,
        sim_us,
    })
}

fn print(args: &Args, drained: &Drained, baseline: Option<Baseline>) {
    let events = args.events as f64;
    let ours = events / drained.took.as_secs_f64();
    println!();
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>12} {:>12}",
        "", "events/s", "seconds", "final", "attempts", "audit rows"
    );
    let row = |name: &str, rate: f64, took: Duration, rows: &Rows| {
        println!(
            "{:<44} {:>10.0} {:>10.1} {:>10} {:>12} {:>12}",
            name,
            rate,
            took.as_secs_f64(),
            rows.final_events,
            rows.finished_attempts,
            rows.audit
        );
    };
    row(
        "cxrelay-worker (sim, rate limit off)",
        ours,
        drained.took,
        &drained.rows,
    );
    if let Some(base) = &baseline {
        row(
            "baseline: sqlx, 1 transaction per event",
            events / base.took.as_secs_f64(),
            base.took,
            &base.rows,
        );
    }
    print_cpu(drained, baseline.as_ref());
    println!();
    report::say(&format!(
        "{} of {} events succeeded; worker peak RSS {}",
        drained.rows.succeeded,
        drained.rows.final_events,
        report::mib(drained.peak_rss)
    ));
    report::say(&format!(
        "target >= {TARGET_PER_SEC:.0} events/s: {ours:.0}, {}",
        report::verdict(ours >= TARGET_PER_SEC)
    ));
    if let Some(baseline) = &baseline {
        let base = events / baseline.took.as_secs_f64();
        report::say(&format!(
            "target >= {TARGET_TIMES_BASELINE}x the baseline: {}, {}",
            report::ratio(ours, base),
            report::verdict(ours >= TARGET_TIMES_BASELINE * base)
        ));
    }
    let mib = drained.peak_rss as f64 / 1024.0 / 1024.0;
    report::say(&format!(
        "target worker <= {TARGET_WORKER_MIB:.0} MiB with a {} event backlog: {mib:.1} MiB, {}",
        report::count(args.events),
        report::verdict(mib <= TARGET_WORKER_MIB)
    ));
}

/// Where each event's CPU went: the worker and the simulator are the drain's own, the baseline's
/// client is this benchmark's writers; RabbitMQ and Postgres serve both. Postgres per event is
/// what batching the writes saves.
fn print_cpu(drained: &Drained, baseline: Option<&Baseline>) {
    println!();
    println!(
        "{:<44} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "CPU per event (us)", "client", "simulator", "RabbitMQ", "Postgres", "together"
    );
    let d = &drained.cpu;
    println!(
        "{:<44} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
        "cxrelay-worker (client)",
        d.server_us,
        drained.sim_us,
        d.broker_us,
        d.database_us,
        d.server_us + drained.sim_us + d.broker_us + d.database_us
    );
    if let Some(base) = baseline {
        let b = &base.cpu;
        println!(
            "{:<44} {:>10.1} {:>10} {:>10} {:>10.1} {:>10.1}",
            "baseline (sqlx writers)",
            b.server_us,
            "-",
            "-",
            b.database_us,
            b.server_us + b.database_us
        );
        report::say(&format!(
            "Postgres CPU per event: {:.1} us batched against {:.1} us one transaction per event ({})",
            d.database_us,
            b.database_us,
            report::ratio(b.database_us, d.database_us)
        ));
    }
}
