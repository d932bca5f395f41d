//! What the request handlers share.

use std::ops::Deref;
use std::sync::Arc;

use cxrelay_core::config::AdminTokens;
use cxrelay_core::replay::Replayer;
use metrics_exporter_prometheus::PrometheusHandle;
use sqlx::PgPool;

use cxrelay_core::amqp::Publisher;

use crate::auth::Authenticator;
use crate::body::BodyLimits;
use crate::drain::Drain;
use crate::repeats::RepeatLookup;

/// Shared state of both listeners: one allocation behind an `Arc`, so that handing it to each
/// request (axum clones the state per request) costs a reference count, not a copy of every
/// setting in it.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state of an ingress.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    /// Durable publishing to the broker.
    pub publisher: Publisher,
    /// Event status reads and readiness.
    pub db: PgPool,
    /// The repeat lookup of intake, batched across requests; none when `ingress.repeat_lookup`
    /// is off.
    pub repeats: Option<RepeatLookup>,
    /// Who may send to the public routes.
    pub authenticator: Authenticator,
    /// Named tokens of the admin listener; none closes every admin route but `/healthz`.
    pub admin_tokens: AdminTokens,
    /// Whether `/metrics` is served without a token.
    pub metrics_open: bool,
    /// Runs replays for the admin API.
    pub replayer: Replayer,
    /// What a request body may be: size, nesting, string length.
    pub body_limits: BodyLimits,
    /// `Retry-After` on a 503.
    pub retry_after_secs: u32,
    /// Intent score under which a matched intent still counts as a fallback.
    pub intent_score_threshold: f64,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// Intake under way, and whether shutdown began.
    pub drain: Drain,
}
