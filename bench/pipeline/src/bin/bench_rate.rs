//! `bench-rate`: for each rate limit (5/s, 50/s, 500/s by default), preloads enough
//! `cognigy.fallback` events for the limit to bind for the given time, drains them with
//! cxrelay-worker at that limit against the simulator, and reads the simulator's call log:
//! prints the sustained rate of flow launches against the limit and the busiest one-second
//! window against limit + burst. Run it with `scripts/bench-rate`.

use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use cxrelay_bench_pipeline::broker::{Broker, DEFAULT_AMQP_URL};
use cxrelay_bench_pipeline::database::{self, DEFAULT_ADMIN_URL};
use cxrelay_bench_pipeline::environment::{Rate, Services};
use cxrelay_bench_pipeline::machine::Machine;
use cxrelay_bench_pipeline::rate::{self, Fidelity};
use cxrelay_bench_pipeline::{drain, pipeline, report, sim_calls};
use cxrelay_core::amqp::Topology;

/// Issue 7's rate target: the sustained rate within this share of the limit.
const TARGET_TOLERANCE: f64 = 0.05;

/// Rate fidelity of cxrelay-worker's Genesys calls.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The limits to measure, in requests per second (CXRELAY_GENESYS__RATE__PER_SEC).
    #[arg(long, value_delimiter = ',', default_values_t = [5.0, 50.0, 500.0])]
    limits: Vec<f64>,
    /// The burst (CXRELAY_GENESYS__RATE__BURST); the shipped default.
    #[arg(long, default_value_t = 5)]
    burst: u32,
    /// Seconds each limit should bind: limit x seconds + burst events are preloaded.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// URL of an existing database of a role that may create databases.
    #[arg(long, env = "CXRELAY_BENCH_DATABASE_URL", default_value = DEFAULT_ADMIN_URL)]
    admin_url: String,
    /// RabbitMQ URL.
    #[arg(long, env = "CXRELAY_BENCH_AMQP_URL", default_value = DEFAULT_AMQP_URL)]
    amqp_url: String,
}

const DATABASE: &str = "cxrelay_bench_rate";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::header("bench-rate", &Machine::describe());
    let broker = Broker::connect(&args.amqp_url).await?;
    let http = reqwest::Client::new();
    let sim = pipeline::start_sim(&http).await?;
    let mut results = Vec::new();
    for (i, limit) in args.limits.iter().enumerate() {
        let services = Services {
            database_url: database::url_of(&args.admin_url, DATABASE)?,
            amqp_url: args.amqp_url.clone(),
            prefix: format!("cxbench-rate-{}-{i}", std::process::id()),
        };
        let topology = Topology::new(&services.prefix);
        let rate = Rate {
            per_sec: *limit,
            burst: args.burst,
        };
        let result = measure(&args, &services, &broker, &topology, &http, &sim, rate).await;
        broker.delete(&topology).await;
        database::drop(&args.admin_url, DATABASE).await?;
        results.push((rate, result?));
    }
    broker.close().await;
    print(&results);
    Ok(())
}

async fn measure(
    args: &Args,
    services: &Services,
    broker: &Broker,
    topology: &Topology,
    http: &reqwest::Client,
    sim: &pipeline::Sim,
    rate: Rate,
) -> anyhow::Result<Fidelity> {
    let db = database::create(&args.admin_url, DATABASE, 2).await?;
    broker.declare(topology).await?;
    let events = (rate.per_sec * args.seconds as f64).ceil() as u64 + u64::from(rate.burst);
    broker
        .preload_fallbacks(topology, &format!("rate{}", rate.per_sec), events)
        .await?;
    sim_calls::clear(http, &sim.url()).await?;
    report::say(&format!(
        "limit {}/s, burst {}: {} events preloaded; draining",
        rate.per_sec,
        rate.burst,
        report::count(events)
    ));
    let started = Instant::now();
    let mut worker = pipeline::start_worker(http, services, sim, rate, &[]).await?;
    // Ten times the time the limit allows, and a minute to start: a worker that cannot keep up
    // with the limit still finishes, and shows it by a rate under the limit.
    let within = Duration::from_secs(args.seconds * 10 + 60);
    let done =
        drain::wait_all_final(&db, events, started, within, || worker.check_running()).await?;
    drop(worker);
    db.close().await;
    if done.is_none() {
        bail!("limit {}/s: not drained within {within:?}", rate.per_sec);
    }
    let times = sim_calls::flow_launch_times(http, &sim.url()).await?;
    Ok(rate::analyse(&times))
}

fn print(results: &[(Rate, Fidelity)]) {
    println!();
    println!(
        "{:>9} {:>6} {:>7} {:>13} {:>10} {:>13} {:>12}  targets",
        "limit/s", "burst", "calls", "sustained/s", "vs limit", "worst 1 s", "limit+burst"
    );
    for (rate, fidelity) in results {
        let deviation = fidelity.sustained_per_sec / rate.per_sec - 1.0;
        let ceiling = rate.per_sec + f64::from(rate.burst);
        let within = deviation.abs() <= TARGET_TOLERANCE;
        let bounded = fidelity.worst_window as f64 <= ceiling;
        println!(
            "{:>9} {:>6} {:>7} {:>13.2} {:>+9.1}% {:>13} {:>12}  rate within 5 %: {}; worst window: {}",
            rate.per_sec,
            rate.burst,
            fidelity.calls,
            fidelity.sustained_per_sec,
            deviation * 100.0,
            fidelity.worst_window,
            ceiling,
            report::verdict(within),
            report::verdict(bounded)
        );
    }
}
