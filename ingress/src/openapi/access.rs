//! Who may call what, and where: the security schemes, each operation's requirements, and the
//! listener (server) each path is served on. Authentication is a layer over each whole router
//! (`routes/mod.rs`), so it is documented here once, by the same rule, not per operation.

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::server::Server;
use utoipa::openapi::OpenApi;
use utoipa::Modify;

/// `X-API-Key: <key>`.
pub const API_KEY_HEADER: &str = "apiKeyHeader";
/// `Authorization: ApiKey <key>`.
pub const API_KEY_AUTHORIZATION: &str = "apiKeyAuthorization";
/// `Authorization: Basic base64(<key name>:<key>)`.
pub const BASIC: &str = "basicAuth";
/// The HMAC signature of the raw body.
pub const HMAC_SIGNATURE: &str = "hmacSignature";
/// `Authorization: Bearer <admin token>`.
pub const ADMIN_BEARER: &str = "adminBearer";

/// Paths under this prefix are the public listener's; every other path is the admin listener's.
const PUBLIC_PREFIX: &str = "/v1/";
/// The one admin path open to anyone (liveness probes carry no token).
const OPEN_ADMIN_PATH: &str = "/healthz";
/// The admin path open when `ingress.metrics_open = true`.
const METRICS_PATH: &str = "/metrics";

/// What a path's requests must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// A webhook source's key and/or HMAC signature.
    SourceCredentials,
    /// Nothing.
    Open,
    /// An admin token, unless the path was configured open.
    AdminTokenUnlessOpen,
    /// An admin token.
    AdminToken,
}

/// What requests to `path` must carry: the rule of the auth layers of `routes/mod.rs`.
pub fn guard_of(path: &str) -> Guard {
    if path.starts_with(PUBLIC_PREFIX) {
        Guard::SourceCredentials
    } else if path == OPEN_ADMIN_PATH {
        Guard::Open
    } else if path == METRICS_PATH {
        Guard::AdminTokenUnlessOpen
    } else {
        Guard::AdminToken
    }
}

/// The listener serving `path`.
pub fn listener_of(path: &str) -> Server {
    if path.starts_with(PUBLIC_PREFIX) {
        public_listener()
    } else {
        admin_listener()
    }
}

/// Adds the security schemes, each operation's requirements and each path's listener.
pub struct Access;

impl Modify for Access {
    fn modify(&self, openapi: &mut OpenApi) {
        // Both listeners, as the document's servers; each path names its own below.
        openapi.servers = Some(vec![public_listener(), admin_listener()]);
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, scheme) in schemes() {
            components.add_security_scheme(name, scheme);
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            item.servers = Some(vec![listener_of(path)]);
            let requirements = match guard_of(path) {
                Guard::SourceCredentials => webhook_requirements(),
                Guard::Open => Vec::new(),
                // The empty requirement: no credentials (when metrics are open).
                Guard::AdminTokenUnlessOpen => {
                    vec![requirement(&[ADMIN_BEARER]), SecurityRequirement::default()]
                }
                Guard::AdminToken => vec![requirement(&[ADMIN_BEARER])],
            };
            for operation in operations(item) {
                operation.security = Some(requirements.clone());
            }
        }
    }
}

/// The operations of a path item.
pub fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

/// A key in any of its three forms; or the HMAC signature alone, for a source configured with
/// `hmac_secrets` and no keys; or a key and the signature, for a source with both.
fn webhook_requirements() -> Vec<SecurityRequirement> {
    let keys = [API_KEY_HEADER, API_KEY_AUTHORIZATION, BASIC];
    let mut requirements: Vec<_> = keys.iter().map(|key| requirement(&[key])).collect();
    requirements.push(requirement(&[HMAC_SIGNATURE]));
    requirements.extend(keys.iter().map(|key| requirement(&[key, HMAC_SIGNATURE])));
    requirements
}

/// All of `schemes` together.
fn requirement(schemes: &[&str]) -> SecurityRequirement {
    schemes
        .iter()
        .fold(SecurityRequirement::default(), |all, scheme| {
            all.add::<_, _, String>(*scheme, [])
        })
}

fn schemes() -> Vec<(&'static str, SecurityScheme)> {
    vec![
        (
            API_KEY_HEADER,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "A key of the sending source (`ingress.sources.<source>.keys`, given as \
                 `name:key`; the legacy `ingress.api_keys` are source `api`). Two keys valid at \
                 once allow a rotation; removing one revokes it. The Cognigy HTTP Request node \
                 sends this header (authorization type \"API Key - X-API-Key\").",
            ))),
        ),
        (
            API_KEY_AUTHORIZATION,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The same key as `Authorization: ApiKey <key>` (scheme name in any letter case).",
            ))),
        ),
        (
            BASIC,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "`Authorization: Basic base64(<key name>:<key>)`: the user name is the \
                         key's name, the password the key (as a Genesys Web Services Data Action \
                         with Basic Auth credentials sends them).",
                    ))
                    .build(),
            ),
        ),
        (
            HMAC_SIGNATURE,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Hub-Signature-256",
                "When the source has `hmac_secrets`, an HMAC-SHA256 of the raw body with one of \
                 them: `sha256=<base64>` (as Genesys Open Messaging signs) or `sha256=<hex>`. The \
                 header is the source's `signature_header` (default `X-Hub-Signature-256`). With a \
                 `timestamp_header` configured, the signed content is `<timestamp>.<raw body>` \
                 and the timestamp (Unix seconds) must be within `timestamp_tolerance_secs` \
                 (300) of the ingress's clock. A bad or stale signature is 401, rule \
                 `signature`. A source with keys and secrets needs both.",
            ))),
        ),
        (
            ADMIN_BEARER,
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A named admin token (`CXRELAY_INGRESS__ADMIN_TOKENS=name:token,...`); \
                         its name, never the token, is the audit log's actor. Without any admin \
                         token configured the admin API answers 403.",
                    ))
                    .build(),
            ),
        ),
    ]
}

fn public_listener() -> Server {
    Server::builder()
        .url("http://127.0.0.1:8080")
        .description(Some(
            "The public webhook listener (`ingress.addr`); in production behind TLS, e.g. \
             `https://<your cxrelay host>`.",
        ))
        .build()
}

fn admin_listener() -> Server {
    Server::builder()
        .url("http://127.0.0.1:8081")
        .description(Some(
            "The admin listener (`ingress.admin_addr`): bind it to a private address.",
        ))
        .build()
}
