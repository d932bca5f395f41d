use cxrelay_tests::{spawn_app, AppOptions};
use serde_json::{json, Value};

async fn scrape(app: &cxrelay_tests::TestApp, base: &str) -> String {
    let response = app
        .admin_get(&format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_admin_listeners_expose_intake_outcome_and_downstream_metrics() {
    let app = spawn_app(AppOptions::default()).await;
    let refused = app
        .http
        .post(format!("{}/v1/cognigy/fallback", app.public_url))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let accepted = app
        .post_fallback(&json!({"sessionId": "m", "userId": "u", "text": "help"}))
        .await;
    assert_eq!(accepted.status(), 202);
    let body: Value = accepted.json().await.unwrap();
    app.wait_for_final(body["eventId"].as_str().unwrap()).await;

    let ingress = scrape(&app, &app.admin_url).await;
    for expected in [
        r#"cxrelay_intake_total{kind="cognigy.fallback",status="202"}"#,
        r#"cxrelay_intake_total{kind="cognigy.fallback",status="401"}"#,
        r#"cxrelay_auth_failures_total{route="fallback",reason="credential"}"#,
        "cxrelay_publish_confirm_seconds",
    ] {
        assert!(
            ingress.contains(expected),
            "ingress /metrics lacks {expected}:\n{ingress}"
        );
    }
    let worker = scrape(&app, &app.worker_admin_urls[0]).await;
    for expected in [
        r#"cxrelay_events_finished_total{kind="cognigy.fallback",status="succeeded""#,
        r#"cxrelay_downstream_call_seconds"#,
        r#"operation="genesys.flows.executions.create""#,
        r#"cxrelay_token_fetches_total{result="ok"}"#,
    ] {
        assert!(
            worker.contains(expected),
            "worker /metrics lacks {expected}:\n{worker}"
        );
    }
}

/// Checks one sample line of the Prometheus text format strictly: a metric name, optional
/// `{label="value",...}` (values with `\"`, `\\` and `\n` escapes), a space, a float.
fn is_sample_line(line: &str) -> bool {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let (name, mut rest) = line.split_at(name_end);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    if let Some(labels) = rest.strip_prefix('{') {
        let mut chars = labels.char_indices();
        let mut in_value = false;
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match (in_value, c) {
                (true, '\\') => {
                    chars.next();
                }
                (true, '"') => in_value = false,
                (false, '"') => in_value = true,
                (false, '}') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return false;
        };
        rest = &labels[end + 1..];
    }
    let Some(value) = rest.strip_prefix(' ') else {
        return false;
    };
    let value = value.split(' ').next().unwrap_or("");
    value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_and_every_family_is_there() {
    let app = spawn_app(AppOptions::default()).await;
    let accepted = app
        .post_fallback(&json!({"sessionId": "p", "userId": "u", "text": "help"}))
        .await;
    assert_eq!(accepted.status(), 202);
    let body: Value = accepted.json().await.unwrap();
    app.wait_for_final(body["eventId"].as_str().unwrap()).await;

    let families = [
        "cxrelay_intake_total",
        "cxrelay_publish_confirm_seconds",
        "cxrelay_events_finished_total",
        "cxrelay_downstream_call_seconds",
        "cxrelay_queue_depth",
        "cxrelay_token_fetches_total",
        "cxrelay_rate_limit_wait_seconds",
        "cxrelay_breaker_state",
    ];
    // Queue depths are read every few seconds: wait for a whole first reading (the sum of the
    // delay queues is set last).
    let delay_total = format!("queue=\"{}.delay\"", app.topology.prefix());
    let worker = cxrelay_tests::wait::until(
        "queue depths in the worker's /metrics",
        cxrelay_tests::app::PATIENCE,
        || async {
            let text = scrape(&app, &app.worker_admin_urls[0]).await;
            text.contains(&delay_total).then_some(text)
        },
    )
    .await;
    let ingress = scrape(&app, &app.admin_url).await;
    for text in [&ingress, &worker] {
        for line in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            assert!(is_sample_line(line), "not Prometheus text format: {line}");
        }
        let lines = text.lines().map(|l| Ok(l.to_owned()));
        let parsed = prometheus_parse::Scrape::parse(lines).expect("a Prometheus scrape");
        let sample_lines = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .count();
        assert!(!parsed.samples.is_empty() && sample_lines > 0);
    }
    let names: std::collections::BTreeSet<String> = [&ingress, &worker]
        .iter()
        .flat_map(|text| {
            let lines = text.lines().map(|l| Ok(l.to_owned()));
            prometheus_parse::Scrape::parse(lines).unwrap().samples
        })
        .map(|sample| sample.metric)
        .collect();
    for family in families {
        assert!(
            names.contains(family),
            "no {family} in /metrics; families: {names:?}"
        );
    }
    let work_queue = format!("queue=\"{}.genesys\"", app.topology.prefix());
    assert!(worker.contains(&work_queue), "work queue depth:\n{worker}");
}

#[test]
fn the_line_check_refuses_what_is_not_a_sample() {
    assert!(is_sample_line(r#"a_total{kind="x",q="a\"b"} 3"#));
    assert!(is_sample_line("a_seconds_sum 0.25"));
    assert!(is_sample_line(r#"a{quantile="0.5"} NaN"#));
    assert!(!is_sample_line("a_total{kind=\"x\" 3"));
    assert!(!is_sample_line("a_total three"));
    assert!(!is_sample_line("9a 1"));
}
