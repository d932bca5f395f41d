//! The HTTP clients of the worker (and of the operator commands that call Genesys): one per
//! target, each with its target's request timeout.
//!
//! TLS is rustls with the operating system's trust store (reqwest's `rustls-tls-native-roots`,
//! so a corporate CA installed on the host is trusted and nothing else is bundled), with
//! certificate and host-name checks always on: nothing in cxrelay calls the builder's
//! `danger_accept_invalid_*` methods, and none may. Which URLs may be plain http is decided
//! once, at start-up, by `outbound.allow_http_hosts` (see `Settings::check_outbound_urls`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cxrelay_core::config::{ConfigError, Settings};
use secrecy::ExposeSecret;

use crate::genesys::{GenesysClient, TokenProvider};

/// Time allowed to open a TCP connection to any target: a target that does not accept a
/// connection within it is down, whatever its request timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An HTTP client whose every request gives up after `timeout`.
///
/// It follows no redirect: Genesys and Cognigy APIs answer in place, and following one could
/// take a credential elsewhere (reqwest keeps a custom header such as `X-API-Key` on a redirect
/// to another host) or downgrade https to http behind the start-up check. A 3xx is recorded as
/// the answer it is, a permanent failure.
pub fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("cxrelay/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client")
}

/// The Genesys org of the settings, with its token cache; a missing or empty client id or
/// secret, or a base URL that breaks the outbound rule, is a [`ConfigError`] naming it.
pub fn genesys_client(settings: &Settings) -> anyhow::Result<GenesysClient> {
    let genesys = &settings.genesys;
    let endpoints = settings.genesys_endpoints()?;
    let client_id = genesys
        .client_id
        .clone()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ConfigError::missing("genesys.client_id"))?;
    let client_secret = genesys
        .client_secret
        .clone()
        .filter(|secret| !secret.expose_secret().is_empty())
        .ok_or_else(|| ConfigError::missing("genesys.client_secret"))?;
    let http = http_client(Duration::from_millis(genesys.request_timeout_ms))?;
    let tokens = TokenProvider::new(
        http.clone(),
        &endpoints.login_base,
        client_id,
        client_secret,
    );
    Ok(GenesysClient::new(
        http,
        endpoints.api_base,
        Arc::new(tokens),
    ))
}
