//! `ProcessPipeline`: the real `cxrelay-ingress` and `cxrelay-worker` binaries as child
//! processes, on the real broker and database, for fault-injection tests that kill, stop and
//! cut them off. Like `spawn_app`, each pipeline has its own database, AMQP prefix and
//! simulator; unlike it, a worker can be SIGKILLed mid-event and its broker or database
//! connection cut by a proxy the test controls, never by stopping the machine's services.

mod binaries;
mod child;
mod control;
mod environment;
mod findings;
mod intake;
mod serial;
mod surroundings;

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cxrelay_core::amqp::Topology;
use cxrelay_core::config::Settings;
use cxrelay_sim::RunningSim;
use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

pub use binaries::binary_path;
pub use child::{ChildProcess, LOG_TAIL_LINES};
pub use environment::{free_port, settings_env, LOG_LEVEL};
pub use findings::{
    longest_gap_starting_between, max_in_window, CallCoverage, RunReport, EXECUTIONS_PATH,
    GENESYS_API_PREFIX, LAUNCH_FLOW,
};
pub use intake::{fallback_event, Intake, ACCEPT_PATIENCE, FALLBACK_PATH, IN_FLIGHT};

use crate::app::{bind_sim, settings_for, sim_config_for, start_sim_on, Customize, PATIENCE};
use crate::proxy::{upstream_of, TcpProxy};
use crate::{broker, database};

/// How long a process may take to stop after SIGTERM (it drains its in-flight events first)
/// or to die after SIGKILL, before the test fails.
pub const EXIT_PATIENCE: Duration = Duration::from_secs(20);
/// How long [`ProcessPipeline::reconcile`] waits for every accepted event to finish.
pub const RECONCILE_PATIENCE: Duration = Duration::from_secs(120);
/// Timeout of each HTTP request the harness makes: longer than a readiness check that waits
/// for a database connection (`database.acquire_timeout_ms`, 5 s by default).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Which broker connections go through a [`TcpProxy`] the test controls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BrokerProxies {
    /// Every process connects to the broker directly.
    #[default]
    None,
    /// The ingress and the workers share one proxy: one cut takes the broker from all.
    Shared,
    /// One proxy for the ingress, one for all the workers: either side can be cut alone.
    Separate,
}

/// What to start.
#[derive(Clone)]
pub struct PipelineOptions {
    /// Worker processes started at once (0: events stay in the queue).
    pub workers: usize,
    /// Proxies in front of the broker.
    pub broker_proxies: BrokerProxies,
    /// Route the workers' Postgres connections through a proxy (the ingress and the test's own
    /// pool connect directly).
    pub database_proxy: bool,
    /// Route the ingress's Postgres connections through the database proxy too.
    pub ingress_database_proxy: bool,
    /// Extra environment of every process, applied last so it wins: the settings under test,
    /// e.g. `("CXRELAY_WORKER__RETRY_DELAYS_MS", "200,500,1000")`.
    pub env: Vec<(String, String)>,
    /// Applied to the settings before anything starts: the processes get the result as their
    /// environment, and the simulator accepts its credentials (Genesys client, Cognigy key).
    pub customize: Option<Customize>,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        Self {
            workers: 1,
            broker_proxies: BrokerProxies::None,
            database_proxy: false,
            ingress_database_proxy: false,
            env: Vec::new(),
            customize: None,
        }
    }
}

impl std::fmt::Debug for PipelineOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The environment may hold the secrets a test configures: names only.
        let env: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("PipelineOptions")
            .field("workers", &self.workers)
            .field("broker_proxies", &self.broker_proxies)
            .field("database_proxy", &self.database_proxy)
            .field("ingress_database_proxy", &self.ingress_database_proxy)
            .field("env", &env)
            .field("customize", &self.customize.is_some())
            .finish()
    }
}

/// A running pipeline of real processes, and handles on everything around them. Dropping it
/// kills every process it started, prints the end of each log when the test is failing, and
/// removes the database and the AMQP prefix.
pub struct ProcessPipeline {
    /// Client of every request the harness makes; each request has a timeout.
    pub http: reqwest::Client,
    /// The test's own database, connected directly (never through a proxy).
    pub db: PgPool,
    /// The simulated Genesys and Cognigy, in-process.
    pub sim: RunningSim,
    /// The pipeline's exchanges and queues.
    pub topology: Topology,
    db_name: String,
    log_dir: PathBuf,
    ingress_settings: Settings,
    worker_settings: Settings,
    extra_env: Vec<(String, String)>,
    ingress_broker: Option<Arc<TcpProxy>>,
    worker_broker: Option<Arc<TcpProxy>>,
    database: Option<TcpProxy>,
    ingress: Option<ChildProcess>,
    public_url: String,
    workers: Mutex<Vec<Arc<ChildProcess>>>,
    /// Fallback events sent so far, so each one gets its own session.
    sent: AtomicUsize,
    _serial: serial::Turn,
}

impl ProcessPipeline {
    /// Waits for its turn (one pipeline at a time per test binary), then creates the database,
    /// prefix, simulator and proxies, starts the ingress and `options.workers` workers, and
    /// waits until each one's `/readyz` answers 200.
    pub async fn start(options: PipelineOptions) -> Self {
        let turn = serial::wait_for_turn().await;
        let id = Uuid::new_v4().simple().to_string()[..12].to_owned();
        let db_name = format!("cxrelay_test_{id}");
        let log_dir = std::env::temp_dir().join(format!("cxrelay-processes-{id}"));
        std::fs::create_dir_all(&log_dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_dir.display()));
        let db = database::create(&db_name, true).await;
        let sim_listener = bind_sim().await;
        let sim_url = format!(
            "http://{}",
            sim_listener.local_addr().expect("the simulator's address")
        );
        let db_url = database::url_of(&db_name);
        let amqp_url = broker::amqp_url();
        let mut settings = settings_for(&db_url, &amqp_url, &format!("proc-{id}"), &sim_url);
        if let Some(customize) = &options.customize {
            customize(&mut settings);
        }
        apply_naming_overrides(&mut settings, &options.env);
        let sim = start_sim_on(sim_listener, sim_config_for(&settings)).await;

        let broker_upstream = upstream_of(&amqp_url, broker::DEFAULT_PORT);
        let (ingress_broker, worker_broker) = match options.broker_proxies {
            BrokerProxies::None => (None, None),
            BrokerProxies::Shared => {
                let shared = Arc::new(TcpProxy::start(broker_upstream).await);
                (Some(Arc::clone(&shared)), Some(shared))
            }
            BrokerProxies::Separate => (
                Some(Arc::new(TcpProxy::start(broker_upstream).await)),
                Some(Arc::new(TcpProxy::start(broker_upstream).await)),
            ),
        };
        let database_proxy = if options.database_proxy || options.ingress_database_proxy {
            let upstream = upstream_of(&database::admin_url(), database::DEFAULT_PORT);
            Some(TcpProxy::start(upstream).await)
        } else {
            None
        };
        let mut ingress_settings = settings.clone();
        if let Some(proxy) = &ingress_broker {
            ingress_settings.amqp.url = Some(SecretString::from(proxy.url_through(&amqp_url)));
        }
        ingress_settings.ingress.addr = free_port();
        ingress_settings.ingress.admin_addr = free_port();
        let mut worker_settings = settings.clone();
        if let Some(proxy) = &worker_broker {
            worker_settings.amqp.url = Some(SecretString::from(proxy.url_through(&amqp_url)));
        }
        if let Some(proxy) = database_proxy.as_ref().filter(|_| options.database_proxy) {
            worker_settings.database.url = Some(SecretString::from(proxy.url_through(&db_url)));
        }
        if let Some(proxy) = database_proxy
            .as_ref()
            .filter(|_| options.ingress_database_proxy)
        {
            ingress_settings.database.url = Some(SecretString::from(proxy.url_through(&db_url)));
        }

        // From here on Drop cleans up, and prints the logs of a process that fails to start.
        let mut pipeline = Self {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("an HTTP client"),
            db,
            sim,
            topology: settings.topology(),
            db_name,
            log_dir,
            public_url: format!("http://{}", ingress_settings.ingress.addr),
            ingress_settings,
            worker_settings,
            extra_env: options.env,
            ingress_broker,
            worker_broker,
            database: database_proxy,
            ingress: None,
            workers: Mutex::default(),
            sent: AtomicUsize::new(0),
            _serial: turn,
        };
        let admin_url = format!("http://{}", pipeline.ingress_settings.ingress.admin_addr);
        let env = pipeline.env_for(&pipeline.ingress_settings);
        let ingress = ChildProcess::spawn(
            &binary_path(binaries::INGRESS),
            "ingress",
            &env,
            &pipeline.log_dir,
            admin_url,
        );
        pipeline.ingress = Some(ingress);
        let workers: Vec<Arc<ChildProcess>> = (0..options.workers)
            .map(|_| pipeline.spawn_worker().1)
            .collect();
        pipeline
            .ingress()
            .wait_ready(&pipeline.http, PATIENCE)
            .await;
        for worker in workers {
            worker.wait_ready(&pipeline.http, PATIENCE).await;
        }
        pipeline
    }

    /// Base URL of the ingress's public listener.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The settings the worker processes run with (the ingress's differ only in its
    /// listeners and proxies): what a `cxrelay` command against this pipeline needs.
    pub fn worker_settings(&self) -> &Settings {
        &self.worker_settings
    }

    /// Starts a worker process without waiting for it; returns its index and handle.
    fn spawn_worker(&self) -> (usize, Arc<ChildProcess>) {
        let mut settings = self.worker_settings.clone();
        settings.worker.admin_addr = free_port();
        let env = self.env_for(&settings);
        let mut workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        let index = workers.len();
        let worker = Arc::new(ChildProcess::spawn(
            &binary_path(binaries::WORKER),
            &format!("worker-{index}"),
            &env,
            &self.log_dir,
            format!("http://{}", settings.worker.admin_addr),
        ));
        workers.push(Arc::clone(&worker));
        (index, worker)
    }

    fn env_for(&self, settings: &Settings) -> Vec<(String, String)> {
        let mut env = settings_env(settings);
        env.extend(self.extra_env.iter().cloned());
        env
    }

    fn processes(&self) -> Vec<Arc<ChildProcess>> {
        let workers = self.workers.lock().unwrap_or_else(PoisonError::into_inner);
        workers.iter().cloned().collect()
    }
}

/// Settings that name broker objects must match what the processes declare, or clean-up
/// misses their queues: the retry tiers are queues named after their delays. A value the
/// processes would refuse is left to them to report.
fn apply_naming_overrides(settings: &mut Settings, env: &[(String, String)]) {
    for (name, value) in env {
        if name == "CXRELAY_WORKER__RETRY_DELAYS_MS" {
            let delays: Result<Vec<u64>, _> =
                value.split(',').map(|delay| delay.trim().parse()).collect();
            if let Ok(delays) = delays {
                settings.worker.retry_delays_ms = delays;
            }
        }
        if name == "CXRELAY_WORKER__RETRY_JITTER" {
            if let Ok(jitter) = value.trim().parse() {
                settings.worker.retry_jitter = jitter;
            }
        }
    }
}

impl Drop for ProcessPipeline {
    fn drop(&mut self) {
        let workers = self.processes();
        let all = self.ingress.iter().chain(workers.iter().map(|w| &**w));
        if std::thread::panicking() {
            for process in all.clone() {
                eprintln!(
                    "--- the end of {} ({}):\n{}",
                    process.name(),
                    process.log_path().display(),
                    process.log_tail(LOG_TAIL_LINES)
                );
            }
            eprintln!("--- the whole logs stay in {}", self.log_dir.display());
        }
        for process in all {
            process.kill_and_reap();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.log_dir);
        }
        crate::cleanup::remove_isolation(&self.topology, &self.db_name);
        crate::contract::assert_no_departures(&self.sim);
    }
}
