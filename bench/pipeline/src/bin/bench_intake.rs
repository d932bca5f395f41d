//! `bench-intake`: loads the HTTP ceiling, the broker floor and cxrelay-ingress in turn with the
//! same closed-loop load (N connections posting `cognigy.fallback` bodies, each of its own
//! session) and prints each one's accepted events/s, latency percentiles and peak memory, and
//! cxrelay's ratio to the other two. Run it with `scripts/bench-intake`.

use std::time::Duration;

use clap::Parser;
use cxrelay_bench_pipeline::broker::{Broker, DEFAULT_AMQP_URL};
use cxrelay_bench_pipeline::database::{self, DEFAULT_ADMIN_URL};
use cxrelay_bench_pipeline::environment::{self, Services};
use cxrelay_bench_pipeline::intake::{self, Contender, Load, Measured};
use cxrelay_bench_pipeline::machine::Machine;
use cxrelay_bench_pipeline::report;
use cxrelay_core::amqp::Topology;

/// Issue 7's intake target: accepted events per second.
const TARGET_PER_SEC: f64 = 20_000.0;
/// Issue 7's intake target: 99th percentile latency, in milliseconds.
const TARGET_P99_MS: f64 = 10.0;
/// Issue 7's intake target: share of the broker floor's throughput.
const TARGET_SHARE_OF_FLOOR: f64 = 0.9;

/// Intake throughput and latency of cxrelay-ingress beside its ceilings.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Measured seconds per contender.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Unmeasured warm-up seconds per contender.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Load only these contenders (repeatable); all three by default.
    #[arg(long, value_enum)]
    only: Vec<Contender>,
    /// Send bodies without inputId and traceId: no natural idempotency key, so the ingress
    /// skips its repeat lookup in Postgres (what that lookup costs).
    #[arg(long)]
    without_natural_key: bool,
    /// A setting of cxrelay-ingress to try, as NAME=VALUE (repeatable), e.g.
    /// CXRELAY_LOG__LEVEL=warn or CXRELAY_DATABASE__MAX_CONNECTIONS=32.
    #[arg(long, value_parser = environment::parse_setting)]
    ingress_env: Vec<(String, String)>,
    /// URL of an existing database of a role that may create databases.
    #[arg(long, env = "CXRELAY_BENCH_DATABASE_URL", default_value = DEFAULT_ADMIN_URL)]
    admin_url: String,
    /// RabbitMQ URL.
    #[arg(long, env = "CXRELAY_BENCH_AMQP_URL", default_value = DEFAULT_AMQP_URL)]
    amqp_url: String,
}

const DATABASE: &str = "cxrelay_bench_intake";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    report::header("bench-intake", &Machine::describe());
    let services = Services {
        database_url: database::url_of(&args.admin_url, DATABASE)?,
        amqp_url: args.amqp_url.clone(),
        prefix: format!("cxbench-intake-{}", std::process::id()),
    };
    let db = database::create(&args.admin_url, DATABASE, 2).await?;
    db.close().await;
    let broker = Broker::connect(&args.amqp_url).await?;
    let result = run(&args, &services, &broker).await;
    broker.delete(&Topology::new(&services.prefix)).await;
    broker
        .delete(&Topology::new(intake::floor_prefix(&services)))
        .await;
    broker.close().await;
    database::drop(&args.admin_url, DATABASE).await?;
    let measured = result?;
    intake::print(&measured);
    targets(&measured);
    Ok(())
}

async fn run(args: &Args, services: &Services, broker: &Broker) -> anyhow::Result<Vec<Measured>> {
    let load = Load {
        connections: args.connections,
        warmup: Duration::from_secs(args.warmup),
        duration: Duration::from_secs(args.duration),
        without_natural_key: args.without_natural_key,
        ingress_env: args.ingress_env.clone(),
    };
    let contenders: Vec<Contender> = if args.only.is_empty() {
        Contender::ALL.to_vec()
    } else {
        args.only.clone()
    };
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let mut measured = Vec::new();
    for contender in contenders {
        measured.push(intake::measure(contender, services, &load, &run).await?);
        // What a contender left in its queues must not weigh on the next one.
        broker.delete(&Topology::new(&services.prefix)).await;
        broker
            .delete(&Topology::new(intake::floor_prefix(services)))
            .await;
    }
    Ok(measured)
}

fn targets(measured: &[Measured]) {
    let Some(ours) = measured.iter().find(|m| m.contender == Contender::Cxrelay) else {
        return;
    };
    let per_sec = ours.load.accepted_per_sec();
    let p99 = ours.load.latency_ms(0.99);
    report::say(&format!(
        "target >= {TARGET_PER_SEC:.0} accepted/s: {per_sec:.0}, {}",
        report::verdict(per_sec >= TARGET_PER_SEC)
    ));
    report::say(&format!(
        "target p99 <= {TARGET_P99_MS} ms: {p99:.2} ms, {}",
        report::verdict(p99 <= TARGET_P99_MS)
    ));
    if let Some(floor) = measured
        .iter()
        .find(|m| m.contender == Contender::BrokerFloor)
    {
        let share = per_sec / floor.load.accepted_per_sec().max(1e-9);
        report::say(&format!(
            "target >= {TARGET_SHARE_OF_FLOOR}x the broker floor: {share:.2}x, {}",
            report::verdict(share >= TARGET_SHARE_OF_FLOOR)
        ));
    }
}
