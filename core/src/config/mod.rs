//! Typed settings of every cxrelay binary.
//!
//! Layering (later wins): built-in defaults, then an optional TOML file (`--config`), then the
//! environment: `CXRELAY_<SECTION>__<FIELD>` plus `DATABASE_URL` and `AMQP_URL` by their usual
//! names. Each binary then checks the settings it needs with one of the `require_*` methods, so a
//! missing setting stops start-up with one line naming it.

mod api_keys;
mod body_limits;
mod delivery;
mod error;
#[cfg(test)]
// figment's Jail fixes the closure's error type; its size is not ours to choose.
#[allow(clippy::result_large_err)]
mod example_file;
mod genesys;
mod keys;
mod load;
mod named_secrets;
mod outbound;
mod problems;
mod replay;
mod retention;
mod sources;
mod stringish;

pub use api_keys::ApiKeys;
pub use body_limits::MAX_JSON_DEPTH_CEILING;
pub use delivery::{
    BreakerSettings, DeadlineSettings, RateSettings, DEFAULT_RETRY_DELAYS_MS, DEFAULT_RETRY_JITTER,
};
pub use error::ConfigError;
pub use genesys::{GenesysEndpoints, GENESYS_REGIONS};
pub use keys::{is_setting, key_matches, key_of_env, setting_keys, ANY_NAME};
pub use load::{env_name, load};
pub use named_secrets::{AdminTokens, NamedSecrets};
pub use outbound::OutboundSettings;
pub use problems::{load_checked, unknown_variables, CheckedSettings};
pub use replay::ReplaySettings;
pub use retention::RetentionSettings;
pub use sources::{
    RouteSources, Source, SourceSettings, SourcesSettings, DEFAULT_SIGNATURE_HEADER,
    DEFAULT_TIMESTAMP_TOLERANCE_SECS,
};

use std::collections::BTreeMap;
use std::net::SocketAddr;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

/// All settings; every section has defaults so that a partial file or environment is enough.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Postgres connection.
    pub database: DatabaseSettings,
    /// RabbitMQ connection and naming.
    pub amqp: AmqpSettings,
    /// Public webhook listener and its admin listener.
    pub ingress: IngressSettings,
    /// Queue consumers that call Genesys and Cognigy.
    pub worker: WorkerSettings,
    /// Genesys Cloud org and OAuth client.
    pub genesys: GenesysSettings,
    /// Cognigy.AI tenant: management API and Endpoints.
    pub cognigy: CognigySettings,
    /// Optional CRM webhook that receives signed conversation summaries.
    pub crm: CrmSettings,
    /// Where outbound calls may go over plain http (nowhere by default).
    pub outbound: OutboundSettings,
    /// How long attempts, audit rows and final events are kept.
    pub retention: RetentionSettings,
    /// The Genesys/Cognigy simulator used for the demo and the tests.
    pub sim: SimSettings,
    /// Log output.
    pub log: LogSettings,
    /// Replays of dead events: `cxrelay replay` and the admin API.
    pub replay: ReplaySettings,
}

/// Postgres settings (`DATABASE_URL`, `CXRELAY_DATABASE__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// Connection URL; may carry a password, hence secret.
    #[serde(deserialize_with = "stringish::option_secret")]
    pub url: Option<SecretString>,
    /// Pool size per process.
    pub max_connections: u32,
    /// How long to wait for a pooled connection before failing the request, in milliseconds.
    pub acquire_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 10,
            acquire_timeout_ms: 5_000,
        }
    }
}

/// RabbitMQ settings (`AMQP_URL`, `CXRELAY_AMQP__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AmqpSettings {
    /// Connection URL; may carry a password, hence secret.
    #[serde(deserialize_with = "stringish::option_secret")]
    pub url: Option<SecretString>,
    /// Prefix of every exchange and queue, so that several deployments (and tests) share a broker.
    #[serde(deserialize_with = "stringish::string")]
    pub prefix: String,
}

impl Default for AmqpSettings {
    fn default() -> Self {
        Self {
            url: None,
            prefix: "cxrelay".to_owned(),
        }
    }
}

/// Ingress settings (`CXRELAY_INGRESS__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IngressSettings {
    /// Public webhook listener.
    pub addr: SocketAddr,
    /// Admin listener (health, readiness, metrics, OpenAPI, replay API); bind it to a private
    /// address.
    pub admin_addr: SocketAddr,
    /// Legacy inbound API keys, added to source `api` (comma-separated in the environment).
    /// Only from env or a file.
    pub api_keys: ApiKeys,
    /// Each inbound source's keys and HMAC secrets.
    pub sources: SourcesSettings,
    /// Which sources each public route accepts.
    pub route_sources: RouteSources,
    /// Named bearer tokens of the admin listener (`name:token`, comma-separated); every admin
    /// route but `/healthz` needs one, and none configured closes them all.
    pub admin_tokens: AdminTokens,
    /// Serve `/metrics` on the admin listener without a token (for a scraper on a private
    /// network that cannot send one).
    pub metrics_open: bool,
    /// Largest accepted request body in bytes. Cognigy's HTTP Request node sends at most 65 kB.
    pub body_limit_bytes: usize,
    /// Most objects and arrays nested in one another in a request body, the body's own object
    /// being the first (1 to [`MAX_JSON_DEPTH_CEILING`]); checked while the body is read, so a
    /// deeper body is refused at this depth whatever its size.
    pub max_json_depth: usize,
    /// Longest string or key anywhere in a request body, in characters. Each kind's fields have
    /// their own, smaller limits; this one bounds free-form `data` and `attributes`.
    pub max_string_chars: usize,
    /// How long a request waits for the broker's publisher confirm before answering 503.
    pub confirm_timeout_ms: u64,
    /// `Retry-After` seconds sent with a 503 when the broker cannot take the event.
    pub retry_after_secs: u32,
    /// A matched intent whose score is under this threshold still counts as a fallback.
    pub intent_score_threshold: f64,
    /// Look each request with an `Idempotency-Key` or a natural key up among the recorded
    /// events before publishing it: a repeat of a recorded event is answered at once, with
    /// `Idempotent-Replayed: true`, and not published again. Off, every request is published
    /// and the worker recognises and counts the repeat as it does a repeat still queued:
    /// intake never waits for Postgres, which on a small machine is worth about a third more
    /// events a second (bench/RESULTS.md).
    pub repeat_lookup: bool,
}

impl Default for IngressSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            admin_addr: SocketAddr::from(([127, 0, 0, 1], 8081)),
            api_keys: ApiKeys::default(),
            sources: SourcesSettings::default(),
            route_sources: RouteSources::default(),
            admin_tokens: AdminTokens::default(),
            metrics_open: false,
            body_limit_bytes: 64 * 1024,
            max_json_depth: 32,
            max_string_chars: 16 * 1024,
            confirm_timeout_ms: 5_000,
            retry_after_secs: 5,
            intent_score_threshold: 0.5,
            repeat_lookup: true,
        }
    }
}

/// Worker settings (`CXRELAY_WORKER__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WorkerSettings {
    /// Admin listener (health, readiness).
    pub admin_addr: SocketAddr,
    /// Unacknowledged deliveries the broker hands one worker at once; bounds memory and the
    /// number of events in flight.
    pub prefetch: u16,
    /// Delay before each retry, in milliseconds (comma-separated in the environment). Each
    /// is a broker queue whose messages come back to work when the delay is over; the event is
    /// dead once every delay has been used.
    #[serde(deserialize_with = "stringish::u64_list")]
    pub retry_delays_ms: Vec<u64>,
    /// Each retry delay is spread by up to this share either way (0 to 0.5).
    pub retry_jitter: f64,
    /// How long after intake each kind may still be carried out.
    pub deadlines: DeadlineSettings,
    /// When a target's circuit breaker opens and how long it stays open.
    pub breaker: BreakerSettings,
    /// On SIGTERM, how long in-flight events may take to finish before they are handed back
    /// to the broker, in seconds.
    pub shutdown_grace_secs: u64,
    /// How often a worker tells Postgres it is alive; replicas share the targets' rates by
    /// the number of live workers.
    pub heartbeat_interval_ms: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            admin_addr: SocketAddr::from(([127, 0, 0, 1], 8082)),
            prefetch: 64,
            retry_delays_ms: DEFAULT_RETRY_DELAYS_MS.to_vec(),
            retry_jitter: DEFAULT_RETRY_JITTER,
            deadlines: DeadlineSettings::default(),
            breaker: BreakerSettings::default(),
            shutdown_grace_secs: 30,
            heartbeat_interval_ms: 1_000,
        }
    }
}

/// Genesys Cloud settings (`CXRELAY_GENESYS__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GenesysSettings {
    /// Region domain, e.g. `mypurecloud.ie`; gives `https://api.{region}` and `https://login.{region}`.
    #[serde(deserialize_with = "stringish::option_string")]
    pub region: Option<String>,
    /// Override of the API base URL (a proxy or the simulator).
    pub api_base_url: Option<Url>,
    /// Override of the login base URL (a proxy or the simulator).
    pub login_base_url: Option<Url>,
    /// OAuth client id (client-credentials grant).
    #[serde(deserialize_with = "stringish::option_string")]
    pub client_id: Option<String>,
    /// OAuth client secret. Only from env or a file.
    #[serde(deserialize_with = "stringish::option_secret")]
    pub client_secret: Option<SecretString>,
    /// Workflow launched for `cognigy.fallback` events.
    #[serde(deserialize_with = "stringish::option_string")]
    pub fallback_flow_id: Option<String>,
    /// Timeout of every Genesys HTTP call, in milliseconds.
    pub request_timeout_ms: u64,
    /// Queue (its IVR) that failed bot calls are transferred to when the event names none.
    #[serde(deserialize_with = "stringish::option_string")]
    pub fallback_queue_id: Option<String>,
    /// Queue of human agents that virtual-agent conversations escalate to.
    #[serde(deserialize_with = "stringish::option_string")]
    pub human_queue_id: Option<String>,
    /// When virtual-agent conversations escalate and how many a bot may hold.
    pub virtual_agent: VirtualAgentSettings,
    /// The org's sending address of agentless messages, per messenger type.
    pub messaging_from: MessagingFromSettings,
    /// How long after a conversation ended its analytics are waited for before giving up.
    pub analytics_max_wait_secs: u64,
    /// Requests per second to the Genesys API, for all worker replicas together.
    pub rate: RateSettings,
}

impl Default for GenesysSettings {
    fn default() -> Self {
        Self {
            region: None,
            api_base_url: None,
            login_base_url: None,
            client_id: None,
            client_secret: None,
            fallback_flow_id: None,
            request_timeout_ms: 10_000,
            fallback_queue_id: None,
            human_queue_id: None,
            virtual_agent: VirtualAgentSettings::default(),
            messaging_from: MessagingFromSettings::default(),
            analytics_max_wait_secs: 300,
            rate: RateSettings::GENESYS_DEFAULT,
        }
    }
}

/// Cognigy.AI settings (`CXRELAY_COGNIGY__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CognigySettings {
    /// Management API base, e.g. `https://api-app.cognigy.ai` (paths `/new/v2.0/...`).
    pub api_base_url: Option<Url>,
    /// Management API key (`X-API-Key`). Only from env or a file.
    #[serde(deserialize_with = "stringish::option_secret")]
    pub api_key: Option<SecretString>,
    /// Endpoints cxrelay may talk to, by the name callers use (lower-case in the environment:
    /// `CXRELAY_COGNIGY__ENDPOINTS__<NAME>__URL_TOKEN`).
    pub endpoints: BTreeMap<String, CognigyEndpoint>,
    /// Endpoint used by `genesys.bot_session` events that name none.
    #[serde(deserialize_with = "stringish::option_string")]
    pub default_endpoint: Option<String>,
    /// Text sent back to a fallback user through `endpoint/notify`; `{flowExecutionId}` and
    /// `{sessionId}` are replaced.
    #[serde(deserialize_with = "stringish::string")]
    pub notify_template: String,
    /// How long an Endpoint's active/snapshot answer is trusted before asking again.
    pub snapshot_cache_secs: u64,
    /// Idle time after which a flow-run session expires (each turn extends it).
    pub session_ttl_secs: u64,
    /// Timeout of every Cognigy call; a Flow answers after it ran, which takes seconds.
    pub request_timeout_ms: u64,
    /// Requests per second to Cognigy (Endpoints and management API together), for all worker
    /// replicas together.
    pub rate: RateSettings,
}

impl Default for CognigySettings {
    fn default() -> Self {
        Self {
            api_base_url: None,
            api_key: None,
            endpoints: BTreeMap::new(),
            default_endpoint: None,
            notify_template:
                "Your conversation was handed to our team (reference {flowExecutionId}).".to_owned(),
            snapshot_cache_secs: 60,
            session_ttl_secs: 30 * 60,
            request_timeout_ms: 20_000,
            rate: RateSettings::COGNIGY_DEFAULT,
        }
    }
}

/// One Cognigy Endpoint: where to send turns, and its id for the management API.
#[derive(Debug, Clone, Deserialize)]
pub struct CognigyEndpoint {
    /// Endpoint `_id` in the management API.
    #[serde(deserialize_with = "stringish::string")]
    pub id: String,
    /// The Endpoint's URLToken: the only credential of the Endpoint. Only from env or a file.
    #[serde(deserialize_with = "stringish::secret")]
    pub url_token: SecretString,
    /// Endpoint host, e.g. `https://endpoint-app.cognigy.ai`; turns go to `{base_url}/{URLToken}`.
    pub base_url: Url,
}

/// CRM webhook settings (`CXRELAY_CRM__*`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CrmSettings {
    /// Where conversation summaries are POSTed; none configured means none are sent.
    pub webhook_url: Option<Url>,
    /// HMAC-SHA256 key of `X-Cxrelay-Signature`. Only from env or a file.
    #[serde(deserialize_with = "stringish::option_secret")]
    pub webhook_secret: Option<SecretString>,
}

/// Virtual-agent policy (`CXRELAY_GENESYS__VIRTUAL_AGENT__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct VirtualAgentSettings {
    /// Under this intent score the customer goes to a human.
    pub intent_score_threshold: f64,
    /// Under this sentiment (-1..1) the customer goes to a human.
    pub sentiment_threshold: f64,
    /// Active sessions one bot may hold; more are refused (`concurrency_limit`).
    pub max_active_sessions_per_bot: u32,
}

impl Default for VirtualAgentSettings {
    fn default() -> Self {
        Self {
            intent_score_threshold: 0.5,
            sentiment_threshold: -0.3,
            max_active_sessions_per_bot: 100,
        }
    }
}

/// The `fromAddress` of agentless messages (`CXRELAY_GENESYS__MESSAGING_FROM__*`), which
/// Genesys requires (SDK model `SendAgentlessOutboundMessageRequest`): per messenger type, the
/// org's SMS number or the messaging integration's id. An event's own `fromAddress` wins; an
/// agentless message with neither is dead `not_configured`, without a call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MessagingFromSettings {
    /// The org's SMS number (E.164), for `sms`.
    #[serde(deserialize_with = "stringish::option_string")]
    pub sms: Option<String>,
    /// The WhatsApp integration's id, for `whatsapp`.
    #[serde(deserialize_with = "stringish::option_string")]
    pub whatsapp: Option<String>,
    /// The Open Messaging integration's id, for `open`.
    #[serde(deserialize_with = "stringish::option_string")]
    pub open: Option<String>,
}

impl MessagingFromSettings {
    /// Every messenger type with its setting's key and value.
    pub fn by_type(&self) -> [(&'static str, &'static str, Option<&str>); 3] {
        [
            ("sms", "genesys.messaging_from.sms", self.sms.as_deref()),
            (
                "whatsapp",
                "genesys.messaging_from.whatsapp",
                self.whatsapp.as_deref(),
            ),
            ("open", "genesys.messaging_from.open", self.open.as_deref()),
        ]
    }

    /// The configured sender of `messenger_type` messages, if any.
    pub fn of(&self, messenger_type: &str) -> Option<&str> {
        self.by_type()
            .into_iter()
            .find(|(kind, _, _)| *kind == messenger_type)
            .and_then(|(_, _, from)| from)
            .filter(|from| !from.is_empty())
    }
}

/// Simulator settings (`CXRELAY_SIM__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SimSettings {
    /// Listener of the simulator (serves both the Genesys login and API hosts).
    pub addr: SocketAddr,
    /// `expires_in` of the tokens the simulator issues, in seconds (Genesys: 300..172800).
    pub token_expires_in_secs: u64,
}

impl Default for SimSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 9090)),
            token_expires_in_secs: 86_400,
        }
    }
}

/// Log settings (`CXRELAY_LOG__*`); `RUST_LOG` overrides the level filter.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// Level filter, in `tracing_subscriber::EnvFilter` syntax.
    #[serde(deserialize_with = "stringish::string")]
    pub level: String,
    /// `pretty` for people, `json` for log shippers.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Pretty,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl Settings {
    /// The Postgres URL, or the error naming `DATABASE_URL`.
    pub fn require_database_url(&self) -> Result<&SecretString, ConfigError> {
        self.database
            .url
            .as_ref()
            .ok_or_else(|| ConfigError::missing("database.url"))
    }

    /// The RabbitMQ URL, or the error naming `AMQP_URL`.
    pub fn require_amqp_url(&self) -> Result<&SecretString, ConfigError> {
        self.amqp
            .url
            .as_ref()
            .ok_or_else(|| ConfigError::missing("amqp.url"))
    }

    /// Checks what the ingress needs: database, broker and at least one inbound API key.
    pub fn require_ingress(&self) -> Result<(), ConfigError> {
        self.require_database_url()?;
        self.require_amqp_url()?;
        let any_source = Source::ALL
            .into_iter()
            .any(|source| self.ingress.sources.get(source).has_credentials());
        if self.ingress.api_keys.is_empty() && !any_source {
            return Err(ConfigError::invalid(
                "ingress.sources",
                "no inbound source has a key or an HMAC secret: set \
                 CXRELAY_INGRESS__SOURCES__API__KEYS=name:key (or the COGNIGY or GENESYS source's \
                 KEYS or HMAC_SECRETS)",
            ));
        }
        self.replay.check()?;
        body_limits::check(&self.ingress)?;
        self.check_amqp_prefix()
    }

    /// Checks what the worker needs: database, broker, the Genesys org and its credentials.
    pub fn require_worker(&self) -> Result<GenesysEndpoints, ConfigError> {
        self.require_database_url()?;
        self.require_amqp_url()?;
        self.check_amqp_prefix()?;
        let endpoints = self.genesys_endpoints()?;
        self.check_outbound_urls()?;
        if self.genesys.client_id.as_deref().unwrap_or("").is_empty() {
            return Err(ConfigError::missing("genesys.client_id"));
        }
        if self.genesys.client_secret.is_none() {
            return Err(ConfigError::missing("genesys.client_secret"));
        }
        if self
            .genesys
            .fallback_flow_id
            .as_deref()
            .unwrap_or("")
            .is_empty()
        {
            return Err(ConfigError::missing("genesys.fallback_flow_id"));
        }
        self.retention.check()?;
        Ok(endpoints)
    }

    /// The Genesys API and login base URLs, each checked against the outbound rule (https,
    /// or http to a host in `outbound.allow_http_hosts`).
    pub fn genesys_endpoints(&self) -> Result<GenesysEndpoints, ConfigError> {
        let endpoints = GenesysEndpoints::resolve(&self.genesys)?;
        // A region gives https hosts; an override names its own setting.
        let api_key = if self.genesys.api_base_url.is_some() {
            "genesys.api_base_url"
        } else {
            "genesys.region"
        };
        let login_key = if self.genesys.login_base_url.is_some() {
            "genesys.login_base_url"
        } else {
            "genesys.region"
        };
        self.outbound.check_url(api_key, &endpoints.api_base)?;
        self.outbound.check_url(login_key, &endpoints.login_base)?;
        Ok(endpoints)
    }

    /// Checks every Cognigy and CRM URL the worker may call against the outbound rule; the
    /// Genesys ones are checked by [`Settings::genesys_endpoints`].
    pub fn check_outbound_urls(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.cognigy.api_base_url {
            self.outbound.check_url("cognigy.api_base_url", url)?;
        }
        for (name, endpoint) in &self.cognigy.endpoints {
            let key = format!("cognigy.endpoints.{name}.base_url");
            self.outbound.check_url(&key, &endpoint.base_url)?;
        }
        if let Some(url) = &self.crm.webhook_url {
            self.outbound.check_url("crm.webhook_url", url)?;
        }
        Ok(())
    }

    /// The AMQP names of this deployment: prefix and retry tiers.
    pub fn topology(&self) -> crate::amqp::Topology {
        crate::amqp::Topology::new(&self.amqp.prefix)
            .with_delays(&self.worker.retry_delays_ms, self.worker.retry_jitter)
    }

    fn check_amqp_prefix(&self) -> Result<(), ConfigError> {
        let worker = &self.worker;
        delivery::check(
            &worker.retry_delays_ms,
            worker.retry_jitter,
            &worker.breaker,
            &[
                ("genesys.rate.per_sec", self.genesys.rate),
                ("cognigy.rate.per_sec", self.cognigy.rate),
            ],
        )?;
        let prefix = &self.amqp.prefix;
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if prefix.is_empty() || prefix.len() > 100 || !prefix.chars().all(allowed) {
            return Err(ConfigError::invalid(
                "amqp.prefix",
                "must be 1-100 characters of letters, digits, '-', '_' or '.'",
            ));
        }
        Ok(())
    }
}
