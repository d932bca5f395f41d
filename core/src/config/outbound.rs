//! The rule for where cxrelay may call: https only, except for hosts an operator names on
//! purpose (the simulator, a loopback test double).
//!
//! Every outbound call carries a credential: the Genesys client secret and bearer tokens, the
//! Cognigy API key, the URLToken in an Endpoint's path, the signed CRM summary. Over plain http
//! anyone on the path reads them, so a base URL that says `http://` stops start-up unless its
//! host is listed in `outbound.allow_http_hosts`.

use serde::Deserialize;
use url::Url;

use super::{stringish, ConfigError};

/// The only scheme allowed to a host that is not listed in `outbound.allow_http_hosts`.
const HTTPS: &str = "https";
/// The scheme an allowed host may use in addition to https.
const HTTP: &str = "http";

/// Outbound HTTP settings (`CXRELAY_OUTBOUND__*`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutboundSettings {
    /// Hosts that may be called over plain http (the simulator: `127.0.0.1`, `sim`); every other
    /// base URL must be https. Host names only, no scheme or port; comma-separated in the
    /// environment. Empty by default: production calls only https.
    #[serde(deserialize_with = "host_list")]
    pub allow_http_hosts: Vec<String>,
}

/// The hosts of a list or comma-separated string, trimmed, blanks dropped.
fn host_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(stringish::string_list(d)?
        .into_iter()
        .map(|host| host.trim().to_owned())
        .filter(|host| !host.is_empty())
        .collect())
}

impl OutboundSettings {
    /// Checks that `url`, the value of setting `key`, is https, or http to an allowed host.
    ///
    /// The error names the setting and the fix, and shows only the URL's scheme and host: a
    /// URL may carry credentials in its user info, path or query.
    pub fn check_url(&self, key: &str, url: &Url) -> Result<(), ConfigError> {
        let host = url.host_str().unwrap_or_default();
        match url.scheme() {
            HTTPS => Ok(()),
            HTTP if self.allows_http_to(host) => Ok(()),
            HTTP => Err(ConfigError::invalid(
                key,
                format!(
                    "uses http to host '{host}': outbound calls carry credentials and must use \
                     https; to allow plain http to this host on purpose (a local simulator), list \
                     it in outbound.allow_http_hosts (CXRELAY_OUTBOUND__ALLOW_HTTP_HOSTS={})",
                    self.with_host(host)
                ),
            )),
            other => Err(ConfigError::invalid(
                key,
                format!("uses the scheme '{other}': only https (or http to a host in outbound.allow_http_hosts) is called"),
            )),
        }
    }

    /// Whether plain http to `host` is allowed; names compare without letter case, and an IPv6
    /// address with or without its brackets.
    pub fn allows_http_to(&self, host: &str) -> bool {
        let host = bare_host(host);
        !host.is_empty()
            && self
                .allow_http_hosts
                .iter()
                .any(|allowed| bare_host(allowed).eq_ignore_ascii_case(host))
    }

    /// The allowance with `host` added, as the environment variable's value.
    fn with_host(&self, host: &str) -> String {
        let mut hosts: Vec<&str> = self.allow_http_hosts.iter().map(String::as_str).collect();
        hosts.push(host);
        hosts.join(",")
    }
}

/// `host` without surrounding spaces and IPv6 brackets.
fn bare_host(host: &str) -> &str {
    let host = host.trim();
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowing(hosts: &[&str]) -> OutboundSettings {
        OutboundSettings {
            allow_http_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        }
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn https_is_always_allowed() {
        let none = OutboundSettings::default();
        assert!(none
            .check_url("genesys.api_base_url", &url("https://api.mypurecloud.ie"))
            .is_ok());
        assert!(none
            .check_url("crm.webhook_url", &url("https://127.0.0.1:8443/x"))
            .is_ok());
    }

    #[test]
    fn http_is_refused_by_default_with_the_setting_and_the_fix_named() {
        let err = OutboundSettings::default()
            .check_url(
                "cognigy.endpoints.support.base_url",
                &url("http://sim:9090/endpoint"),
            )
            .unwrap_err();
        assert_eq!(err.env, "CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__BASE_URL");
        assert!(err.problem.contains("https"), "{err}");
        assert!(
            err.problem
                .contains("CXRELAY_OUTBOUND__ALLOW_HTTP_HOSTS=sim"),
            "{err}"
        );
    }

    #[test]
    fn http_is_allowed_only_to_a_listed_host() {
        let outbound = allowing(&["127.0.0.1", "Sim", "[::1]"]);
        for allowed in [
            "http://127.0.0.1:9090",
            "http://sim:9090/endpoint",
            "http://SIM",
            "http://[::1]:9090",
        ] {
            assert!(outbound.check_url("k", &url(allowed)).is_ok(), "{allowed}");
        }
        let err = outbound
            .check_url("genesys.login_base_url", &url("http://127.0.0.2:9090"))
            .unwrap_err();
        assert_eq!(err.env, "CXRELAY_GENESYS__LOGIN_BASE_URL");
        assert!(
            err.problem.contains("=127.0.0.1,Sim,[::1],127.0.0.2"),
            "{err}"
        );
        assert!(outbound.check_url("k", &url("http://localhost")).is_err());
    }

    #[test]
    fn the_error_shows_the_host_but_not_the_rest_of_the_url() {
        let err = OutboundSettings::default()
            .check_url(
                "crm.webhook_url",
                &url("http://user:pa55word@crm.example.com/hooks/t0ken?sig=s3cret"),
            )
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("crm.example.com"), "{text}");
        for secret in ["pa55word", "t0ken", "s3cret", "user"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    #[test]
    fn other_schemes_are_refused_even_for_an_allowed_host() {
        let err = allowing(&["sim"])
            .check_url("cognigy.api_base_url", &url("ftp://sim/x"))
            .unwrap_err();
        assert!(err.problem.contains("'ftp'"), "{err}");
    }

    fn settings_calling(url: &str) -> crate::config::Settings {
        let mut settings = crate::config::Settings::default();
        let url = Url::parse(url).unwrap();
        settings.genesys.api_base_url = Some(url.clone());
        settings.genesys.login_base_url = Some(url.clone());
        settings.cognigy.api_base_url = Some(url.clone());
        settings.cognigy.endpoints.insert(
            "support".to_owned(),
            crate::config::CognigyEndpoint {
                id: "e1".to_owned(),
                url_token: "t".to_owned().into(),
                base_url: url.join("endpoint").unwrap(),
            },
        );
        settings.crm.webhook_url = Some(url);
        settings
    }

    #[test]
    fn every_outbound_url_of_the_settings_is_checked() {
        let mut settings = settings_calling("http://127.0.0.1:9090");
        let err = settings.genesys_endpoints().unwrap_err();
        assert_eq!(err.env, "CXRELAY_GENESYS__API_BASE_URL");
        let err = settings.check_outbound_urls().unwrap_err();
        assert_eq!(err.env, "CXRELAY_COGNIGY__API_BASE_URL");
        settings.outbound = allowing(&["127.0.0.1"]);
        assert!(settings.genesys_endpoints().is_ok());
        assert!(settings.check_outbound_urls().is_ok());

        // Each of the others on its own.
        let mut settings = settings_calling("https://example.com");
        settings.genesys.login_base_url = Some(url("http://login.example.com"));
        assert_eq!(
            settings.genesys_endpoints().unwrap_err().env,
            "CXRELAY_GENESYS__LOGIN_BASE_URL"
        );
        let mut settings = settings_calling("https://example.com");
        if let Some(endpoint) = settings.cognigy.endpoints.get_mut("support") {
            endpoint.base_url = url("http://endpoint.example.com");
        }
        assert_eq!(
            settings.check_outbound_urls().unwrap_err().env,
            "CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__BASE_URL"
        );
        let mut settings = settings_calling("https://example.com");
        settings.crm.webhook_url = Some(url("http://crm.example.com/hook"));
        assert_eq!(
            settings.check_outbound_urls().unwrap_err().env,
            "CXRELAY_CRM__WEBHOOK_URL"
        );
    }

    #[test]
    fn a_region_gives_https_hosts_that_pass() {
        let mut settings = crate::config::Settings::default();
        settings.genesys.region = Some("mypurecloud.de".to_owned());
        let endpoints = settings.genesys_endpoints().unwrap();
        assert_eq!(endpoints.api_base.scheme(), "https");
    }

    #[test]
    fn the_environment_form_is_a_comma_list() {
        let outbound: OutboundSettings =
            serde_json::from_str(r#"{"allow_http_hosts": "127.0.0.1, sim,"}"#).unwrap();
        assert_eq!(outbound.allow_http_hosts, ["127.0.0.1", "sim"]);
        assert!(outbound.allows_http_to("sim"));
    }
}
