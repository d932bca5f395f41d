//! Inbound authentication of the public routes: which source sent a request, under which key,
//! and whether the route accepts that source.
//!
//! A request authenticates as a source by one of the source's API keys (any header form, see
//! [`credentials`]) and, when the source has HMAC secrets, also by a valid signature of its raw
//! body; a source with HMAC secrets and no keys authenticates by the signature alone (Genesys
//! Open Messaging can send nothing else). Keys are compared in constant time, every configured
//! key each time.

mod credentials;
mod signature;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use cxrelay_core::config::{IngressSettings, NamedSecrets, Source};
use cxrelay_core::metrics::AUTH_FAILURES_TOTAL;

use crate::problem::ApiError;
use credentials::Presented;
pub use signature::{SignatureCheck, SignatureFault};

/// Each public route's path and the name of its entry in `ingress.route_sources`.
pub const ROUTE_SETTING_NAMES: &[(&str, &str)] = &[
    ("/v1/cognigy/fallback", "fallback"),
    ("/v1/cognigy/bot-failure", "bot_failure"),
    ("/v1/genesys/bot-sessions", "bot_sessions"),
    ("/v1/cognigy/flow-runs", "flow_runs"),
    (
        "/v1/genesys/virtual-agent-sessions",
        "virtual_agent_sessions",
    ),
    ("/v1/genesys/conversation-events", "conversation_events"),
    ("/v1/events/{id}", "events"),
];

/// Who sent an authenticated request: the source and the name of the key or HMAC secret that
/// proved it (never the secret). Handlers read it from the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The source the credential belongs to.
    pub source: Source,
    /// The configured name of the key or signing secret.
    pub key_name: String,
}

/// One source's credentials.
struct SourceAuth {
    source: Source,
    keys: NamedSecrets,
    signature: Option<SignatureCheck>,
}

/// The authentication of the public listener, built once from the settings.
#[derive(Clone)]
pub struct Authenticator {
    sources: Arc<Vec<SourceAuth>>,
    routes: Arc<HashMap<&'static str, Vec<Source>>>,
    body_limit: usize,
}

impl Authenticator {
    /// From the ingress settings: each source's keys (the legacy `api_keys` join source `api`
    /// as `api-key-1`, `api-key-2`, ...), its HMAC check, and each route's sources.
    pub fn from_settings(settings: &IngressSettings) -> Self {
        let sources = Source::ALL
            .into_iter()
            .map(|source| {
                let configured = settings.sources.get(source);
                let mut keys = configured.keys.clone();
                if source == Source::Api {
                    for (index, key) in settings.api_keys.secrets().enumerate() {
                        keys.push(format!("api-key-{}", index + 1), key.clone());
                    }
                }
                SourceAuth {
                    source,
                    keys,
                    signature: SignatureCheck::from_settings(configured),
                }
            })
            .collect();
        let by_name: HashMap<&str, &[Source]> =
            settings.route_sources.by_name().into_iter().collect();
        let routes = ROUTE_SETTING_NAMES
            .iter()
            .map(|(path, name)| (*path, by_name.get(name).map_or(vec![], |s| s.to_vec())))
            .collect();
        Self {
            sources: Arc::new(sources),
            routes: Arc::new(routes),
            body_limit: settings.body_limit_bytes,
        }
    }

    /// Routes no request can reach, because none of their sources has a credential: worth a
    /// warning at start-up, not an error (a deployment may use only some routes).
    pub fn unreachable_routes(&self) -> Vec<&'static str> {
        let mut unreachable: Vec<&'static str> = self
            .routes
            .iter()
            .filter(|(_, sources)| {
                !sources.iter().any(|s| {
                    let auth = self.source(*s);
                    !auth.keys.is_empty() || auth.signature.is_some()
                })
            })
            .map(|(path, _)| *path)
            .collect();
        unreachable.sort_unstable();
        unreachable
    }

    fn source(&self, source: Source) -> &SourceAuth {
        // `sources` holds every source, in `Source::ALL` order.
        &self.sources[Source::ALL.iter().position(|s| *s == source).unwrap_or(0)]
    }

    /// Who sent a request to `route` with `headers` and `body`, or why it is refused.
    pub fn authenticate(
        &self,
        route: &str,
        headers: &axum::http::HeaderMap,
        body: &[u8],
        now_unix: i64,
    ) -> Result<Caller, ApiError> {
        let allowed = self.routes.get(route).map_or(&[][..], Vec::as_slice);
        let presented = credentials::presented(headers);
        let matched = match &presented {
            Presented::Nothing => None,
            Presented::Malformed => return Err(ApiError::Unauthorized),
            Presented::Key(key) => Some(self.key_owner(|keys| keys.identify(key))),
            Presented::Basic { name, key } => Some(self.key_owner(|keys| {
                keys.matches(name, key)
                    .then(|| keys.names().find(|n| n == name))
                    .flatten()
            })),
        };
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let verify = |auth: &SourceAuth, check: &SignatureCheck| {
            check
                .verify(
                    header(&check.header),
                    check.timestamp_header.as_deref().and_then(header),
                    body,
                    now_unix,
                )
                .map(str::to_owned)
                .map_err(|fault| ApiError::signature(fault, check, auth.source))
        };
        match matched {
            // A credential that no source knows.
            Some(None) => Err(ApiError::Unauthorized),
            Some(Some((auth, key_name))) => {
                if !allowed.contains(&auth.source) {
                    return Err(ApiError::SourceNotAllowed {
                        sender: auth.source,
                        allowed: allowed.to_vec(),
                    });
                }
                if let Some(check) = &auth.signature {
                    verify(auth, check)?;
                }
                Ok(Caller {
                    source: auth.source,
                    key_name,
                })
            }
            // No key: a source of the route that signs instead of sending keys.
            None => {
                let signing_only = allowed
                    .iter()
                    .map(|s| self.source(*s))
                    .find(|auth| auth.keys.is_empty() && auth.signature.is_some());
                match signing_only {
                    Some(auth) => {
                        let check = auth.signature.as_ref().ok_or(ApiError::Unauthorized)?;
                        let key_name = verify(auth, check)?;
                        Ok(Caller {
                            source: auth.source,
                            key_name,
                        })
                    }
                    None => Err(ApiError::Unauthorized),
                }
            }
        }
    }

    /// The source owning the key `find` identifies in a source's key list, with the key's
    /// name. Every source's keys are compared, so timing does not tell which source matched.
    fn key_owner<'a, F>(&'a self, find: F) -> Option<(&'a SourceAuth, String)>
    where
        F: Fn(&'a NamedSecrets) -> Option<&'a str>,
    {
        self.sources.iter().fold(None, |found, auth| {
            let name = find(&auth.keys);
            found.or(name.map(|n| (auth, n.to_owned())))
        })
    }
}

/// Authenticates a request to a public route: reads its body (at most the body limit, 413
/// beyond), checks the credential and signature, and passes the request on with the same body
/// and its [`Caller`] in the extensions. Nothing else runs for a refused request.
pub async fn require_caller(
    State(auth): State<Authenticator>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let route = matched.as_ref().map_or("", MatchedPath::as_str);
    let (mut parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, auth.body_limit)
        .await
        .map_err(|error| ApiError::from_body_error(&error, auth.body_limit))?;
    let now = chrono::Utc::now().timestamp();
    match auth.authenticate(route, &parts.headers, &body, now) {
        Ok(caller) => {
            parts.extensions.insert(caller);
            Ok(next.run(Request::from_parts(parts, Body::from(body))).await)
        }
        Err(error) => {
            let setting = ROUTE_SETTING_NAMES
                .iter()
                .find(|(path, _)| *path == route)
                .map_or("unknown", |(_, name)| name);
            metrics::counter!(AUTH_FAILURES_TOTAL, "route" => setting, "reason" => error.auth_reason())
                .increment(1);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_pre_register_every_route_setting_name() {
        let names: Vec<&str> = ROUTE_SETTING_NAMES.iter().map(|(_, name)| *name).collect();
        assert_eq!(names, cxrelay_core::metrics::AUTH_ROUTES);
    }
}
