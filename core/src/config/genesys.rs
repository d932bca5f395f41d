//! Where the Genesys API and login hosts are, from a region domain or explicit overrides.

use url::Url;

use super::{ConfigError, GenesysSettings};

/// Region domains of Genesys Cloud (contracts.md): API host `api.{domain}`, login `login.{domain}`.
pub const GENESYS_REGIONS: &[&str] = &[
    "mypurecloud.com",
    "mypurecloud.ie",
    "mypurecloud.de",
    "mypurecloud.com.au",
    "mypurecloud.jp",
    "usw2.pure.cloud",
    "cac1.pure.cloud",
    "apne2.pure.cloud",
    "euw2.pure.cloud",
    "aps1.pure.cloud",
    "use2.us-gov-pure.cloud",
    "sae1.pure.cloud",
    "mec1.pure.cloud",
    "apne3.pure.cloud",
    "euc2.pure.cloud",
    "mxc1.pure.cloud",
    "apse1.pure.cloud",
    "edee1.eusc-pure.cloud",
];

/// The two Genesys base URLs the worker calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenesysEndpoints {
    /// Base of `/api/v2/...`.
    pub api_base: Url,
    /// Base of `/oauth/token`.
    pub login_base: Url,
}

impl GenesysEndpoints {
    /// Overrides win; otherwise both hosts come from the region, which must be a known domain.
    pub fn resolve(settings: &GenesysSettings) -> Result<Self, ConfigError> {
        let from_region = |host: &str| -> Result<Url, ConfigError> {
            let region = settings
                .region
                .as_deref()
                .filter(|r| !r.is_empty())
                .ok_or_else(|| {
                    ConfigError::invalid(
                        "genesys.region",
                        "is required unless both genesys.api_base_url and genesys.login_base_url are set",
                    )
                })?;
            if !GENESYS_REGIONS.contains(&region) {
                return Err(ConfigError::invalid(
                    "genesys.region",
                    format!(
                        "'{region}' is not a Genesys Cloud region domain (e.g. mypurecloud.ie)"
                    ),
                ));
            }
            Url::parse(&format!("https://{host}.{region}"))
                .map_err(|e| ConfigError::invalid("genesys.region", e.to_string()))
        };
        let api_base = match &settings.api_base_url {
            Some(url) => url.clone(),
            None => from_region("api")?,
        };
        let login_base = match &settings.login_base_url {
            Some(url) => url.clone(),
            None => from_region("login")?,
        };
        Ok(Self {
            api_base,
            login_base,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_gives_the_api_and_login_hosts() {
        let settings = GenesysSettings {
            region: Some("mypurecloud.ie".into()),
            ..GenesysSettings::default()
        };
        let endpoints = GenesysEndpoints::resolve(&settings).unwrap();
        assert_eq!(endpoints.api_base.as_str(), "https://api.mypurecloud.ie/");
        assert_eq!(
            endpoints.login_base.as_str(),
            "https://login.mypurecloud.ie/"
        );
    }

    #[test]
    fn an_unknown_region_is_named_in_the_error() {
        let settings = GenesysSettings {
            region: Some("example.com".into()),
            ..GenesysSettings::default()
        };
        let err = GenesysEndpoints::resolve(&settings).unwrap_err();
        assert_eq!(err.env, "CXRELAY_GENESYS__REGION");
        assert!(err.problem.contains("example.com"));
    }

    #[test]
    fn overrides_need_no_region() {
        let url = Url::parse("http://127.0.0.1:9090").unwrap();
        let settings = GenesysSettings {
            api_base_url: Some(url.clone()),
            login_base_url: Some(url.clone()),
            ..GenesysSettings::default()
        };
        let endpoints = GenesysEndpoints::resolve(&settings).unwrap();
        assert_eq!(endpoints.api_base, url);
    }
}
