//! The simulator's configuration and the state every route shares.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cxrelay_core::config::{ConfigError, Settings};
use secrecy::ExposeSecret;

use crate::faults::FaultBook;
use crate::genesys::flows::ExecutionStore;
use crate::genesys::headers::RateWindow;
use crate::recording::CallLog;
use crate::tokens::TokenStore;

/// What the simulated Genesys org accepts and hands out.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The only OAuth client id the token endpoint accepts.
    pub client_id: String,
    /// The secret of that client.
    pub client_secret: String,
    /// `expires_in` of every issued token, in seconds.
    pub token_expires_in_secs: u64,
}

impl SimConfig {
    /// The simulator's configuration from the shared settings: the OAuth client comes from the
    /// `genesys` section, so the simulator and the worker read the same credentials.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let client_id = settings
            .genesys
            .client_id
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ConfigError::missing("genesys.client_id"))?;
        let client_secret = settings
            .genesys
            .client_secret
            .as_ref()
            .map(|secret| secret.expose_secret().to_owned())
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| ConfigError::missing("genesys.client_secret"))?;
        Ok(Self {
            client_id,
            client_secret,
            token_expires_in_secs: settings.sim.token_expires_in_secs,
        })
    }
}

/// Everything the routes share; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct SimState {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimConfig,
    calls: CallLog,
    tokens: TokenStore,
    faults: FaultBook,
    executions: ExecutionStore,
    rate: RateWindow,
}

impl SimState {
    /// Fresh state: no calls, tokens, faults or executions.
    pub fn new(config: SimConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                calls: CallLog::default(),
                tokens: TokenStore::default(),
                faults: FaultBook::default(),
                executions: ExecutionStore::default(),
                rate: RateWindow::default(),
            }),
        }
    }

    /// The configuration the simulator was started with.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// Every recorded request, in arrival order.
    pub fn calls(&self) -> &CallLog {
        &self.inner.calls
    }

    /// Issued OAuth tokens and their expiry.
    pub fn tokens(&self) -> &TokenStore {
        &self.inner.tokens
    }

    /// Pending injected faults.
    pub fn faults(&self) -> &FaultBook {
        &self.inner.faults
    }

    /// Launched flow executions.
    pub fn executions(&self) -> &ExecutionStore {
        &self.inner.executions
    }

    /// The per-minute request counter behind the `inin-ratelimit-*` headers.
    pub fn rate(&self) -> &RateWindow {
        &self.inner.rate
    }
}

/// Locks `mutex` even if a panicking thread poisoned it: every critical section here only
/// pushes, removes or reads whole entries, so the data stays consistent after a panic and one
/// failed request must not take the simulator down for the rest of a test run.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
