//! Building and running a worker: database, Genesys client, consumer, admin listener.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use cxrelay_core::amqp::{BrokerNodes, Publisher};
use cxrelay_core::config::Settings;
use cxrelay_core::db;
use cxrelay_core::kinds::Target;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::broker_link::BrokerLink;
use crate::claims::Claims;
use crate::cognigy::{CognigyClient, EndpointStatusCache};
use crate::consumer::{self, ConsumerConfig};
use crate::context::WorkerContext;
use crate::db_health::DbHealth;
use crate::http_client::{genesys_client, http_client};
use crate::queue_depths;
use crate::replicas::Replicas;
use crate::target::{TargetLog, Targets};
use crate::writes::Writes;

/// A built worker, not yet consuming.
pub struct Worker {
    ctx: WorkerContext,
    consumers: Vec<ConsumerConfig>,
    admin: TcpListener,
    /// One flag per consumer: true while its broker channel is open.
    connected: Vec<BrokerLink>,
    replicas: Arc<Replicas>,
    amqp_url: SecretString,
}

impl Worker {
    /// Checks the settings, opens the database (refusing an unmigrated schema), prepares the
    /// Genesys client and binds the admin listener.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        // Before anything below sets a gauge (rate share, breaker state, pause): a gauge set
        // before the recorder exists is lost, and /metrics would miss it until it changes.
        cxrelay_core::metrics::install();
        cxrelay_core::metrics::register(cxrelay_core::metrics::WORKER);
        settings.require_worker()?;
        let db = db::connect(
            settings.require_database_url()?,
            &settings.database,
            "cxrelay-worker",
        )
        .await
        .context("cannot connect to Postgres (DATABASE_URL)")?;
        db::ensure_schema_current(&db).await?;
        let replicas = Replicas::register(
            db.clone(),
            Duration::from_millis(settings.worker.heartbeat_interval_ms.max(1)),
        )
        .await
        .context("cannot register this worker in Postgres")?;
        let targets = Targets::new(
            settings,
            replicas.live(),
            TargetLog::new(db.clone(), replicas.id()),
        );
        let claim_options: sqlx::postgres::PgConnectOptions = settings
            .require_database_url()?
            .expose_secret()
            .parse()
            .context("DATABASE_URL is not a Postgres URL")?;
        let cognigy_http = http_client(Duration::from_millis(settings.cognigy.request_timeout_ms))?;
        // The CRM webhook is the customer's own service; it gets the Genesys call's patience.
        let crm_http = http_client(Duration::from_millis(settings.genesys.request_timeout_ms))?;
        let ctx = WorkerContext {
            db_health: DbHealth::new(db.clone()),
            writes: Writes::start(&db),
            claims: Arc::new(Claims::new(claim_options)),
            targets,
            db,
            genesys: genesys_client(settings)?,
            http: crm_http,
            cognigy: CognigyClient::new(
                cognigy_http,
                settings.cognigy.api_base_url.clone(),
                settings.cognigy.api_key.clone(),
            ),
            endpoint_status: Arc::new(EndpointStatusCache::new(Duration::from_secs(
                settings.cognigy.snapshot_cache_secs,
            ))),
            settings: Arc::new(settings.clone()),
            publisher: Publisher::start(
                settings.require_amqp_url()?.clone(),
                "cxrelay-worker-retries",
                settings.topology(),
                Duration::from_millis(settings.ingress.confirm_timeout_ms),
            ),
            topology: settings.topology(),
        };
        let amqp_url = settings.require_amqp_url()?.clone();
        // One order of the nodes for every consumer of this process: they move on together.
        let nodes = BrokerNodes::new(&amqp_url);
        cxrelay_core::metrics::register_broker_nodes(nodes.names());
        let topology = settings.topology();
        let prefetch = settings.worker.prefetch.max(1);
        let grace = Duration::from_secs(settings.worker.shutdown_grace_secs);
        let consumer = |queue: String, target: Target, ordered: bool| ConsumerConfig {
            nodes: nodes.clone(),
            topology: topology.clone(),
            queue,
            prefetch,
            ordered,
            target_open: ctx.targets.gate(target).consuming(),
            database_up: ctx.db_health.watch(),
            grace,
        };
        let consumers = vec![
            consumer(topology.work_queue(Target::Genesys), Target::Genesys, false),
            consumer(topology.work_queue(Target::Cognigy), Target::Cognigy, false),
            consumer(topology.session_queue(), Target::Cognigy, true),
        ];
        let admin_addr = settings.worker.admin_addr;
        let admin = TcpListener::bind(admin_addr).await.with_context(|| {
            format!("cannot listen on {admin_addr} (CXRELAY_WORKER__ADMIN_ADDR)")
        })?;
        let connected = consumers.iter().map(|_| BrokerLink::default()).collect();
        Ok(Self {
            ctx,
            consumers,
            admin,
            connected,
            replicas,
            amqp_url,
        })
    }

    /// Address of the admin listener.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The shared context, for driving [`crate::process::process_message`] directly.
    pub fn context(&self) -> WorkerContext {
        self.ctx.clone()
    }

    /// Consumes until `shutdown` resolves, then settles or hands back in-flight events
    /// (within `worker.shutdown_grace_secs`), leaves the replica set and returns.
    pub async fn run_until_stopped<S>(self, shutdown: S) -> anyhow::Result<()>
    where
        S: Future<Output = ()> + Send + 'static,
    {
        tracing::info!(admin = %self.admin_addr(), worker_id = %self.replicas.id(), "worker starting");
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
        tokio::spawn(async move {
            shutdown.await;
            drop(stop_tx);
        });
        let readiness = Readiness {
            db: self.ctx.db.clone(),
            connected: self.connected.clone(),
            targets: self.ctx.targets.clone(),
        };
        let metrics = cxrelay_core::metrics::install();
        let admin = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(readyz))
            .route(
                "/metrics",
                get(move || {
                    std::future::ready((
                        [(
                            axum::http::header::CONTENT_TYPE,
                            cxrelay_core::metrics::CONTENT_TYPE,
                        )],
                        metrics.render(),
                    ))
                }),
            )
            .with_state(readiness);
        let (admin_stop_tx, mut admin_stop) = tokio::sync::watch::channel(());
        let admin = axum::serve(self.admin, admin).with_graceful_shutdown(async move {
            let _ = admin_stop.changed().await;
        });
        let admin = tokio::spawn(admin.into_future());
        tokio::spawn(
            Arc::clone(&self.replicas).heartbeat(self.ctx.targets.clone(), stop_rx.clone()),
        );
        tokio::spawn(queue_depths::poll(
            self.amqp_url.clone(),
            self.ctx.topology.clone(),
            self.connected.clone(),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::retention::run(
            self.ctx.db.clone(),
            self.ctx.settings.retention.clone(),
            stop_rx.clone(),
        ));
        // Replicas already running lower their share before this one calls anyone.
        let join_delay = self.replicas.join_delay();
        if !join_delay.is_zero() {
            tracing::info!(
                ?join_delay,
                replicas = self.replicas.live(),
                "joining the running workers"
            );
            tokio::time::sleep(join_delay).await;
        }
        // Each consumer on a task of its own, so that they run on every runtime thread. In a
        // JoinSet, which aborts them when dropped: a worker stopped from outside (its future
        // dropped) leaves no consumer behind.
        let mut consumers = tokio::task::JoinSet::new();
        for (config, connected) in self.consumers.into_iter().zip(self.connected) {
            consumers.spawn(consumer::run(
                self.ctx.clone(),
                config,
                stop_rx.clone(),
                connected,
            ));
        }
        while let Some(finished) = consumers.join_next().await {
            if let Err(error) = finished {
                tracing::error!(%error, "a consumer task failed");
            }
        }
        self.replicas.deregister().await;
        drop(admin_stop_tx);
        admin.await??;
        tracing::info!("worker stopped");
        Ok(())
    }
}

#[derive(Clone)]
struct Readiness {
    db: sqlx::PgPool,
    connected: Vec<BrokerLink>,
    targets: Targets,
}

/// Ready when the broker and the database are; the targets' pauses and breakers are shown
/// but do not make the worker unready (it is healthy, its target is not).
async fn readyz(State(readiness): State<Readiness>) -> (StatusCode, Json<Value>) {
    let broker = readiness.connected.iter().all(BrokerLink::is_up);
    let (ready, mut report) = cxrelay_core::health::readiness(broker, &readiness.db).await;
    if let Some(report) = report.as_object_mut() {
        // The node each consumer is on (null while it has none).
        let nodes: Vec<Option<String>> = readiness.connected.iter().map(BrokerLink::node).collect();
        report.insert("brokerNodes".to_owned(), serde_json::json!(nodes));
        report.insert("targets".to_owned(), readiness.targets.report());
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}
