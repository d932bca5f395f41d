//! Layered loading: defaults, optional TOML file, environment.

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;

use super::{ConfigError, Settings};

/// Prefix of every cxrelay environment variable; `__` separates section and field.
pub(super) const ENV_PREFIX: &str = "CXRELAY_";

/// Settings from defaults, then `file` (when given), then the environment.
///
/// A file that is named but missing is an error: a typo in `--config` must not silently fall
/// back to defaults.
pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
    // Every settings struct carries `#[serde(default)]`, so an empty figment extracts the defaults.
    layered(file)?
        .extract_lossy::<Settings>()
        .map_err(first_error)
}

/// The file (when given) and the environment, layered, before anything is checked.
pub(super) fn layered(file: Option<&Path>) -> Result<Figment, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError {
                key: "--config".into(),
                env: "--config".into(),
                problem: format!("file {} does not exist", path.display()),
            });
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    // Environment values go in as the strings they are: figment's own Env provider would read
    // `0123` as the number 123 and so change a key or secret. `extract_lossy` still turns
    // "8080" into a number where a field wants one.
    for (key, value) in environment() {
        figment = figment.merge(Serialized::default(&key, value));
    }
    Ok(figment)
}

/// cxrelay's environment variables as (dotted settings key, raw value) pairs.
fn environment() -> Vec<(String, String)> {
    let prefixed = Env::prefixed(ENV_PREFIX).split("__");
    let urls = Env::raw().only(&["DATABASE_URL", "AMQP_URL"]).map(|key| {
        key.as_str()
            .to_ascii_lowercase()
            .replacen('_', ".", 1)
            .into()
    });
    prefixed
        .iter()
        .chain(urls.iter())
        .map(|(key, value)| (key.as_str().to_owned(), value))
        .collect()
}

/// The environment variable that sets a dotted settings key.
pub fn env_name(key: &str) -> String {
    match key {
        "database.url" => "DATABASE_URL".to_owned(),
        "amqp.url" => "AMQP_URL".to_owned(),
        other => format!(
            "{ENV_PREFIX}{}",
            other.replace('.', "__").to_ascii_uppercase()
        ),
    }
}

fn first_error(error: figment::Error) -> ConfigError {
    // figment reports one error per bad value; the first is enough to fix and re-run.
    let error = error
        .into_iter()
        .next()
        .unwrap_or_else(|| figment::Error::from("unknown"));
    let key = error.path.join(".");
    ConfigError::invalid(&key, error.kind.to_string())
}

#[cfg(test)]
// figment's Jail fixes the closure's error type; its size is not ours to choose.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "cx.toml",
                "[ingress]\naddr = \"127.0.0.1:7000\"\nretry_after_secs = 9\n",
            )?;
            jail.set_env("CXRELAY_INGRESS__ADDR", "127.0.0.1:7001");
            jail.set_env("CXRELAY_INGRESS__API_KEYS", "k1,k2");
            jail.set_env("DATABASE_URL", "postgres://u@h/db");
            jail.set_env("AMQP_URL", "amqp://h");
            let settings = load(Some(Path::new("cx.toml"))).unwrap();
            assert_eq!(settings.ingress.addr.port(), 7001);
            assert_eq!(settings.ingress.retry_after_secs, 9);
            assert_eq!(settings.ingress.admin_addr.port(), 8081);
            assert!(settings.ingress.api_keys.accepts("k2"));
            assert_eq!(
                settings.database.url.unwrap().expose_secret(),
                "postgres://u@h/db"
            );
            assert_eq!(settings.amqp.url.unwrap().expose_secret(), "amqp://h");
            assert_eq!(settings.amqp.prefix, "cxrelay");
            Ok(())
        });
    }

    #[test]
    fn a_malformed_value_names_its_environment_variable() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CXRELAY_INGRESS__ADDR", "not-an-address");
            let err = load(None).unwrap_err();
            assert_eq!(err.env, "CXRELAY_INGRESS__ADDR");
            assert!(err
                .to_string()
                .starts_with("configuration error: CXRELAY_INGRESS__ADDR"));
            Ok(())
        });
    }

    #[test]
    fn numeric_looking_keys_stay_strings() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CXRELAY_INGRESS__API_KEYS", "12345,007,1e5");
            jail.set_env("CXRELAY_GENESYS__CLIENT_ID", "42");
            let settings = load(None).unwrap();
            assert!(settings.ingress.api_keys.accepts("12345"));
            assert!(settings.ingress.api_keys.accepts("007"));
            assert!(settings.ingress.api_keys.accepts("1e5"));
            assert_eq!(settings.genesys.client_id.as_deref(), Some("42"));
            Ok(())
        });
    }

    #[test]
    fn cognigy_endpoints_come_from_nested_environment_names() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__ID", "64f0c0ffee");
            jail.set_env(
                "CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__URL_TOKEN",
                "0123456789",
            );
            jail.set_env(
                "CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__BASE_URL",
                "https://endpoint-app.cognigy.ai",
            );
            jail.set_env(
                "CXRELAY_GENESYS__VIRTUAL_AGENT__MAX_ACTIVE_SESSIONS_PER_BOT",
                "3",
            );
            let settings = load(None).unwrap();
            let endpoint = &settings.cognigy.endpoints["support"];
            assert_eq!(endpoint.id, "64f0c0ffee");
            assert_eq!(endpoint.url_token.expose_secret(), "0123456789");
            assert_eq!(
                endpoint.base_url.host_str(),
                Some("endpoint-app.cognigy.ai")
            );
            assert_eq!(
                settings.genesys.virtual_agent.max_active_sessions_per_bot,
                3
            );
            Ok(())
        });
    }

    #[test]
    fn the_example_file_parses_and_shows_the_defaults() {
        figment::Jail::expect_with(|_| {
            let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cxrelay.example.toml");
            let from_file = load(Some(&example)).unwrap();
            let defaults = Settings::default();
            assert_eq!(
                from_file.worker.retry_delays_ms,
                defaults.worker.retry_delays_ms
            );
            assert_eq!(from_file.worker.retry_jitter, defaults.worker.retry_jitter);
            assert_eq!(
                format!("{:?}", from_file.worker.deadlines),
                format!("{:?}", defaults.worker.deadlines)
            );
            assert_eq!(
                format!("{:?}", from_file.worker.breaker),
                format!("{:?}", defaults.worker.breaker)
            );
            assert_eq!(from_file.genesys.rate, defaults.genesys.rate);
            assert_eq!(from_file.cognigy.rate, defaults.cognigy.rate);
            assert_eq!(
                from_file.worker.shutdown_grace_secs,
                defaults.worker.shutdown_grace_secs
            );
            assert_eq!(
                format!("{:?}", from_file.replay),
                format!("{:?}", defaults.replay)
            );
            assert_eq!(from_file.retention, defaults.retention);
            Ok(())
        });
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err = load(Some(Path::new("/nonexistent/cxrelay.toml"))).unwrap_err();
        assert!(err.problem.contains("does not exist"));
    }

    #[test]
    fn missing_required_settings_are_named() {
        figment::Jail::expect_with(|_| {
            let err = load(None).unwrap().require_ingress().unwrap_err();
            assert_eq!(err.env, "DATABASE_URL");
            Ok(())
        });
    }
}
