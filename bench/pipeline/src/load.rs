//! The intake load generator: N HTTP/1.1 connections, each sending one `cognigy.fallback`
//! request at a time (closed loop, keep-alive) for a fixed time, every body of a session of its
//! own; counts the 202s and records every answer's latency in an HDR histogram.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::bodies;

/// Highest latency the histogram holds, in microseconds (a minute); longer ones are clamped.
const MAX_LATENCY_US: u64 = 60_000_000;
/// Significant digits of the histogram: 0.1 % resolution at any latency.
const PRECISION: u8 = 3;
/// Pause before reconnecting after a connection failed, so a dead server is not hammered.
const RECONNECT_PAUSE: Duration = Duration::from_millis(50);

/// What to send, where, how hard and how long.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// The server.
    pub addr: SocketAddr,
    /// The path posted to.
    pub path: String,
    /// Concurrent connections, each with one request in flight at a time.
    pub connections: usize,
    /// Sent but not counted first, so connections and caches are warm.
    pub warmup: Duration,
    /// The measured time after the warm-up.
    pub duration: Duration,
    /// Headers sent with every request besides Host and Content-Type (the API key).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Makes this run's sessions different from every other run's.
    pub run: String,
    /// Bodies without `inputId` and `traceId` (no natural idempotency key).
    pub without_natural_key: bool,
}

/// What the measured time gave.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// 202 answers.
    pub accepted: u64,
    /// Other answers by status.
    pub refused: BTreeMap<u16, u64>,
    /// Requests that got no answer (connection errors).
    pub failed: u64,
    /// The measured time.
    pub elapsed: Duration,
    /// Latency of every answer (202 or not), in microseconds.
    pub latency_us: Histogram<u64>,
}

impl LoadResult {
    /// Accepted events per second.
    pub fn accepted_per_sec(&self) -> f64 {
        self.accepted as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at `quantile` (0..1), in milliseconds.
    pub fn latency_ms(&self, quantile: f64) -> f64 {
        self.latency_us.value_at_quantile(quantile) as f64 / 1_000.0
    }

    /// Answers other than 202 and requests without an answer, e.g. `503 x12, failed x3`.
    pub fn problems(&self) -> String {
        let mut parts: Vec<String> = self
            .refused
            .iter()
            .map(|(status, n)| format!("{status} x{n}"))
            .collect();
        if self.failed > 0 {
            parts.push(format!("no answer x{}", self.failed));
        }
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// Runs the load described by `spec` and returns what its measured time gave.
pub async fn run(spec: &LoadSpec) -> anyhow::Result<LoadResult> {
    let next_body = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let measure_from = started + spec.warmup;
    let end = measure_from + spec.duration;
    let mut tasks = Vec::with_capacity(spec.connections);
    for _ in 0..spec.connections {
        let spec = spec.clone();
        let next_body = Arc::clone(&next_body);
        tasks.push(tokio::spawn(async move {
            connection(&spec, &next_body, measure_from, end).await
        }));
    }
    let mut total = Tally::new()?;
    for task in tasks {
        let tally = task.await.context("a load connection panicked")??;
        total.merge(tally)?;
    }
    Ok(LoadResult {
        accepted: total.accepted,
        refused: total.refused,
        failed: total.failed,
        elapsed: spec.duration,
        latency_us: total.latency_us,
    })
}

/// What one connection counted in the measured time.
struct Tally {
    accepted: u64,
    refused: BTreeMap<u16, u64>,
    failed: u64,
    latency_us: Histogram<u64>,
}

impl Tally {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            accepted: 0,
            refused: BTreeMap::new(),
            failed: 0,
            latency_us: Histogram::new_with_bounds(1, MAX_LATENCY_US, PRECISION)?,
        })
    }

    fn merge(&mut self, other: Tally) -> anyhow::Result<()> {
        self.accepted += other.accepted;
        self.failed += other.failed;
        for (status, n) in other.refused {
            *self.refused.entry(status).or_default() += n;
        }
        self.latency_us.add(&other.latency_us)?;
        Ok(())
    }

    fn record(&mut self, status: StatusCode, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.latency_us
            .saturating_record(us.clamp(1, MAX_LATENCY_US));
        if status == StatusCode::ACCEPTED {
            self.accepted += 1;
        } else {
            *self.refused.entry(status.as_u16()).or_default() += 1;
        }
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One connection's closed loop: send, wait for the whole answer, send the next.
async fn connection(
    spec: &LoadSpec,
    next_body: &AtomicU64,
    measure_from: Instant,
    end: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::new()?;
    let host = HeaderValue::from_str(&spec.addr.to_string())?;
    let json = HeaderValue::from_static("application/json");
    let mut sender: Option<Sender> = None;
    while Instant::now() < end {
        let mut live = match sender.take() {
            Some(live) => live,
            None => match connect(spec.addr).await {
                Ok(live) => live,
                Err(_) => {
                    if Instant::now() >= measure_from {
                        tally.failed += 1;
                    }
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    continue;
                }
            },
        };
        let n = next_body.fetch_add(1, Ordering::Relaxed);
        let mut body = bodies::fallback(&spec.run, n, true);
        if spec.without_natural_key {
            body = bodies::without_natural_key(body);
        }
        let body = serde_json::to_vec(&body)?;
        let mut request = Request::post(spec.path.as_str())
            .header(HOST, host.clone())
            .header(CONTENT_TYPE, json.clone())
            .body(Full::new(Bytes::from(body)))?;
        for (name, value) in &spec.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let sent = Instant::now();
        let answer = async {
            live.ready().await?;
            let response = live.send_request(request).await?;
            let status = response.status();
            response.into_body().collect().await?;
            anyhow::Ok(status)
        }
        .await;
        let done = Instant::now();
        let counted = sent >= measure_from && done <= end;
        match answer {
            Ok(status) => {
                if counted {
                    tally.record(status, done - sent);
                }
                sender = Some(live);
            }
            Err(_) => {
                if counted {
                    tally.failed += 1;
                }
            }
        }
    }
    Ok(tally)
}
