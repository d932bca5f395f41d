//! `cxrelay.example.toml` documents every setting: each one appears (set to its default, or
//! commented out when it has none), with a comment saying what it means, and nothing else
//! appears. The list of settings comes from the types ([`super::setting_keys`]), so a setting
//! added to a struct fails here until the example shows it.

use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::value::Value;
use figment::Figment;

use super::{env_name, key_matches, load, setting_keys, Settings};

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cxrelay.example.toml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).expect("cxrelay.example.toml is readable")
}

/// The setting or section a line shows, commented out or not: `key = value` or `[section]`.
fn shown_line(line: &str) -> Option<&str> {
    let line = line.trim();
    let shown = line.strip_prefix('#').map(str::trim_start).unwrap_or(line);
    let is_section = shown.starts_with('[')
        && shown.ends_with(']')
        && shown[1..shown.len() - 1]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'));
    let is_key = shown.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim();
        // Setting names are lower-case: `CXRELAY_X=...` in prose is no setting.
        key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    });
    (is_section || is_key).then_some(shown)
}

/// The example with every commented-out setting and section put back in.
fn uncommented(text: &str) -> String {
    text.lines()
        .map(|line| shown_line(line).unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The dotted keys of every value (not table) in `value`.
fn leaf_keys(value: &Value, prefix: &str, keys: &mut Vec<String>) {
    match value {
        Value::Dict(_, dict) => {
            for (name, inner) in dict {
                let key = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                leaf_keys(inner, &key, keys);
            }
        }
        _ => keys.push(prefix.to_owned()),
    }
}

#[test]
fn every_setting_is_in_the_example_and_nothing_else_is() {
    let text = uncommented(&example_text());
    let shown: Value = Figment::from(Toml::string(&text))
        .extract()
        .unwrap_or_else(|e| panic!("the example, its settings uncommented, is not TOML: {e}"));
    let mut shown_keys = Vec::new();
    leaf_keys(&shown, "", &mut shown_keys);
    let settings = setting_keys();

    let missing: Vec<String> = settings
        .iter()
        .filter(|setting| !shown_keys.iter().any(|key| key_matches(setting, key)))
        .map(|setting| format!("  {setting}  ({})", env_name(setting)))
        .collect();
    assert!(
        missing.is_empty(),
        "cxrelay.example.toml lacks {} setting(s); add each (its default, or commented out when \
         it has none) with a one-line comment saying what it means:\n{}",
        missing.len(),
        missing.join("\n")
    );
    let unknown: Vec<&String> = shown_keys
        .iter()
        .filter(|key| !settings.iter().any(|setting| key_matches(setting, key)))
        .collect();
    assert!(
        unknown.is_empty(),
        "cxrelay.example.toml shows keys that are no setting (typos, or settings since removed): {unknown:?}"
    );
}

#[test]
fn every_setting_of_the_example_has_a_comment_above_it() {
    let text = example_text();
    let lines: Vec<&str> = text.lines().collect();
    let undocumented: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| shown_line(line).is_some_and(|shown| !shown.starts_with('[')))
        .filter(|(index, _)| {
            let above = index.checked_sub(1).map(|i| lines[i].trim()).unwrap_or("");
            // A prose comment: a comment line that is not itself a commented-out setting.
            !(above.starts_with('#') && shown_line(above).is_none())
        })
        .map(|(_, line)| line.trim())
        .collect();
    assert!(
        undocumented.is_empty(),
        "settings of cxrelay.example.toml without a comment line right above them: {undocumented:#?}"
    );
}

#[test]
fn the_values_the_example_sets_are_the_defaults() {
    figment::Jail::expect_with(|jail| {
        // Only the file: variables set where the test runs must not count.
        jail.clear_env();
        let from_file = load(Some(&example_path())).expect("the example loads");
        assert_eq!(
            format!("{from_file:#?}"),
            format!("{:#?}", Settings::default()),
            "every value cxrelay.example.toml sets (not commented out) must be the default"
        );
        Ok(())
    });
}
