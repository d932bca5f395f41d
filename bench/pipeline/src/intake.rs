//! The intake benchmark's contenders, each started as a process of its own, warmed up and
//! loaded the same way: the HTTP ceiling, the broker floor, and cxrelay-ingress itself.

use std::time::Duration;

use hyper::header::{HeaderName, HeaderValue};

use crate::cpu::{self, CpuPerRequest};
use crate::environment::{self, Services};
use crate::load::{self, LoadResult, LoadSpec};
use crate::processes::{self, Process};
use crate::report;

/// The route every contender serves.
pub const PATH: &str = "/v1/cognigy/fallback";
/// How long a contender may take to start.
const START_PATIENCE: Duration = Duration::from_secs(30);

/// Who answers the load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Contender {
    /// axum parsing the JSON and answering 202: no broker, no database.
    HttpCeiling,
    /// axum publishing each body with one broker confirm per request on one channel.
    BrokerFloor,
    /// cxrelay-ingress (release build) with auth, validation, repeat lookup and confirms.
    Cxrelay,
}

impl Contender {
    /// Every contender, in the order they run.
    pub const ALL: [Contender; 3] = [Self::HttpCeiling, Self::BrokerFloor, Self::Cxrelay];

    /// Its name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::HttpCeiling => "http ceiling (axum, parse, 202)",
            Self::BrokerFloor => "broker floor (1 confirm/request)",
            Self::Cxrelay => "cxrelay-ingress",
        }
    }
}

/// How hard and how long each contender is loaded.
#[derive(Debug, Clone)]
pub struct Load {
    /// Concurrent connections.
    pub connections: usize,
    /// Unmeasured warm-up.
    pub warmup: Duration,
    /// Measured time.
    pub duration: Duration,
    /// Bodies without a natural idempotency key (to see what the ingress's repeat lookup
    /// costs).
    pub without_natural_key: bool,
    /// Settings of cxrelay-ingress on top of the benchmark's (to try one).
    pub ingress_env: Vec<(String, String)>,
}

/// One contender's figures.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Who.
    pub contender: Contender,
    /// What the load generator saw.
    pub load: LoadResult,
    /// The server process's peak resident memory.
    pub peak_rss: u64,
    /// CPU per accepted request of the server, RabbitMQ and Postgres, in the measured time.
    pub cpu: CpuPerRequest,
}

/// Starts `contender`, loads it, reads its peak memory and stops it. `services` are the run's
/// database and broker (the floor uses the broker and the prefix with `-floor` added).
pub async fn measure(
    contender: Contender,
    services: &Services,
    load: &Load,
    run: &str,
) -> anyhow::Result<Measured> {
    let http = reqwest::Client::new();
    let addr = processes::free_addr()?;
    let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
    let mut process = match contender {
        Contender::HttpCeiling => {
            let mut process = Process::start(
                &processes::binary("bench-http-ceiling")?,
                "bench-http-ceiling",
                &[],
                &["--addr".to_owned(), addr.to_string()],
            )?;
            let health = format!("http://{addr}/healthz");
            process
                .wait_ready(&http, &health, None, START_PATIENCE)
                .await?;
            process
        }
        Contender::BrokerFloor => {
            let mut process = Process::start(
                &processes::binary("bench-broker-floor")?,
                "bench-broker-floor",
                &[("AMQP_URL".to_owned(), services.amqp_url.clone())],
                &[
                    "--addr".to_owned(),
                    addr.to_string(),
                    "--prefix".to_owned(),
                    floor_prefix(services),
                ],
            )?;
            let health = format!("http://{addr}/healthz");
            process
                .wait_ready(&http, &health, None, START_PATIENCE)
                .await?;
            process
        }
        Contender::Cxrelay => {
            let admin = processes::free_addr()?;
            let mut env = environment::ingress(services, addr, admin);
            env.extend(load.ingress_env.iter().cloned());
            let mut process = Process::start(
                &processes::binary("cxrelay-ingress")?,
                "cxrelay-ingress",
                &env,
                &[],
            )?;
            let ready = format!("http://{admin}/readyz");
            process
                .wait_ready(
                    &http,
                    &ready,
                    Some(environment::ADMIN_TOKEN),
                    START_PATIENCE,
                )
                .await?;
            headers.push((
                HeaderName::from_static("x-api-key"),
                HeaderValue::from_static(environment::INBOUND_KEY),
            ));
            process
        }
    };
    let tried: Vec<String> = load
        .ingress_env
        .iter()
        .filter(|_| contender == Contender::Cxrelay)
        .map(|(name, value)| format!(" {name}={value}"))
        .collect();
    report::say(&format!(
        "{}{}: pid {} on {addr}, log {}; {} connections, {:.0} s warm-up, {:.0} s measured{}",
        contender.name(),
        tried.concat(),
        process.pid(),
        process.log_path().display(),
        load.connections,
        load.warmup.as_secs_f64(),
        load.duration.as_secs_f64(),
        if load.without_natural_key {
            "; bodies without a natural key"
        } else {
            ""
        }
    ));
    let spec = LoadSpec {
        addr,
        path: PATH.to_owned(),
        connections: load.connections,
        warmup: load.warmup,
        duration: load.duration,
        headers,
        run: format!("{run}-{contender:?}"),
        without_natural_key: load.without_natural_key,
    };
    let (result, (cpu_start, cpu_end)) = tokio::join!(
        load::run(&spec),
        cpu::sample_window(process.pid(), load.warmup, load.duration)
    );
    let result = result?;
    process.check_running()?;
    let peak_rss = process.peak_rss()?;
    let cpu = cpu_end.per_request_since(&cpu_start, result.accepted);
    Ok(Measured {
        contender,
        load: result,
        peak_rss,
        cpu,
    })
}

/// The broker floor's prefix: its own, so its queues are apart from cxrelay's.
pub fn floor_prefix(services: &Services) -> String {
    format!("{}-floor", services.prefix)
}

/// The table of every contender's figures, and cxrelay's ratio to each other one.
pub fn print(measured: &[Measured]) {
    println!();
    println!(
        "{:<34} {:>12} {:>9} {:>9} {:>9} {:>11}  not 202",
        "contender", "accepted/s", "p50 ms", "p95 ms", "p99 ms", "peak RSS"
    );
    for m in measured {
        println!(
            "{:<34} {:>12.0} {:>9.2} {:>9.2} {:>9.2} {:>11}  {}",
            m.contender.name(),
            m.load.accepted_per_sec(),
            m.load.latency_ms(0.50),
            m.load.latency_ms(0.95),
            m.load.latency_ms(0.99),
            report::mib(m.peak_rss),
            m.load.problems()
        );
    }
    println!();
    println!(
        "{:<34} {:>12} {:>12} {:>12} {:>12}",
        "CPU per accepted request (us)", "server", "RabbitMQ", "Postgres", "together"
    );
    for m in measured {
        println!(
            "{:<34} {:>12.1} {:>12.1} {:>12.1} {:>12.1}",
            m.contender.name(),
            m.cpu.server_us,
            m.cpu.broker_us,
            m.cpu.database_us,
            m.cpu.server_us + m.cpu.broker_us + m.cpu.database_us
        );
    }
    let Some(ours) = measured.iter().find(|m| m.contender == Contender::Cxrelay) else {
        return;
    };
    println!();
    for other in measured
        .iter()
        .filter(|m| m.contender != Contender::Cxrelay)
    {
        report::say(&format!(
            "cxrelay / {}: {} of its throughput",
            other.contender.name(),
            report::ratio(ours.load.accepted_per_sec(), other.load.accepted_per_sec())
        ));
    }
}
