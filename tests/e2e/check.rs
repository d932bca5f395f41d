//! `cxrelay check`, the real binary, against the simulator: a working deployment passes every
//! check; each kind of mistake is reported on its line with what to fix, and the exit code says
//! whether anything failed.

use cxrelay_core::config::Settings;
use cxrelay_sim::RunningSim;
use cxrelay_tests::app::{
    settings_for, start_sim, AppOptions, ENDPOINT_ID, FALLBACK_QUEUE_ID, FLOW_ID, HUMAN_QUEUE_ID,
    SNAPSHOT_ID,
};
use cxrelay_tests::cli::{cxrelay, cxrelay_with_env, CliRun};
use cxrelay_tests::{database, spawn_app};
use secrecy::SecretString;
use serde_json::{json, Value};

/// The lines of the check named `check` (its name is followed by ':').
fn lines_of<'a>(run: &'a CliRun, check: &str) -> Vec<&'a str> {
    run.stdout
        .lines()
        .filter(|line| {
            line.get(6..)
                .is_some_and(|rest| rest.starts_with(&format!("{check}:")))
        })
        .collect()
}

/// The one line of the check named `check`.
fn line_of<'a>(run: &'a CliRun, check: &str) -> &'a str {
    let lines = lines_of(run, check);
    assert_eq!(lines.len(), 1, "one `{check}` line expected: {run:#?}");
    lines[0]
}

fn assert_line(run: &CliRun, check: &str, status: &str, contains: &[&str]) {
    let line = line_of(run, check);
    assert!(
        line.starts_with(status),
        "{check} should be {status}: {line}"
    );
    for part in contains {
        assert!(line.contains(part), "`{part}` missing from: {line}");
    }
}

async fn post(sim: &RunningSim, path: &str, body: Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

/// Seeds the org and tenant the test settings point at: the fallback workflow, both queues,
/// the Endpoint `support` and its snapshot.
async fn seed_org(sim: &RunningSim) {
    post(
        sim,
        "/_sim/genesys/flows",
        json!({"id": FLOW_ID, "name": "fallback hand-off"}),
    )
    .await;
    for (id, name) in [
        (FALLBACK_QUEUE_ID, "IVR fallback"),
        (HUMAN_QUEUE_ID, "Human agents"),
    ] {
        let queue = json!({"id": id, "name": name, "memberCount": 5, "joinedMemberCount": 2});
        post(sim, "/_sim/genesys/queues", queue).await;
    }
    post(
        sim,
        "/_sim/cognigy/snapshots",
        json!({"_id": SNAPSHOT_ID, "name": "release 1"}),
    )
    .await;
    let endpoint = json!({
        "_id": ENDPOINT_ID, "name": "support", "URLToken": cxrelay_tests::app::URL_TOKEN,
        "active": true, "entrypoint": SNAPSHOT_ID,
    });
    post(sim, "/_sim/cognigy/endpoints", endpoint).await;
}

/// Settings that reach the simulator; the database and broker do not answer (port 1).
fn sim_only_settings(sim: &RunningSim) -> Settings {
    settings_for(
        "postgres://unused@127.0.0.1:1/unused",
        "amqp://unused@127.0.0.1:1/%2f",
        "unused",
        &sim.base_url(),
    )
}

fn assert_failed(run: &CliRun) {
    assert_eq!(run.status.code(), Some(1), "check must fail: {run:#?}");
    assert!(run.stdout.contains("; fix the FAIL lines"), "{run:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_working_deployment_passes_every_check() {
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    seed_org(&app.sim).await;

    let run = cxrelay(&app.settings, &["check"]).await;

    assert!(run.status.success(), "check failed: {run:#?}");
    assert_line(&run, "config", "ok", &["none missing or malformed"]);
    assert_line(&run, "postgres", "ok", &["no migration pending"]);
    let queue = app
        .topology
        .work_queue(cxrelay_core::kinds::Target::Genesys);
    assert_line(&run, "rabbitmq", "ok", &[&format!("{queue} 0 ready")]);
    assert_line(
        &run,
        "genesys token",
        "ok",
        &[cxrelay_tests::app::CLIENT_ID],
    );
    assert_line(
        &run,
        "genesys fallback flow",
        "ok",
        &["'fallback hand-off', a workflow"],
    );
    assert_line(&run, "genesys fallback queue", "ok", &["'IVR fallback'"]);
    assert_line(&run, "genesys human queue", "ok", &["'Human agents'"]);
    assert_line(
        &run,
        "genesys messaging sender",
        "ok",
        &[&format!("sms from {}", cxrelay_tests::app::SMS_FROM)],
    );
    assert_line(
        &run,
        "cognigy endpoint support",
        "ok",
        &["is active", SNAPSHOT_ID],
    );
    assert!(run.stdout.contains("0 failed"), "{}", run.stdout);
    // What the check read, it read with the credentials, and it printed none of them.
    for secret in [
        cxrelay_tests::app::CLIENT_SECRET,
        cxrelay_tests::app::COGNIGY_API_KEY,
        cxrelay_tests::app::URL_TOKEN,
    ] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_messenger_type_without_a_sender_is_a_warning_naming_its_variable() {
    let app = spawn_app(AppOptions {
        workers: 0,
        customize: Some(std::sync::Arc::new(|settings| {
            settings.genesys.messaging_from.whatsapp = None;
        })),
        ..AppOptions::default()
    })
    .await;
    let run = cxrelay(&app.settings, &["check"]).await;
    assert_line(
        &run,
        "genesys messaging sender",
        "warn",
        &[
            "CXRELAY_GENESYS__MESSAGING_FROM__WHATSAPP not set",
            "not_configured",
        ],
    );
}

#[tokio::test]
async fn a_wrong_client_secret_fails_the_token_and_names_the_credentials_to_fix() {
    let sim = start_sim().await;
    seed_org(&sim).await;
    let mut settings = sim_only_settings(&sim);
    settings.genesys.client_secret = Some(SecretString::from("not-the-secret"));

    let run = cxrelay(&settings, &["check"]).await;

    assert_failed(&run);
    assert_line(
        &run,
        "genesys token",
        "FAIL",
        &[
            "401 invalid_client on POST",
            "/oauth/token",
            "fix: CXRELAY_GENESYS__CLIENT_ID and CXRELAY_GENESYS__CLIENT_SECRET must be",
        ],
    );
    assert_line(&run, "genesys fallback flow", "skip", &["no Genesys token"]);
    assert!(!run.stdout.contains("not-the-secret"), "{}", run.stdout);
}

#[tokio::test]
async fn an_unknown_flow_id_is_a_404_naming_the_setting() {
    let sim = start_sim().await;
    seed_org(&sim).await;
    let mut settings = sim_only_settings(&sim);
    let unknown = "00000000-0000-4000-8000-00000000f10f";
    settings.genesys.fallback_flow_id = Some(unknown.to_owned());

    let run = cxrelay(&settings, &["check"]).await;

    assert_failed(&run);
    assert_line(
        &run,
        "genesys fallback flow",
        "FAIL",
        &[
            &format!("404 on GET /api/v2/flows/{unknown}"),
            "ININ-Correlation-Id",
            "fix: set CXRELAY_GENESYS__FALLBACK_FLOW_ID to the flow's id",
        ],
    );
    assert_line(&run, "genesys fallback queue", "ok", &[]);
}

#[tokio::test]
async fn a_role_without_a_permission_gets_403_naming_the_permission() {
    let sim = start_sim().await;
    seed_org(&sim).await;
    post(
        &sim,
        "/_sim/settings",
        json!({"missingPermissions": ["architect:flow:view", "routing:queue:view"]}),
    )
    .await;
    let settings = sim_only_settings(&sim);

    let run = cxrelay(&settings, &["check"]).await;

    assert_failed(&run);
    assert_line(&run, "genesys token", "ok", &[]);
    assert_line(
        &run,
        "genesys fallback flow",
        "FAIL",
        &[
            &format!("403 on GET /api/v2/flows/{FLOW_ID}: the OAuth client's role lacks architect:flow:view"),
            "also needs architect:flow:launch",
        ],
    );
    for check in ["genesys fallback queue", "genesys human queue"] {
        assert_line(
            &run,
            check,
            "FAIL",
            &["the OAuth client's role lacks routing:queue:view"],
        );
    }
}

#[tokio::test]
async fn cognigy_refusals_name_the_api_key_or_the_project() {
    let sim = start_sim().await;
    seed_org(&sim).await;
    let mut settings = sim_only_settings(&sim);
    settings.cognigy.api_key = Some(SecretString::from("a-wrong-key"));

    let run = cxrelay(&settings, &["check"]).await;

    assert_line(
        &run,
        "cognigy endpoint support",
        "FAIL",
        &[
            &format!("401 on GET /new/v2.0/endpoints/{ENDPOINT_ID}"),
            "fix: set CXRELAY_COGNIGY__API_KEY",
        ],
    );

    let settings = sim_only_settings(&sim);
    let fault = json!({
        "method": "GET", "path": format!("/new/v2.0/endpoints/{ENDPOINT_ID}"), "status": 403,
    });
    post(&sim, "/_sim/faults", fault).await;
    let run = cxrelay(&settings, &["check"]).await;
    assert_line(
        &run,
        "cognigy endpoint support",
        "FAIL",
        &["403 on GET", "project"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_and_pending_migrations_are_reported_with_their_fixes() {
    let sim = start_sim().await;
    seed_org(&sim).await;
    let name = format!(
        "cxrelay_test_chk_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let db = database::create(&name, false).await;
    let settings = settings_for(
        &database::url_of(&name),
        "amqp://guest:guest@127.0.0.1:1/%2f",
        "unused",
        &sim.base_url(),
    );

    let run = cxrelay(&settings, &["check"]).await;

    assert_failed(&run);
    assert_line(
        &run,
        "rabbitmq",
        "FAIL",
        &[
            "cannot connect to guest@127.0.0.1:1/%2f",
            "fix: start RabbitMQ, or correct the host and port in AMQP_URL",
        ],
    );
    assert_line(
        &run,
        "postgres",
        "FAIL",
        &["migration(s) pending", "fix: run `cxrelay migrate`"],
    );
    // The other checks ran all the same.
    assert_line(&run, "genesys fallback flow", "ok", &[]);
    db.close().await;
    database::drop_database(&name).await;
}

#[tokio::test]
async fn every_configuration_problem_is_reported_in_one_run() {
    let sim = start_sim().await;
    seed_org(&sim).await;
    let settings = sim_only_settings(&sim);

    let run = cxrelay_with_env(
        &settings,
        &["check"],
        &[
            ("CXRELAY_GENESYS__REGION", Some("example.com")),
            ("CXRELAY_GENESYS__API_BASE_URL", Some("not a url")),
            ("CXRELAY_COGNIGY__API_BASE_URL", Some("http://")),
            ("CXRELAY_GENESYS__FALLBACK_FLOW_ID", None),
            ("CXRELAY_WORKER__PREFETCH", Some("lots")),
            ("CXRELAY_GENESYS__REGOIN", Some("mypurecloud.ie")),
        ],
    )
    .await;

    assert_failed(&run);
    let config = lines_of(&run, "config");
    for expected in [
        "FAIL  config: CXRELAY_GENESYS__REGION (genesys.region) 'example.com' is not a Genesys Cloud region domain",
        "FAIL  config: CXRELAY_GENESYS__API_BASE_URL (genesys.api_base_url) relative URL without a base",
        "FAIL  config: CXRELAY_COGNIGY__API_BASE_URL (cognigy.api_base_url)",
        "FAIL  config: CXRELAY_GENESYS__FALLBACK_FLOW_ID (genesys.fallback_flow_id) is required but not set",
        "FAIL  config: CXRELAY_WORKER__PREFETCH (worker.prefetch)",
        "warn  config: CXRELAY_GENESYS__REGOIN sets no setting",
    ] {
        assert!(
            config.iter().any(|line| line.starts_with(expected)),
            "`{expected}` missing from {config:#?}"
        );
    }
    let region = config
        .iter()
        .find(|line| line.contains("(genesys.region)"))
        .unwrap();
    assert!(
        region.contains("one of mypurecloud.com, mypurecloud.ie"),
        "{region}"
    );
    // What depends on the broken settings is skipped, saying so; the rest still runs.
    assert_line(&run, "genesys token", "skip", &["see the config lines"]);
    assert_line(&run, "cognigy endpoint", "skip", &["see the config lines"]);
    assert_line(&run, "rabbitmq", "FAIL", &["cannot connect"]);
}
