//! `cxrelay`, the operator command, run as an operator runs it: the real binary, with the
//! settings of a test's pipeline as its only environment.

use std::process::ExitStatus;

use cxrelay_core::config::Settings;
use serde_json::Value;

use crate::processes::{binary_path, settings_env};

/// What one run of `cxrelay` did.
#[derive(Debug)]
pub struct CliRun {
    /// Its exit status.
    pub status: ExitStatus,
    /// What it printed on stdout (its output).
    pub stdout: String,
    /// What it printed on stderr (logs, errors, the progress bar).
    pub stderr: String,
}

impl CliRun {
    /// Stdout as the JSON document `--format json` prints; panics showing both streams if
    /// the command failed or printed anything else.
    pub fn json(&self) -> Value {
        assert!(self.status.success(), "cxrelay failed: {self:#?}");
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }
}

/// Runs `cxrelay <args>` against the deployment `settings` describe, and waits for it.
pub async fn cxrelay(settings: &Settings, args: &[&str]) -> CliRun {
    cxrelay_with_env(settings, args, &[]).await
}

/// Runs `cxrelay <args>` like [`cxrelay`], with `changes` made to its environment first: a
/// variable given `Some(value)` is set to it (in place of the settings' own), one given `None`
/// is removed. For settings `Settings` cannot hold, such as a malformed URL.
pub async fn cxrelay_with_env(
    settings: &Settings,
    args: &[&str],
    changes: &[(&str, Option<&str>)],
) -> CliRun {
    let mut env = settings_env(settings);
    for (name, value) in changes {
        env.retain(|(existing, _)| existing != name);
        if let Some(value) = value {
            env.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    let output = tokio::process::Command::new(binary_path("cxrelay"))
        .env_clear()
        .envs(env)
        .args(args)
        .output()
        .await
        .expect("run cxrelay");
    CliRun {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
