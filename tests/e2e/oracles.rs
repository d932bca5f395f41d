//! The tools nobody on this project wrote, as judges of what it serves: Redocly's OpenAPI lint
//! on the committed document, schemathesis against both listeners of a running ingress (every
//! check, positive and negative data, stateful links), and Prometheus's `promtool` on the
//! `/metrics` of the real ingress and worker binaries, fresh and after traffic. Each tool is
//! pinned and installed by scripts/test (scripts/lib/oracles.sh), which passes its path in an
//! environment variable; nothing here fetches.

use std::path::PathBuf;
use std::process::Output;

use cxrelay_tests::app::{ADMIN_TOKEN, API_KEY};
use cxrelay_tests::{spawn_app, AppOptions, PipelineOptions, ProcessPipeline};
use serde_json::{json, Value};

/// Examples schemathesis generates per operation and phase: enough to reach every rule of a
/// schema, few enough that both runs end in a few minutes on two cores.
const MAX_EXAMPLES: &str = "60";

/// The seed of every schemathesis run: the same document gives the same requests, so a
/// failure is reproduced by running the test again.
const SEED: &str = "20261202";

/// The path of the tool scripts/test put in `variable`.
fn tool(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!(
                "{variable} is not set: scripts/test installs {name} (pinned, \
                 scripts/lib/oracles.sh) and passes its path there"
            )
        })
}

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn redocly_finds_no_error_in_the_openapi_document() {
    let output = std::process::Command::new(tool("CXRELAY_REDOCLY", "Redocly CLI"))
        .arg("lint")
        .arg(repo_file("ingress/openapi.json"))
        .arg("--format=json")
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .expect("run redocly");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let start = stdout.find('{').unwrap_or(0);
    let report: Value = serde_json::from_str(&stdout[start..])
        .unwrap_or_else(|e| panic!("redocly printed no JSON report ({e}):\n{}", text(&output)));
    let errors = report["totals"]["errors"].as_u64().unwrap();
    let warnings = report["totals"]["warnings"].as_u64().unwrap();
    println!("redocly lint (recommended rules): {errors} errors, {warnings} warnings");
    let problems: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{} {}: {} at {}",
                p["severity"], p["ruleId"], p["message"], p["location"][0]["pointer"]
            )
        })
        .collect();
    assert_eq!(errors, 0, "{}", problems.join("\n"));
    // The one warning left is /healthz, which has no 4xx answer to document.
    assert!(warnings <= 1, "{}", problems.join("\n"));
}

/// Runs schemathesis against `url`, the operations whose paths match `paths`, with `header`;
/// returns its output.
async fn schemathesis(document: &std::path::Path, url: &str, header: &str, paths: &str) -> String {
    let workdir = std::env::temp_dir().join(format!("cxrelay-st-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&workdir).unwrap();
    let output = tokio::process::Command::new(tool("CXRELAY_SCHEMATHESIS", "schemathesis"))
        .current_dir(&workdir)
        // Form bodies written as the document declares them (see the hooks file).
        .env("PYTHONPATH", repo_file("tests/e2e"))
        .env("SCHEMATHESIS_HOOKS", "schemathesis_hooks")
        .arg("run")
        .arg(document)
        .args([
            "--url",
            url,
            "--header",
            header,
            "--include-path-regex",
            paths,
        ])
        .args([
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
        ])
        .args([
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--max-failures",
            "20",
        ])
        .args(["--no-color", "--output-sanitize", "false"])
        .output()
        .await
        .expect("run schemathesis");
    let _ = std::fs::remove_dir_all(&workdir);
    let printed = text(&output);
    assert!(
        output.status.success(),
        "schemathesis found failures on {url} ({paths}):\n{printed}"
    );
    printed
}

/// The summary lines schemathesis ends with.
fn summary(printed: &str) -> String {
    printed
        .lines()
        .filter(|line| {
            line.contains("passed")
                || line.contains("test cases")
                || line.contains("Operations")
                || line.contains("Test Phases")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure_on_either_listener() {
    // No worker: accepted events wait in the queues (their status reads answer 404 until a
    // worker records them, as documented).
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let document = std::env::temp_dir().join(format!("cxrelay-openapi-{}.json", app.db_name));
    std::fs::write(&document, cxrelay_ingress::openapi::document_text()).unwrap();
    let public = schemathesis(
        &document,
        &app.public_url,
        &format!("X-API-Key: {API_KEY}"),
        "^/v1/",
    )
    .await;
    let admin = schemathesis(
        &document,
        &app.admin_url,
        &format!("Authorization: Bearer {ADMIN_TOKEN}"),
        r"^/(healthz|readyz|metrics|openapi\.json|admin/)",
    )
    .await;
    let _ = std::fs::remove_file(&document);
    println!(
        "schemathesis, public listener:\n{}\nschemathesis, admin listener:\n{}",
        summary(&public),
        summary(&admin)
    );
}

/// `promtool check metrics` on `exposition`; panics with its complaints.
async fn promtool(what: &str, exposition: &str) {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(tool("CXRELAY_PROMTOOL", "promtool"))
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run promtool");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(exposition.as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "promtool check metrics refused the {what}'s /metrics:\n{}\n--- the exposition:\n{exposition}",
        text(&output)
    );
    let families = exposition
        .lines()
        .filter(|l| l.starts_with("# TYPE"))
        .count();
    println!("promtool check metrics, {what}: passed ({families} families)");
}

/// `GET {base}/metrics` with the admin token; checks the content type Prometheus expects.
async fn scrape(http: &reqwest::Client, base: &str) -> String {
    let response = http
        .get(format!("{base}/metrics"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_accepts_the_metrics_of_both_binaries_fresh_and_after_traffic() {
    let pipeline = ProcessPipeline::start(PipelineOptions::default()).await;
    let ingress_admin = pipeline.ingress().admin_url().to_owned();
    let worker_admin = pipeline.worker(0).admin_url().to_owned();

    // Fresh: every family, with its help and type, and the series whose labels are known.
    let ingress = scrape(&pipeline.http, &ingress_admin).await;
    let worker = scrape(&pipeline.http, &worker_admin).await;
    for (exposition, families) in [
        (&ingress, cxrelay_core::metrics::INGRESS),
        (&worker, cxrelay_core::metrics::WORKER),
    ] {
        for family in families {
            let known_at_start = ![
                cxrelay_core::metrics::DOWNSTREAM_CALL_SECONDS,
                cxrelay_core::metrics::QUEUE_DEPTH,
                cxrelay_core::metrics::RATE_LIMIT_SHARE,
                cxrelay_core::metrics::WORKER_REPLICAS,
            ]
            .contains(&family.name);
            if known_at_start {
                assert!(
                    exposition.contains(&format!("# HELP {} ", family.name)),
                    "{} is absent at start:\n{exposition}",
                    family.name
                );
            }
        }
    }
    for series in [
        r#"cxrelay_breaker_transitions_total{target="genesys",state="open"} 0"#,
        r#"cxrelay_target_pauses_total{target="cognigy",reason="quota"} 0"#,
    ] {
        assert!(worker.contains(series), "no {series} at start:\n{worker}");
    }
    promtool("fresh ingress", &ingress).await;
    promtool("fresh worker", &worker).await;

    let accepted = pipeline.send_fallbacks(5).await;
    let report = pipeline.reconcile(&accepted).await;
    report.assert_reconciled();
    let ingress = scrape(&pipeline.http, &ingress_admin).await;
    let worker = scrape(&pipeline.http, &worker_admin).await;
    assert!(
        ingress.contains("cxrelay_intake_seconds_bucket{"),
        "{ingress}"
    );
    assert!(
        worker.contains("cxrelay_event_age_seconds_bucket{"),
        "{worker}"
    );
    assert!(
        worker.contains("cxrelay_downstream_call_seconds_bucket{"),
        "{worker}"
    );
    promtool("ingress after traffic", &ingress).await;
    promtool("worker after traffic", &worker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_happy_paths_write_no_error_line() {
    let pipeline = ProcessPipeline::start(PipelineOptions {
        env: vec![("CXRELAY_LOG__FORMAT".into(), "json".into())],
        ..PipelineOptions::default()
    })
    .await;
    // The queue-depth poller has read the queues once (after the consumers declared them).
    let worker_admin = pipeline.worker(0).admin_url().to_owned();
    cxrelay_tests::wait::until(
        "the worker to report its queue depths",
        cxrelay_tests::app::PATIENCE,
        || async {
            let metrics = scrape(&pipeline.http, &worker_admin).await;
            metrics.contains("cxrelay_queue_depth{").then_some(())
        },
    )
    .await;
    let accepted = pipeline.send_fallbacks(10).await;
    pipeline.reconcile(&accepted).await.assert_reconciled();
    // A dry run of a replay from the dead-letter queue, through the admin API.
    let ingress_admin = pipeline.ingress().admin_url().to_owned();
    let response = pipeline
        .http
        .post(format!("{ingress_admin}/admin/v1/replay"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"reason": "a dry run", "fromDlq": true, "dryRun": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let mut errors = Vec::new();
    let logs = [
        pipeline.ingress().log_path().to_owned(),
        pipeline.worker(0).log_path().to_owned(),
    ];
    for log in &logs {
        let text = std::fs::read_to_string(log).unwrap();
        errors.extend(
            text.lines()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .filter(|line| line["level"] == "ERROR")
                .map(|line| line.to_string()),
        );
    }
    println!(
        "ERROR lines of the happy paths (ingress and worker): {}",
        errors.len()
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
