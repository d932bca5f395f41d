//! The downstream half of cxrelay for the drain, rate and memory benchmarks: the simulator
//! (release build) and a worker against it, on a run's own database and prefix.

use std::net::SocketAddr;
use std::time::Duration;

use crate::environment::{self, Rate, Services};
use crate::processes::{self, Process};

/// How long the simulator or the worker may take to start.
const START_PATIENCE: Duration = Duration::from_secs(30);

/// A running simulator.
pub struct Sim {
    /// The process.
    pub process: Process,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Sim {
    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts cxrelay-sim on a free port and waits for its health check.
pub async fn start_sim(http: &reqwest::Client) -> anyhow::Result<Sim> {
    let addr = processes::free_addr()?;
    let mut process = Process::start(
        &processes::binary("cxrelay-sim")?,
        "cxrelay-sim",
        &environment::sim(addr),
        &[],
    )?;
    process
        .wait_ready(
            http,
            &format!("http://{addr}/healthz"),
            None,
            START_PATIENCE,
        )
        .await?;
    Ok(Sim { process, addr })
}

/// Starts cxrelay-worker against `sim` at `rate` and waits until it is ready (connected to the
/// broker and the database: consuming).
pub async fn start_worker(
    http: &reqwest::Client,
    services: &Services,
    sim: &Sim,
    rate: Rate,
    extra_env: &[(String, String)],
) -> anyhow::Result<Process> {
    let admin = processes::free_addr()?;
    let mut env = environment::worker(services, admin, sim.addr, rate);
    env.extend(extra_env.iter().cloned());
    let mut process = Process::start(
        &processes::binary("cxrelay-worker")?,
        "cxrelay-worker",
        &env,
        &[],
    )?;
    process
        .wait_ready(
            http,
            &format!("http://{admin}/readyz"),
            None,
            START_PATIENCE,
        )
        .await?;
    Ok(process)
}
