//! The configuration lines of `cxrelay check`: every problem of the settings at once, and the
//! `CXRELAY_*` variables that set nothing.

use std::path::Path;

use cxrelay_core::config::{CheckedSettings, ConfigError, GENESYS_REGIONS};

use super::report::Line;

/// What the configuration lines are called.
pub const CHECK: &str = "config";

/// One line per problem, one warning per unknown variable, or one line saying all is well.
pub fn lines(checked: &CheckedSettings, file: Option<&Path>) -> Vec<Line> {
    let mut lines: Vec<Line> = checked.problems.iter().map(problem_line).collect();
    if lines.is_empty() {
        let source = match file {
            Some(path) => format!("the file {} and the environment", path.display()),
            None => "the environment (no --config file)".to_owned(),
        };
        lines.push(Line::ok(
            CHECK,
            format!("settings read from {source}; none missing or malformed"),
        ));
    }
    lines.extend(checked.unknown_variables.iter().map(|name| {
        Line::warn(
            CHECK,
            format!("{name} sets no setting, so cxrelay ignores it"),
            "correct its name (the README's Configuration table lists every variable) or remove it",
        )
    }));
    lines
}

/// Whether a problem concerns one of `keys` or a setting under it.
pub fn has_problem(checked: &CheckedSettings, keys: &[&str]) -> bool {
    checked.problems.iter().any(|problem| {
        keys.iter().any(|key| {
            problem.key == *key
                || problem.key.starts_with(&format!("{key}."))
                || key.starts_with(&format!("{}.", problem.key))
        })
    })
}

fn problem_line(problem: &ConfigError) -> Line {
    let detail = format!("{} ({}) {}", problem.env, problem.key, problem.problem);
    Line::fail(CHECK, detail, fix_of(problem))
}

/// What to do about a configuration problem.
fn fix_of(problem: &ConfigError) -> String {
    let where_to = format!(
        "{} (or `{}` in the --config file)",
        problem.env, problem.key
    );
    match problem.key.as_str() {
        "--config" => "name an existing TOML file with --config, or leave it out".to_owned(),
        "genesys.region" => format!(
            "set CXRELAY_GENESYS__REGION to your org's region domain, one of {}; or set both \
             CXRELAY_GENESYS__API_BASE_URL and CXRELAY_GENESYS__LOGIN_BASE_URL",
            GENESYS_REGIONS.join(", ")
        ),
        _ if problem.problem.contains("required but not set") => format!("set {where_to}"),
        _ => format!("correct {where_to}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_region_lists_the_regions_and_a_missing_setting_names_its_variable() {
        let region = ConfigError::invalid("genesys.region", "'example.com' is not a region");
        let line = problem_line(&region).to_string();
        assert!(
            line.starts_with("FAIL  config: CXRELAY_GENESYS__REGION"),
            "{line}"
        );
        assert!(line.contains("mypurecloud.ie"), "{line}");
        let missing = ConfigError::missing("genesys.client_secret");
        let line = problem_line(&missing).to_string();
        assert!(
            line.ends_with("fix: set CXRELAY_GENESYS__CLIENT_SECRET (or `genesys.client_secret` in the --config file)"),
            "{line}"
        );
    }
}
