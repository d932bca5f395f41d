//! Building and running the ingress: both listeners, the broker publisher, the database pool.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use cxrelay_core::config::Settings;
use cxrelay_core::db;
use cxrelay_core::replay::Replayer;
use tokio::net::TcpListener;

use crate::auth::Authenticator;
use crate::body::BodyLimits;
use crate::drain::Drain;
use crate::repeats::RepeatLookup;
use crate::routes::{admin_router, public_router};
use crate::state::{AppState, Shared};
use cxrelay_core::amqp::Publisher;

/// Added to the confirm timeout to bound the drain at shutdown.
const DRAIN_MARGIN: Duration = Duration::from_secs(1);

/// A built ingress, listening but not yet serving.
pub struct Application {
    public: TcpListener,
    admin: TcpListener,
    state: AppState,
    confirm_timeout: Duration,
}

impl Application {
    /// Checks the settings, opens the database (refusing an unmigrated schema), starts the
    /// publisher and binds both listeners (port 0 picks a free port, for tests).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        settings.require_ingress()?;
        let db_url = settings.require_database_url()?;
        let amqp_url = settings.require_amqp_url()?;
        let db = db::connect(db_url, &settings.database, "cxrelay-ingress")
            .await
            .context("cannot connect to Postgres (DATABASE_URL)")?;
        db::ensure_schema_current(&db).await?;
        let publisher = Publisher::start(
            amqp_url.clone(),
            "cxrelay-ingress",
            settings.topology(),
            Duration::from_millis(settings.ingress.confirm_timeout_ms),
        );
        cxrelay_core::metrics::install();
        cxrelay_core::metrics::register_broker_nodes(&publisher.nodes());
        let public = bind(settings.ingress.addr, "CXRELAY_INGRESS__ADDR").await?;
        let admin = bind(settings.ingress.admin_addr, "CXRELAY_INGRESS__ADMIN_ADDR").await?;
        let replayer = Replayer::new(db.clone(), publisher.clone(), settings)?;
        let authenticator = Authenticator::from_settings(&settings.ingress);
        for route in authenticator.unreachable_routes() {
            tracing::warn!(
                route,
                "no source this route accepts has a key or HMAC secret: every request to it will be refused"
            );
        }
        if settings.ingress.admin_tokens.is_empty() {
            tracing::warn!("no admin tokens (CXRELAY_INGRESS__ADMIN_TOKENS): every admin route but /healthz answers 403");
        }
        let state = AppState::new(Shared {
            publisher,
            repeats: settings
                .ingress
                .repeat_lookup
                .then(|| RepeatLookup::start(db.clone())),
            db,
            authenticator,
            admin_tokens: settings.ingress.admin_tokens.clone(),
            metrics_open: settings.ingress.metrics_open,
            replayer,
            body_limits: BodyLimits::from_settings(&settings.ingress),
            retry_after_secs: settings.ingress.retry_after_secs,
            intent_score_threshold: settings.ingress.intent_score_threshold,
            metrics: {
                let handle = cxrelay_core::metrics::install();
                cxrelay_core::metrics::register(cxrelay_core::metrics::INGRESS);
                handle
            },
            drain: Drain::default(),
        });
        Ok(Self {
            public,
            admin,
            state,
            confirm_timeout: Duration::from_millis(settings.ingress.confirm_timeout_ms),
        })
    }

    /// Address of the public webhook listener.
    pub fn public_addr(&self) -> SocketAddr {
        self.public
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// Address of the admin listener.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The publisher, so callers (tests) can wait for the broker connection.
    pub fn publisher(&self) -> Publisher {
        self.state.publisher.clone()
    }

    /// Serves both listeners until `shutdown` resolves; then refuses new events (503), waits
    /// for the publishes under way to be confirmed, and closes the listeners once in-flight
    /// requests are answered.
    pub async fn run_until_stopped<S>(self, shutdown: S) -> anyhow::Result<()>
    where
        S: Future<Output = ()> + Send + 'static,
    {
        tracing::info!(public = %self.public_addr(), admin = %self.admin_addr(), "ingress listening");
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
        let drain = self.state.drain.clone();
        // A publish waits at most for its confirm; a little more covers the answer.
        let drain_bound = self.confirm_timeout + DRAIN_MARGIN;
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: refusing new events, finishing those under way");
            if !drain.drain(drain_bound).await {
                tracing::warn!(?drain_bound, "events still under way after the drain bound");
            }
            // Dropping the sender wakes every `changed()` below.
            drop(stop_tx);
        });
        let stopped = |mut rx: tokio::sync::watch::Receiver<()>| async move {
            let _ = rx.changed().await;
        };
        let public = axum::serve(self.public, public_router(self.state.clone()))
            .with_graceful_shutdown(stopped(stop_rx.clone()));
        let admin = axum::serve(self.admin, admin_router(self.state))
            .with_graceful_shutdown(stopped(stop_rx));
        tokio::try_join!(public.into_future(), admin.into_future())?;
        Ok(())
    }
}

async fn bind(addr: SocketAddr, setting: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({setting})"))
}
