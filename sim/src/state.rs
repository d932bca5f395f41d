//! The simulator's configuration and the state every route shares.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cxrelay_core::config::{ConfigError, Settings};
use secrecy::ExposeSecret;

use crate::call_log::CallLog;
use crate::chaos::ChaosBook;
use crate::cognigy::resources::ResourceStore;
use crate::cognigy::sessions::SessionStore;
use crate::contract::ContractLog;
use crate::faults::FaultBook;
use crate::genesys::architect_flows::FlowStore;
use crate::genesys::conversation_store::ConversationStore;
use crate::genesys::flows::ExecutionStore;
use crate::genesys::headers::RateWindow;
use crate::genesys::queues::QueueStore;
use crate::genesys::triggers::TriggerStore;
use crate::holds::Holds;
use crate::runtime_settings::RuntimeSettings;
use crate::seed::Seed;
use crate::tokens::TokenStore;

/// The Cognigy management API key the simulator accepts when the settings name none.
pub const DEFAULT_COGNIGY_API_KEY: &str = "sim-cognigy-key";

/// What the simulated Genesys org and Cognigy tenant accept and hand out.
///
/// Build it with [`SimConfig::from_settings`], or in tests with a struct literal ending in
/// `..SimConfig::default()`.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The only OAuth client id the token endpoint accepts.
    pub client_id: String,
    /// The secret of that client.
    pub client_secret: String,
    /// `expires_in` of every issued token, in seconds.
    pub token_expires_in_secs: u64,
    /// The only `X-API-Key` the Cognigy management API accepts.
    pub cognigy_api_key: String,
    /// How long after a conversation's end analytics starts to know it, in milliseconds
    /// (changeable at run time with `POST /_sim/settings`).
    pub analytics_lag_ms: u64,
    /// State loaded at start (see [`Seed`]).
    pub seed: Option<Seed>,
}

impl Default for SimConfig {
    /// A client `sim-client` / `sim-secret` with day-long tokens, the key
    /// [`DEFAULT_COGNIGY_API_KEY`], no analytics lag and no seed.
    fn default() -> Self {
        Self {
            client_id: "sim-client".to_owned(),
            client_secret: "sim-secret".to_owned(),
            token_expires_in_secs: 86_400,
            cognigy_api_key: DEFAULT_COGNIGY_API_KEY.to_owned(),
            analytics_lag_ms: 0,
            seed: None,
        }
    }
}

impl SimConfig {
    /// The simulator's configuration from the shared settings: the OAuth client comes from the
    /// `genesys` section and the management API key from `cognigy.api_key`
    /// (`CXRELAY_COGNIGY__API_KEY`, default [`DEFAULT_COGNIGY_API_KEY`]), so the simulator
    /// and the worker read the same credentials.
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
        let cognigy_api_key = settings
            .cognigy
            .api_key
            .as_ref()
            .map(|key| key.expose_secret().to_owned())
            .filter(|key| !key.is_empty())
            .unwrap_or_else(|| DEFAULT_COGNIGY_API_KEY.to_owned());
        Ok(Self {
            client_id,
            client_secret,
            token_expires_in_secs: settings.sim.token_expires_in_secs,
            cognigy_api_key,
            ..Self::default()
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
    contract: ContractLog,
    tokens: TokenStore,
    faults: FaultBook,
    chaos: ChaosBook,
    holds: Holds,
    executions: ExecutionStore,
    flows: FlowStore,
    queues: QueueStore,
    rate: RateWindow,
    settings: RuntimeSettings,
    conversations: ConversationStore,
    triggers: TriggerStore,
    cognigy: ResourceStore,
    cognigy_sessions: SessionStore,
}

impl SimState {
    /// Fresh state: no calls, tokens, faults, chaos, executions, conversations or Cognigy
    /// resources (the config's seed is applied by [`crate::start`], not here).
    pub fn new(config: SimConfig) -> Self {
        let settings = RuntimeSettings::new(config.analytics_lag_ms);
        Self {
            inner: Arc::new(Inner {
                config,
                calls: CallLog::default(),
                contract: ContractLog::default(),
                tokens: TokenStore::default(),
                faults: FaultBook::default(),
                chaos: ChaosBook::default(),
                holds: Holds::default(),
                executions: ExecutionStore::default(),
                flows: FlowStore::default(),
                queues: QueueStore::default(),
                rate: RateWindow::default(),
                settings,
                conversations: ConversationStore::default(),
                triggers: TriggerStore::default(),
                cognigy: ResourceStore::default(),
                cognigy_sessions: SessionStore::default(),
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

    /// Every departure from the vendors' models seen so far.
    pub fn contract(&self) -> &ContractLog {
        &self.inner.contract
    }

    /// Issued OAuth tokens and their expiry.
    pub fn tokens(&self) -> &TokenStore {
        &self.inner.tokens
    }

    /// Pending injected faults.
    pub fn faults(&self) -> &FaultBook {
        &self.inner.faults
    }

    /// Active chaos profiles.
    pub fn chaos(&self) -> &ChaosBook {
        &self.inner.chaos
    }

    /// Answers held on purpose, released when the simulator stops.
    pub fn holds(&self) -> &Holds {
        &self.inner.holds
    }

    /// Launched flow executions.
    pub fn executions(&self) -> &ExecutionStore {
        &self.inner.executions
    }

    /// Flow definitions (`GET /api/v2/flows/{flowId}`).
    pub fn flows(&self) -> &FlowStore {
        &self.inner.flows
    }

    /// Routing queues (`GET /api/v2/routing/queues/{queueId}`).
    pub fn queues(&self) -> &QueueStore {
        &self.inner.queues
    }

    /// The per-minute request counter behind the `inin-ratelimit-*` headers.
    pub fn rate(&self) -> &RateWindow {
        &self.inner.rate
    }

    /// Settings changeable at run time (`/_sim/settings`).
    pub fn settings(&self) -> &RuntimeSettings {
        &self.inner.settings
    }

    /// Genesys conversations.
    pub fn conversations(&self) -> &ConversationStore {
        &self.inner.conversations
    }

    /// Process Automation triggers.
    pub fn triggers(&self) -> &TriggerStore {
        &self.inner.triggers
    }

    /// Cognigy Endpoints and Snapshots.
    pub fn cognigy(&self) -> &ResourceStore {
        &self.inner.cognigy
    }

    /// Cognigy sessions: inputs and outputs per session.
    pub fn cognigy_sessions(&self) -> &SessionStore {
        &self.inner.cognigy_sessions
    }
}

/// Locks `mutex` even if a panicking thread poisoned it: every critical section here only
/// pushes, removes or reads whole entries, so the data stays consistent after a panic and one
/// failed request must not take the simulator down for the rest of a test run.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
