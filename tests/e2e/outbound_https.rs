//! Outbound calls must be https: a plain-http Genesys, Cognigy or CRM URL stops the worker and
//! `cxrelay genesys install-trigger` at start-up, naming the setting and the allowance that
//! would permit it, unless its host is in `outbound.allow_http_hosts`.

use std::time::Duration;

use cxrelay_core::config::{ConfigError, Settings};
use cxrelay_core::startup::EXIT_CONFIG;
use cxrelay_tests::app::settings_for;
use cxrelay_tests::cli::cxrelay;
use cxrelay_tests::processes::{binary_path, settings_env};

/// How long a binary may take to refuse its settings: it stops before connecting anywhere.
const REFUSAL_PATIENCE: Duration = Duration::from_secs(30);

/// The harness's settings for a simulator at `sim_url` (never started: nothing gets that far),
/// without any http allowance.
fn without_allowance(sim_url: &str) -> Settings {
    let mut settings = settings_for(
        "postgres://unused@127.0.0.1:1/unused",
        "amqp://unused@127.0.0.1:1/%2f",
        "unused",
        sim_url,
    );
    settings.outbound.allow_http_hosts.clear();
    // Past the check, start-up fails at once on the missing database.
    settings.database.acquire_timeout_ms = 200;
    settings
}

#[tokio::test]
async fn the_worker_binary_refuses_an_http_base_url_and_names_the_fix() {
    let settings = without_allowance("http://127.0.0.1:9");
    let run = tokio::process::Command::new(binary_path("cxrelay-worker"))
        .env_clear()
        .envs(settings_env(&settings))
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(REFUSAL_PATIENCE, run)
        .await
        .expect("the worker stops at once")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(i32::from(EXIT_CONFIG)),
        "{stderr}"
    );
    assert!(
        stderr.contains("CXRELAY_GENESYS__API_BASE_URL")
            && stderr.contains("https")
            && stderr.contains("CXRELAY_OUTBOUND__ALLOW_HTTP_HOSTS=127.0.0.1"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_install_trigger_command_refuses_an_http_genesys_url() {
    let settings = without_allowance("http://127.0.0.1:9");
    let run = cxrelay(
        &settings,
        &[
            "genesys",
            "install-trigger",
            "--workflow-id",
            "3e1d7a52-7c0b-4f4e-9d61-2a5b8c9e0f14",
        ],
    )
    .await;
    assert_eq!(run.status.code(), Some(i32::from(EXIT_CONFIG)), "{run:#?}");
    assert!(
        run.stderr.contains("CXRELAY_GENESYS__API_BASE_URL")
            && run.stderr.contains("CXRELAY_OUTBOUND__ALLOW_HTTP_HOSTS"),
        "{run:#?}"
    );
}

/// Turns one URL of the settings into a plain-http one.
type MakeHttp = fn(&mut Settings);

#[tokio::test]
async fn each_cognigy_and_crm_url_is_checked_and_the_allowance_lets_its_host_through() {
    let https = "https://127.0.0.1:9";
    let cases: [(&str, MakeHttp); 3] = [
        ("CXRELAY_COGNIGY__API_BASE_URL", |s| {
            s.cognigy.api_base_url = Some("http://cognigy.test".parse().unwrap());
        }),
        ("CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__BASE_URL", |s| {
            let endpoint = s.cognigy.endpoints.get_mut("support").unwrap();
            endpoint.base_url = "http://cognigy.test/endpoint".parse().unwrap();
        }),
        ("CXRELAY_CRM__WEBHOOK_URL", |s| {
            s.crm.webhook_url = Some("http://cognigy.test/crm".parse().unwrap());
        }),
    ];
    for (env, make_http) in cases {
        let mut settings = without_allowance(https);
        make_http(&mut settings);
        let error = cxrelay_worker::Worker::build(&settings)
            .await
            .err()
            .unwrap_or_else(|| panic!("{env}: the worker started"));
        let config = error
            .downcast_ref::<ConfigError>()
            .unwrap_or_else(|| panic!("{env}: not a configuration error: {error:#}"));
        assert_eq!(config.env, env, "{config}");

        // Allowed on purpose: the check passes and start-up goes on to the database, which
        // is not there.
        settings.outbound.allow_http_hosts = vec!["cognigy.test".to_owned()];
        let error = cxrelay_worker::Worker::build(&settings)
            .await
            .err()
            .expect("no database at 127.0.0.1:1");
        assert!(
            error.downcast_ref::<ConfigError>().is_none(),
            "{env}: {error:#}"
        );
    }
}
