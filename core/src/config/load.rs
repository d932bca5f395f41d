//! Layered loading: defaults, optional TOML file, environment.

use std::path::Path;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;

use super::{ConfigError, Settings};

/// Prefix of every cxrelay environment variable; `__` separates section and field.
pub(super) const ENV_PREFIX: &str = "CXRELAY_";

/// Suffix of a variable that names a file holding the value (`..._FILE=/run/secrets/x`), as
/// Docker and Kubernetes mount secrets: the secret then never sits in the environment.
const FILE_SUFFIX: &str = "_file";

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
    for (key, value) in environment()? {
        figment = figment.merge(Serialized::default(&key, value));
    }
    Ok(figment)
}

/// cxrelay's environment variables as (dotted settings key, raw value) pairs; a `..._FILE`
/// variable gives the value of its setting from the file it names (trailing newlines dropped).
fn environment() -> Result<Vec<(String, String)>, ConfigError> {
    let prefixed = Env::prefixed(ENV_PREFIX).split("__");
    let urls = Env::raw()
        .only(&[
            "DATABASE_URL",
            "AMQP_URL",
            "DATABASE_URL_FILE",
            "AMQP_URL_FILE",
        ])
        .map(|key| {
            key.as_str()
                .to_ascii_lowercase()
                .replacen('_', ".", 1)
                .into()
        });
    let mut pairs = Vec::new();
    for (key, value) in prefixed.iter().chain(urls.iter()) {
        let key = key.as_str().to_owned();
        match key.strip_suffix(FILE_SUFFIX) {
            Some(setting) => pairs.push((setting.to_owned(), read_value_file(setting, &value)?)),
            None => pairs.push((key, value)),
        }
    }
    Ok(pairs)
}

/// The value in `path` for `setting`. The error names the variable and the file, never content.
fn read_value_file(setting: &str, path: &str) -> Result<String, ConfigError> {
    let content = std::fs::read_to_string(path).map_err(|error| ConfigError {
        key: setting.to_owned(),
        env: format!("{}_FILE", env_name(setting)),
        problem: format!("cannot read {path}: {error}"),
    })?;
    Ok(content.trim_end_matches(['\n', '\r']).to_owned())
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
    fn a_file_variable_gives_its_setting_the_file_content() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("keys", "genesys-2026:k3y-from-a-file\n")?;
            jail.create_file("db", "postgres://u:pw@h/db\n")?;
            jail.set_env("CXRELAY_INGRESS__SOURCES__GENESYS__KEYS_FILE", "keys");
            jail.set_env("DATABASE_URL_FILE", "db");
            let settings = load(None).unwrap();
            let keys = &settings.ingress.sources.genesys.keys;
            assert_eq!(keys.identify("k3y-from-a-file"), Some("genesys-2026"));
            assert_eq!(
                settings.database.url.unwrap().expose_secret(),
                "postgres://u:pw@h/db"
            );
            jail.set_env("CXRELAY_INGRESS__ADMIN_TOKENS_FILE", "missing-file");
            let err = load(None).unwrap_err();
            assert_eq!(err.env, "CXRELAY_INGRESS__ADMIN_TOKENS_FILE");
            assert!(err.to_string().contains("missing-file"), "{err}");
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
            jail.set_env("CXRELAY_OUTBOUND__ALLOW_HTTP_HOSTS", "127.0.0.1,sim");
            let settings = load(None).unwrap();
            assert!(settings.ingress.api_keys.accepts("12345"));
            assert!(settings.ingress.api_keys.accepts("007"));
            assert!(settings.ingress.api_keys.accepts("1e5"));
            assert_eq!(settings.genesys.client_id.as_deref(), Some("42"));
            assert_eq!(settings.outbound.allow_http_hosts, ["127.0.0.1", "sim"]);
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
            assert_eq!(
                from_file.ingress.route_sources,
                defaults.ingress.route_sources
            );
            assert_eq!(
                from_file.ingress.metrics_open,
                defaults.ingress.metrics_open
            );
            for source in crate::config::Source::ALL {
                let (file, default) = (
                    from_file.ingress.sources.get(source),
                    defaults.ingress.sources.get(source),
                );
                assert_eq!(file.signature_header, default.signature_header);
                assert_eq!(
                    file.timestamp_tolerance_secs,
                    default.timestamp_tolerance_secs
                );
            }
            assert_eq!(
                from_file.outbound.allow_http_hosts,
                defaults.outbound.allow_http_hosts
            );
            assert_eq!(
                (
                    from_file.ingress.body_limit_bytes,
                    from_file.ingress.max_json_depth,
                    from_file.ingress.max_string_chars
                ),
                (
                    defaults.ingress.body_limit_bytes,
                    defaults.ingress.max_json_depth,
                    defaults.ingress.max_string_chars
                )
            );
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
