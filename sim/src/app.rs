//! Assembling the router and running it: in-process for tests ([`start`]) or until a signal
//! for the binary ([`run_until_stopped`]).

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use axum::http::Uri;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::cognigy::problem::Problem;
use crate::recording::RecordedCall;
use crate::state::{SimConfig, SimState};
use crate::{cognigy, contract, control, genesys, injection, recording};

/// The whole simulator. Layers run outside in: record the call, judge it and its answer by the
/// vendor's published model ([`contract`]), add the Genesys API headers, apply a pending fault
/// or the platform's chaos, then route (with the bearer check on `/api/v2` and the API-key
/// check on Cognigy's `/new/v2.0`, then the refusal of what the vendor's model refuses).
pub fn router(state: SimState) -> Router {
    Router::new()
        .merge(genesys::routes(state.clone()))
        .merge(cognigy::routes(state.clone()))
        .merge(cognigy::seeding::routes())
        .merge(control::routes())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), injection::inject))
        .layer(from_fn_with_state(
            state.clone(),
            genesys::headers::api_headers,
        ))
        .layer(from_fn_with_state(state.clone(), contract::layers::observe))
        .layer(from_fn_with_state(state.clone(), recording::record))
        .with_state(state)
}

/// A path no route serves: a Cognigy problem on Cognigy paths, a Genesys error elsewhere.
async fn not_found(uri: Uri) -> Response {
    if cognigy::is_cognigy_path(uri.path()) {
        Problem::not_found("No resource found at this path.").into_response()
    } else {
        genesys::not_found(uri).await
    }
}

/// Fresh state with the config's seed applied.
fn seeded_state(config: SimConfig) -> anyhow::Result<SimState> {
    let seed = config.seed.clone();
    let state = SimState::new(config);
    if let Some(seed) = seed {
        seed.apply(&state).context("the seed does not fit")?;
    }
    Ok(state)
}

/// Serves the simulator on `listener` until `shutdown` resolves, then finishes in-flight
/// requests (held answers are released at once). The config's seed is loaded first; one that
/// does not fit is an error.
pub async fn run_until_stopped<S>(
    listener: TcpListener,
    config: SimConfig,
    shutdown: S,
) -> anyhow::Result<()>
where
    S: Future<Output = ()> + Send + 'static,
{
    serve(listener, seeded_state(config)?, shutdown).await
}

async fn serve<S>(listener: TcpListener, state: SimState, shutdown: S) -> anyhow::Result<()>
where
    S: Future<Output = ()> + Send + 'static,
{
    let holds_of = state.clone();
    let shutdown = async move {
        shutdown.await;
        // Graceful shutdown waits for in-flight requests: a chaos timeout or fault delay
        // would keep the server (and the test stopping it) waiting for its whole hold.
        holds_of.holds().release_all();
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .context("the simulator's server failed")
}

/// A simulator serving on a background task.
///
/// Dropping it stops the server (the shutdown trigger is dropped with it); call
/// [`RunningSim::shutdown`] to stop it and wait until in-flight requests are answered.
pub struct RunningSim {
    /// Where it listens.
    pub addr: SocketAddr,
    state: SimState,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// Starts the simulator on `listener` (bind `127.0.0.1:0` for a free port) on a tokio task,
/// after loading the config's seed (one that does not fit is an error).
pub async fn start(listener: TcpListener, config: SimConfig) -> anyhow::Result<RunningSim> {
    let addr = listener
        .local_addr()
        .context("the listener has no local address")?;
    let state = seeded_state(config)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, state.clone(), async move {
        // A dropped sender (the `RunningSim` went away) stops the server like a sent signal.
        let _ = stopped.await;
    }));
    tracing::info!(%addr, "cxrelay-sim listening");
    Ok(RunningSim {
        addr,
        state,
        stop,
        task,
    })
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`: the base URL of the Genesys login and API hosts and of the
    /// Cognigy management API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/endpoint`: the Cognigy Endpoint base URL (turns go to
    /// `{endpoint_base_url}/{URLToken}`).
    pub fn endpoint_base_url(&self) -> String {
        format!("{}/endpoint", self.base_url())
    }

    /// Every recorded call so far, in arrival order (what `GET /_sim/calls` answers).
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.state.calls().snapshot()
    }

    /// Every departure from the vendors' published models seen so far (see [`contract`]): a
    /// test that drove cxrelay through the simulator fails on any.
    pub fn contract_findings(&self) -> Vec<String> {
        self.state.contract().snapshot()
    }

    /// The shared state, to drive the simulator without HTTP (expire tokens, add faults, look
    /// at executions).
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Stops accepting connections and waits until in-flight requests are answered.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        // The server may already have stopped on an error; the join below reports it.
        let _ = self.stop.send(());
        self.task.await.context("the simulator's task panicked")?
    }
}
