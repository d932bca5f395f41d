//! The HTTP clients of the worker (and of the operator commands that call Genesys): one per
//! target, each with its target's request timeout.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cxrelay_core::config::{ConfigError, GenesysEndpoints, Settings};
use secrecy::ExposeSecret;

use crate::genesys::{GenesysClient, TokenProvider};

/// Time allowed to open a TCP connection to any target: a target that does not accept a
/// connection within it is down, whatever its request timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An HTTP client whose every request gives up after `timeout`.
pub fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("cxrelay/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client")
}

/// The Genesys org of the settings, with its token cache; a missing or empty client id or
/// secret is a [`ConfigError`] naming it.
pub fn genesys_client(settings: &Settings) -> anyhow::Result<GenesysClient> {
    let genesys = &settings.genesys;
    let endpoints = GenesysEndpoints::resolve(genesys)?;
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
