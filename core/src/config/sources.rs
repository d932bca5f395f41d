//! Who may send webhooks: the inbound sources, the credentials of each, and which sources each
//! public route accepts.

use serde::{Deserialize, Deserializer, Serialize};

use super::{stringish, NamedSecrets};

/// Where an inbound webhook comes from. Each source has its own keys, so a key given to Cognigy
/// cannot be used on a Genesys route, and rotating one platform's key leaves the other alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Cognigy.AI: HTTP Request nodes of its Flows.
    Cognigy,
    /// Genesys Cloud: data actions, workflows, Open Messaging webhooks.
    Genesys,
    /// Any other backend.
    Api,
}

impl Source {
    /// Every source, in the order they are tried.
    pub const ALL: [Source; 3] = [Source::Cognigy, Source::Genesys, Source::Api];

    /// The name in settings, events and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cognigy => "cognigy",
            Source::Genesys => "genesys",
            Source::Api => "api",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signature header Genesys Open Messaging sends (`sha256=<base64 HMAC-SHA256 of the body>`).
pub const DEFAULT_SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// How far a signed timestamp may be from now, either way: long enough for clock skew and a
/// retried delivery, short enough that a captured request cannot be replayed for long.
pub const DEFAULT_TIMESTAMP_TOLERANCE_SECS: u64 = 300;

/// The credentials of one source (`CXRELAY_INGRESS__SOURCES__<SOURCE>__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SourceSettings {
    /// API keys as `name:key` (comma-separated in the environment). Two keys valid at once is a
    /// rotation; removing one revokes it alone. Only from env or a file.
    pub keys: NamedSecrets,
    /// HMAC-SHA256 secrets as `name:secret`. When any is set, every request of this source must
    /// carry a valid signature of its raw body. Only from env or a file.
    pub hmac_secrets: NamedSecrets,
    /// Header carrying the signature: `sha256=<base64>` or `sha256=<hex>`.
    #[serde(deserialize_with = "stringish::string")]
    pub signature_header: String,
    /// Header carrying a Unix timestamp (seconds) that is signed with the body as
    /// `<timestamp>.<body>`; unset, the body alone is signed and no window applies.
    #[serde(deserialize_with = "stringish::option_string")]
    pub timestamp_header: Option<String>,
    /// How far the signed timestamp may be from now, in seconds.
    pub timestamp_tolerance_secs: u64,
}

impl Default for SourceSettings {
    fn default() -> Self {
        Self {
            keys: NamedSecrets::default(),
            hmac_secrets: NamedSecrets::default(),
            signature_header: DEFAULT_SIGNATURE_HEADER.to_owned(),
            timestamp_header: None,
            timestamp_tolerance_secs: DEFAULT_TIMESTAMP_TOLERANCE_SECS,
        }
    }
}

impl SourceSettings {
    /// Whether anything can authenticate as this source.
    pub fn has_credentials(&self) -> bool {
        !self.keys.is_empty() || !self.hmac_secrets.is_empty()
    }
}

/// The three sources' credentials (`[ingress.sources.cognigy]`, ...).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SourcesSettings {
    /// Cognigy.AI's credentials.
    pub cognigy: SourceSettings,
    /// Genesys Cloud's credentials.
    pub genesys: SourceSettings,
    /// Any other backend's credentials (the legacy `ingress.api_keys` add to these).
    pub api: SourceSettings,
}

impl SourcesSettings {
    /// The settings of `source`.
    pub fn get(&self, source: Source) -> &SourceSettings {
        match source {
            Source::Cognigy => &self.cognigy,
            Source::Genesys => &self.genesys,
            Source::Api => &self.api,
        }
    }
}

/// Which sources each public route accepts (`CXRELAY_INGRESS__ROUTE_SOURCES__FALLBACK=cognigy`).
/// A valid key of another source is refused with 403.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RouteSources {
    /// `POST /v1/cognigy/fallback`.
    #[serde(deserialize_with = "source_list")]
    pub fallback: Vec<Source>,
    /// `POST /v1/cognigy/bot-failure`.
    #[serde(deserialize_with = "source_list")]
    pub bot_failure: Vec<Source>,
    /// `POST /v1/genesys/bot-sessions`.
    #[serde(deserialize_with = "source_list")]
    pub bot_sessions: Vec<Source>,
    /// `POST /v1/cognigy/flow-runs`.
    #[serde(deserialize_with = "source_list")]
    pub flow_runs: Vec<Source>,
    /// `POST /v1/genesys/virtual-agent-sessions`.
    #[serde(deserialize_with = "source_list")]
    pub virtual_agent_sessions: Vec<Source>,
    /// `POST /v1/genesys/conversation-events`.
    #[serde(deserialize_with = "source_list")]
    pub conversation_events: Vec<Source>,
    /// `GET /v1/events/{id}`.
    #[serde(deserialize_with = "source_list")]
    pub events: Vec<Source>,
}

impl Default for RouteSources {
    /// A platform may call the routes it is the caller of, and any backend (`api`) every route:
    /// Cognigy's routes take `cognigy` and `api`, Genesys's take `genesys` and `api`, and event
    /// status is open to all three.
    fn default() -> Self {
        use Source::{Api, Cognigy, Genesys};
        Self {
            fallback: vec![Cognigy, Api],
            bot_failure: vec![Cognigy, Api],
            bot_sessions: vec![Genesys, Api],
            flow_runs: vec![Cognigy, Api],
            virtual_agent_sessions: vec![Genesys, Api],
            conversation_events: vec![Genesys, Api],
            events: vec![Cognigy, Genesys, Api],
        }
    }
}

impl RouteSources {
    /// Each route's settings name with the sources it accepts.
    pub fn by_name(&self) -> [(&'static str, &[Source]); 7] {
        [
            ("fallback", &self.fallback),
            ("bot_failure", &self.bot_failure),
            ("bot_sessions", &self.bot_sessions),
            ("flow_runs", &self.flow_runs),
            ("virtual_agent_sessions", &self.virtual_agent_sessions),
            ("conversation_events", &self.conversation_events),
            ("events", &self.events),
        ]
    }
}

/// A list of sources: a TOML array or a comma-separated string; an unknown name is an error that
/// lists the known ones.
fn source_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Source>, D::Error> {
    let mut sources = Vec::new();
    for name in stringish::string_list(d)? {
        if name.trim().is_empty() {
            continue;
        }
        let source = Source::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown source '{}': use cognigy, genesys or api",
                name.trim()
            ))
        })?;
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_list_parses_from_the_environment_form() {
        let routes: RouteSources =
            serde_json::from_value(serde_json::json!({"fallback": "cognigy, API,cognigy"}))
                .unwrap();
        assert_eq!(routes.fallback, vec![Source::Cognigy, Source::Api]);
        assert_eq!(routes.events, RouteSources::default().events);
    }

    #[test]
    fn an_unknown_source_names_the_known_ones() {
        let err = serde_json::from_value::<RouteSources>(serde_json::json!({"events": "crm"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown source 'crm'"), "{err}");
        assert!(err.contains("cognigy, genesys or api"), "{err}");
    }

    #[test]
    fn source_settings_print_no_secret() {
        let settings: SourceSettings = serde_json::from_value(serde_json::json!({
            "keys": "old:k-0ld-s3cret,new:k-n3w-s3cret",
            "hmac_secrets": ["sig:h-s3cret"],
        }))
        .unwrap();
        assert!(settings.has_credentials());
        let printed = format!("{settings:?}");
        assert!(
            printed.contains("old") && printed.contains("sig"),
            "{printed}"
        );
        assert!(!printed.contains("s3cret"), "{printed}");
    }
}
