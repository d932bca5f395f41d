//! Every problem of a configuration at once, for `cxrelay check`.
//!
//! The binaries stop at the first problem ([`super::load`], `require_*`): enough to start or
//! not. An operator setting up a deployment wants the whole list in one run, so here a value
//! that does not parse is noted and left out (its default stands in), the settings are read
//! again, and so on until they read; then every rule is checked on its own.

use std::path::Path;

use figment::providers::Serialized;
use figment::value::Value;
use figment::Figment;
use secrecy::ExposeSecret;
use url::Url;

use super::keys::{is_setting, key_of_env};
use super::load::layered;
use super::{ConfigError, GenesysEndpoints, Settings};

/// Suffix of an environment variable that names a file holding the setting's value.
const FILE_SUFFIX: &str = "_FILE";

/// Settings as far as they could be read, and everything wrong with them.
#[derive(Debug)]
pub struct CheckedSettings {
    /// The settings; a value that did not parse is at its default (its problem is listed).
    pub settings: Settings,
    /// Every problem found, each naming its setting.
    pub problems: Vec<ConfigError>,
    /// `CXRELAY_*` environment variables that set nothing: a typo, which cxrelay ignores.
    pub unknown_variables: Vec<String>,
}

/// Loads the settings like [`super::load`], but goes on past each problem and lists them all.
pub fn load_checked(file: Option<&Path>) -> CheckedSettings {
    let mut problems = Vec::new();
    let figment = match layered(file) {
        Ok(figment) => figment,
        Err(missing_file) => {
            problems.push(missing_file);
            layered(None).unwrap_or_default()
        }
    };
    let settings = read_past_bad_values(&figment, &mut problems);
    for problem in settings.problems() {
        if !problems.iter().any(|p| p.key == problem.key) {
            problems.push(problem);
        }
    }
    CheckedSettings {
        settings,
        problems,
        unknown_variables: unknown_variables(std::env::vars().map(|(name, _)| name)),
    }
}

/// The settings of `figment`, dropping each value that does not parse after noting why.
fn read_past_bad_values(figment: &Figment, problems: &mut Vec<ConfigError>) -> Settings {
    let mut values = match figment.extract::<Value>() {
        Ok(values) => values,
        Err(error) => {
            // The file is not TOML at all: nothing of it can be read.
            problems.push(ConfigError::invalid("--config", error.to_string()));
            return Settings::default();
        }
    };
    loop {
        let attempt = Figment::from(Serialized::defaults(&values)).extract_lossy::<Settings>();
        let error = match attempt {
            Ok(settings) => return settings,
            Err(error) => error,
        };
        let mut removed_any = false;
        for error in error {
            let key = error.path.join(".");
            problems.push(ConfigError::invalid(&key, error.kind.to_string()));
            removed_any |= remove(&mut values, &error.path);
        }
        if !removed_any {
            // An error no single value explains: the defaults are all that can be trusted.
            return Settings::default();
        }
    }
}

/// Removes the value at `path`, or the deepest value on the way there; false if none was.
fn remove(values: &mut Value, path: &[String]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let Value::Dict(_, dict) = values else {
        return false;
    };
    if !rest.is_empty() {
        if let Some(inner) = dict.get_mut(first) {
            if remove(inner, rest) {
                return true;
            }
        }
    }
    dict.remove(first).is_some()
}

/// The `CXRELAY_*` names among `names` that set no setting (a `_FILE` variable counts when
/// the variable without the suffix would).
pub fn unknown_variables(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let sets_something = |name: &str| key_of_env(name).is_some_and(|key| is_setting(&key));
    let mut unknown: Vec<String> = names
        .into_iter()
        .filter(|name| name.starts_with(super::load::ENV_PREFIX))
        .filter(|name| {
            !sets_something(name) && !name.strip_suffix(FILE_SUFFIX).is_some_and(&sets_something)
        })
        .collect();
    unknown.sort();
    unknown
}

impl Settings {
    /// Every rule the settings break, each on its own (the `require_*` methods stop at the
    /// first). Covers what the ingress and the worker need; Cognigy and the CRM are optional,
    /// so only settings given wrong are problems there.
    pub fn problems(&self) -> Vec<ConfigError> {
        let mut problems = Vec::new();
        match &self.database.url {
            None => problems.push(ConfigError::missing("database.url")),
            Some(url) => {
                if let Err(problem) =
                    url_with_scheme(url.expose_secret(), &["postgres", "postgresql"])
                {
                    problems.push(ConfigError::invalid("database.url", problem));
                }
            }
        }
        match &self.amqp.url {
            None => problems.push(ConfigError::missing("amqp.url")),
            Some(urls) => {
                // One node, or a cluster's nodes comma-separated.
                let nodes: Vec<&str> = urls.expose_secret().split(',').map(str::trim).collect();
                for (at, node) in nodes.iter().enumerate() {
                    if let Err(problem) = url_with_scheme(node, &["amqp", "amqps"]) {
                        let which = if nodes.len() > 1 {
                            format!("node {} of {}: ", at + 1, nodes.len())
                        } else {
                            String::new()
                        };
                        problems.push(ConfigError::invalid(
                            "amqp.url",
                            format!("{which}{problem}"),
                        ));
                    }
                }
            }
        }
        problems.extend(self.check_amqp_prefix().err());
        problems.extend(self.replay.check().err());
        problems.extend(self.retention.check().err());
        problems.extend(GenesysEndpoints::resolve(&self.genesys).err());
        let genesys = &self.genesys;
        if genesys.client_id.as_deref().unwrap_or("").is_empty() {
            problems.push(ConfigError::missing("genesys.client_id"));
        }
        if genesys
            .client_secret
            .as_ref()
            .is_none_or(|secret| secret.expose_secret().is_empty())
        {
            problems.push(ConfigError::missing("genesys.client_secret"));
        }
        if genesys.fallback_flow_id.as_deref().unwrap_or("").is_empty() {
            problems.push(ConfigError::missing("genesys.fallback_flow_id"));
        }
        if let Some(name) = &self.cognigy.default_endpoint {
            if !self
                .cognigy
                .endpoints
                .contains_key(&name.to_ascii_lowercase())
            {
                problems.push(ConfigError::invalid(
                    "cognigy.default_endpoint",
                    format!("names the Endpoint '{name}', which is not configured (cognigy.endpoints.{name})"),
                ));
            }
        }
        // The binaries' own checks, for any rule added there and not repeated above.
        for required in [self.require_ingress().err(), self.require_worker().err()]
            .into_iter()
            .flatten()
        {
            if !problems.iter().any(|p| p.key == required.key) {
                problems.push(required);
            }
        }
        problems
    }
}

/// Checks that `text` is a URL of one of `schemes`; the error never repeats the URL, which
/// may carry a password.
fn url_with_scheme(text: &str, schemes: &[&str]) -> Result<(), String> {
    let url = Url::parse(text).map_err(|e| format!("is not a URL ({e})"))?;
    if !schemes.contains(&url.scheme()) {
        return Err(format!(
            "has the scheme '{}', expected {}",
            url.scheme(),
            schemes.join(" or ")
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".to_owned());
    }
    Ok(())
}

#[cfg(test)]
// figment's Jail fixes the closure's error type; its size is not ours to choose.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    fn keys(checked: &CheckedSettings) -> Vec<&str> {
        checked.problems.iter().map(|p| p.key.as_str()).collect()
    }

    #[test]
    fn every_bad_value_and_every_missing_setting_is_listed_in_one_go() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://u:hunter2@db/cx");
            jail.set_env("AMQP_URL", "http://broker");
            jail.set_env("CXRELAY_GENESYS__API_BASE_URL", "not a url");
            jail.set_env("CXRELAY_GENESYS__REGION", "example.com");
            jail.set_env("CXRELAY_INGRESS__ADDR", "nowhere");
            jail.set_env("CXRELAY_WORKER__PREFETCH", "lots");
            jail.set_env("CXRELAY_GENESYS__REGOIN", "mypurecloud.ie");
            let checked = load_checked(None);
            let keys = keys(&checked);
            for expected in [
                "genesys.api_base_url",
                "ingress.addr",
                "worker.prefetch",
                "amqp.url",
                "genesys.region",
                "genesys.client_id",
                "genesys.client_secret",
                "genesys.fallback_flow_id",
                "ingress.sources",
            ] {
                assert!(keys.contains(&expected), "{expected} in {keys:?}");
            }
            assert!(!keys.contains(&"database.url"), "{keys:?}");
            let region = checked
                .problems
                .iter()
                .find(|p| p.key == "genesys.region")
                .unwrap();
            assert!(region.problem.contains("example.com"), "{region}");
            assert!(
                checked
                    .unknown_variables
                    .contains(&"CXRELAY_GENESYS__REGOIN".to_owned()),
                "{:?}",
                checked.unknown_variables
            );
            assert_eq!(
                checked.settings.worker.prefetch, 64,
                "the default stands in"
            );
            Ok(())
        });
    }

    #[test]
    fn a_url_problem_never_repeats_the_url() {
        let problem = url_with_scheme("mysql://u:hunter2@db/cx", &["postgres"]).unwrap_err();
        assert!(!problem.contains("hunter2"), "{problem}");
        assert!(url_with_scheme("postgres://u:p@db:5432/cx", &["postgres"]).is_ok());
        assert!(url_with_scheme("no url at all", &["postgres"]).is_err());
    }

    #[test]
    fn file_variables_and_map_entries_are_known() {
        let unknown = unknown_variables(
            [
                "CXRELAY_GENESYS__CLIENT_SECRET_FILE",
                "CXRELAY_COGNIGY__ENDPOINTS__SALES__URL_TOKEN",
                "CXRELAY_LOG__LEVEL",
                "CXRELAY_LOG__LEVL",
                "PATH",
            ]
            .map(String::from),
        );
        assert_eq!(unknown, ["CXRELAY_LOG__LEVL"]);
    }

    #[test]
    fn a_missing_file_is_one_problem_among_the_others() {
        figment::Jail::expect_with(|_| {
            let checked = load_checked(Some(Path::new("/nonexistent/cxrelay.toml")));
            let keys = keys(&checked);
            assert_eq!(keys.first(), Some(&"--config"));
            assert!(keys.contains(&"database.url"));
            Ok(())
        });
    }
}
