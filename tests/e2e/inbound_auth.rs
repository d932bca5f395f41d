//! Inbound authentication per source: every key form, rotation and revocation, routes that refuse
//! a source, HMAC signatures (base64 and hex, wrong, stale), and the admin listener's token.
//! What each refused request sent is counted against what reached the broker: nothing.

use std::sync::Arc;

use base64::Engine;
use cxrelay_core::config::{NamedSecrets, Settings, Source};
use cxrelay_core::kinds::Target;
use cxrelay_tests::{broker, spawn_app, wait, AppOptions, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const COGNIGY_OLD: &str = "cog-key-old-4b1e";
const COGNIGY_NEW: &str = "cog-key-new-93aa";
const GENESYS_KEY: &str = "gen-key-77c0";
/// The secret Genesys Open Messaging signs with (source `genesys`, signature only).
const OPEN_MESSAGING_SECRET: &str = "om-hmac-secret-1f2e3d";
const SIGNED_TIMESTAMP_HEADER: &str = "x-signature-timestamp";

fn secrets(entries: &[&str]) -> NamedSecrets {
    NamedSecrets::parse(entries.iter().copied()).unwrap()
}

/// Cognigy with two keys (a rotation under way), Genesys with one, `api` with the harness key.
fn with_keys(settings: &mut Settings) {
    settings.ingress.sources.cognigy.keys = secrets(&[
        &format!("cognigy-2025:{COGNIGY_OLD}"),
        &format!("cognigy-2026:{COGNIGY_NEW}"),
    ]);
    settings.ingress.sources.genesys.keys =
        secrets(&[&format!("genesys-dataaction:{GENESYS_KEY}")]);
}

fn app_with(customize: fn(&mut Settings)) -> AppOptions {
    AppOptions {
        // No worker: what the ingress published stays in the queue, where the test reads it.
        workers: 0,
        customize: Some(Arc::new(customize)),
        ..AppOptions::default()
    }
}

fn fallback(session: &str) -> Value {
    json!({"sessionId": session, "userId": "u-1", "text": "help"})
}

fn conversation_end(n: u32) -> Value {
    json!({
        "eventTime": "1736931870000",
        "conversationId": format!("5f0c1a2b-0000-4000-8000-{n:012}"),
        "participantId": "5f0c1a2b-0000-4000-8000-0000000000c2",
        "disconnectType": "client",
    })
}

fn basic(name: &str, key: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{name}:{key}"));
    format!("Basic {encoded}")
}

async fn post(app: &TestApp, path: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, Value) {
    let mut request = app
        .http
        .post(format!("{}{path}", app.public_url))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post_json(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    body: &Value,
) -> (u16, Value) {
    post(app, path, headers, &serde_json::to_vec(body).unwrap()).await
}

/// Every envelope in the Genesys work queue, by event id: (source, key name).
async fn published(app: &TestApp) -> Vec<(String, Option<String>, Option<String>)> {
    broker::drain_envelopes(&app.topology.work_queue(Target::Genesys))
        .await
        .into_iter()
        .map(|e| (e.event_id.to_string(), e.source, e.key_name))
        .collect()
}

fn sign(secret: &str, content: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(content);
    mac.finalize().into_bytes().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_form_authenticates_its_source_and_the_event_records_source_and_key_name() {
    let app = spawn_app(app_with(with_keys)).await;
    let fallback_route = "/v1/cognigy/fallback";
    let end_route = "/v1/genesys/conversation-events";
    let mut expected = Vec::new();
    // (route, body, the credential header, the source and key name it must be recorded under)
    type Case<'a> = (&'a str, Value, (&'a str, String), (&'a str, &'a str));
    let cases: Vec<Case> = vec![
        (
            fallback_route,
            fallback("s-1"),
            ("x-api-key", COGNIGY_OLD.into()),
            ("cognigy", "cognigy-2025"),
        ),
        (
            fallback_route,
            fallback("s-2"),
            ("authorization", format!("ApiKey {COGNIGY_NEW}")),
            ("cognigy", "cognigy-2026"),
        ),
        (
            fallback_route,
            fallback("s-3"),
            ("authorization", basic("cognigy-2026", COGNIGY_NEW)),
            ("cognigy", "cognigy-2026"),
        ),
        (
            end_route,
            conversation_end(1),
            ("x-api-key", GENESYS_KEY.into()),
            ("genesys", "genesys-dataaction"),
        ),
        (
            end_route,
            conversation_end(2),
            ("authorization", format!("apikey {GENESYS_KEY}")),
            ("genesys", "genesys-dataaction"),
        ),
        (
            end_route,
            conversation_end(3),
            ("authorization", basic("genesys-dataaction", GENESYS_KEY)),
            ("genesys", "genesys-dataaction"),
        ),
        // The legacy key list is source `api`, accepted on every route.
        (
            fallback_route,
            fallback("s-4"),
            ("x-api-key", cxrelay_tests::app::API_KEY.into()),
            ("api", "api-key-1"),
        ),
        (
            end_route,
            conversation_end(4),
            (
                "authorization",
                basic("api-key-1", cxrelay_tests::app::API_KEY),
            ),
            ("api", "api-key-1"),
        ),
    ];
    for (route, body, header, (source, key_name)) in cases {
        let (status, answer) = post_json(&app, route, std::slice::from_ref(&header), &body).await;
        assert_eq!(status, 202, "{route} with {}: {answer}", header.0);
        let id = answer["eventId"].as_str().unwrap().to_owned();
        expected.push((id, Some(source.to_owned()), Some(key_name.to_owned())));
    }
    // Basic needs the key's own name: a right key under another name is refused.
    let (status, _) = post_json(
        &app,
        fallback_route,
        &[("authorization", basic("cognigy-2025", COGNIGY_NEW))],
        &fallback("s-5"),
    )
    .await;
    assert_eq!(status, 401);

    let mut arrived = published(&app).await;
    arrived.sort();
    expected.sort();
    assert_eq!(arrived, expected, "sent {} accepted events", expected.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_refuses_a_source_it_does_not_accept_and_unknown_keys() {
    fn cognigy_only_events(settings: &mut Settings) {
        with_keys(settings);
        settings.ingress.route_sources.events = vec![Source::Cognigy];
    }
    let app = spawn_app(app_with(cognigy_only_events)).await;
    // A Genesys key on a Cognigy route: a valid key, but not this route's source.
    let (status, problem) = post_json(
        &app,
        "/v1/cognigy/fallback",
        &[("x-api-key", GENESYS_KEY.into())],
        &fallback("s-x"),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(problem["type"], "urn:cxrelay:problem:source-not-allowed");
    assert_eq!(problem["field"], "source");
    assert!(
        problem["detail"].as_str().unwrap().contains("'genesys'"),
        "{problem}"
    );
    // And a Cognigy key on a Genesys route.
    let (status, _) = post_json(
        &app,
        "/v1/genesys/conversation-events",
        &[("x-api-key", COGNIGY_OLD.into())],
        &conversation_end(9),
    )
    .await;
    assert_eq!(status, 403);
    // A configured route list: event status only for Cognigy.
    let id = "0190f0c0-0000-7000-8000-000000000001";
    let status_with = |key: &'static str| {
        let app = &app;
        async move {
            app.http
                .get(format!("{}/v1/events/{id}", app.public_url))
                .header("x-api-key", key)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(status_with(GENESYS_KEY).await, 403);
    assert_eq!(
        status_with(COGNIGY_NEW).await,
        404,
        "authenticated, nothing recorded"
    );
    // Unknown keys, in every form.
    for header in [
        ("x-api-key", "cog-key-old-4b1".to_owned()),
        ("authorization", "ApiKey nope".to_owned()),
        ("authorization", basic("cognigy-2025", "nope")),
        ("authorization", "Bearer whatever".to_owned()),
    ] {
        let (status, problem) = post_json(
            &app,
            "/v1/cognigy/fallback",
            std::slice::from_ref(&header),
            &fallback("s-y"),
        )
        .await;
        assert_eq!(status, 401, "{header:?}");
        assert_eq!(problem["type"], "urn:cxrelay:problem:unauthorized");
    }
    assert!(
        published(&app).await.is_empty(),
        "refused requests reached the broker"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_is_refused_while_its_successor_still_works() {
    // The rotation's end: `cognigy-2025` was removed from the list.
    fn rotated(settings: &mut Settings) {
        settings.ingress.sources.cognigy.keys = secrets(&[&format!("cognigy-2026:{COGNIGY_NEW}")]);
    }
    let app = spawn_app(app_with(rotated)).await;
    let (old, _) = post_json(
        &app,
        "/v1/cognigy/fallback",
        &[("x-api-key", COGNIGY_OLD.into())],
        &fallback("s-old"),
    )
    .await;
    let (new, answer) = post_json(
        &app,
        "/v1/cognigy/fallback",
        &[("x-api-key", COGNIGY_NEW.into())],
        &fallback("s-new"),
    )
    .await;
    assert_eq!((old, new), (401, 202));
    let arrived = published(&app).await;
    assert_eq!(arrived.len(), 1, "only the new key's event: {arrived:?}");
    assert_eq!(arrived[0].0, answer["eventId"].as_str().unwrap());
    assert_eq!(arrived[0].2.as_deref(), Some("cognigy-2026"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hmac_signatures_authenticate_a_signing_source_and_bad_or_stale_ones_are_refused() {
    fn signing_genesys(settings: &mut Settings) {
        // Genesys Open Messaging: no key, only a signature, with a signed timestamp.
        settings.ingress.sources.genesys.hmac_secrets = secrets(&[
            &format!("open-messaging:{OPEN_MESSAGING_SECRET}"),
            "open-messaging-next:second-secret",
        ]);
        settings.ingress.sources.genesys.timestamp_header = Some(SIGNED_TIMESTAMP_HEADER.into());
        // Cognigy has a key and must also sign.
        settings.ingress.sources.cognigy.keys = secrets(&[&format!("cognigy-2026:{COGNIGY_NEW}")]);
        settings.ingress.sources.cognigy.hmac_secrets = secrets(&["cognigy-sig:cog-sign-5e5e"]);
    }
    let app = spawn_app(app_with(signing_genesys)).await;
    let route = "/v1/genesys/conversation-events";
    let now = chrono::Utc::now().timestamp();
    let body = serde_json::to_vec(&conversation_end(21)).unwrap();
    let signed = |secret: &str, ts: i64, body: &[u8]| {
        let mut content = format!("{ts}.").into_bytes();
        content.extend_from_slice(body);
        sign(secret, &content)
    };
    let b64 = |mac: Vec<u8>| {
        format!(
            "sha256={}",
            base64::engine::general_purpose::STANDARD.encode(mac)
        )
    };
    let headers = |signature: String, ts: i64| {
        vec![
            ("x-hub-signature-256", signature),
            (SIGNED_TIMESTAMP_HEADER, ts.to_string()),
        ]
    };

    let (status, valid) = post(
        &app,
        route,
        &headers(b64(signed(OPEN_MESSAGING_SECRET, now, &body)), now),
        &body,
    )
    .await;
    assert_eq!(status, 202, "{valid}");
    let hex_body = serde_json::to_vec(&conversation_end(22)).unwrap();
    let hex = format!(
        "sha256={}",
        hex::encode(signed("second-secret", now, &hex_body))
    );
    let (status, hex_valid) = post(&app, route, &headers(hex, now), &hex_body).await;
    assert_eq!(status, 202, "{hex_valid}");

    let mut refusals = vec![
        (
            "another body",
            headers(b64(signed(OPEN_MESSAGING_SECRET, now, b"{}")), now),
            "signature",
            "x-hub-signature-256",
        ),
        (
            "a wrong secret",
            headers(b64(signed("not-the-secret", now, &body)), now),
            "signature",
            "x-hub-signature-256",
        ),
        (
            "a stale timestamp",
            headers(
                b64(signed(OPEN_MESSAGING_SECRET, now - 600, &body)),
                now - 600,
            ),
            "window",
            SIGNED_TIMESTAMP_HEADER,
        ),
        (
            "a malformed header",
            headers("sha256=zz".into(), now),
            "format",
            "x-hub-signature-256",
        ),
    ];
    refusals.push((
        "no signature",
        vec![(SIGNED_TIMESTAMP_HEADER, now.to_string())],
        "required",
        "x-hub-signature-256",
    ));
    for (what, headers, rule, field) in refusals {
        let (status, problem) = post(&app, route, &headers, &body).await;
        assert_eq!(status, 401, "{what}: {problem}");
        assert_eq!(
            problem["type"], "urn:cxrelay:problem:bad-signature",
            "{what}"
        );
        assert_eq!(
            (problem["rule"].as_str(), problem["field"].as_str()),
            (Some(rule), Some(field)),
            "{what}"
        );
    }

    // Key and signature: a right key without a signature is not enough.
    let fallback_body = serde_json::to_vec(&fallback("s-sig")).unwrap();
    let key = ("x-api-key", COGNIGY_NEW.to_owned());
    let (unsigned, _) = post(
        &app,
        "/v1/cognigy/fallback",
        std::slice::from_ref(&key),
        &fallback_body,
    )
    .await;
    let signature = b64(sign("cog-sign-5e5e", &fallback_body));
    let (signed_status, with_key) = post(
        &app,
        "/v1/cognigy/fallback",
        &[key, ("x-hub-signature-256", signature)],
        &fallback_body,
    )
    .await;
    assert_eq!((unsigned, signed_status), (401, 202));

    let mut arrived = published(&app).await;
    arrived.sort();
    let mut expected = vec![
        (
            valid["eventId"].as_str().unwrap().to_owned(),
            Some("genesys".into()),
            Some("open-messaging".into()),
        ),
        (
            hex_valid["eventId"].as_str().unwrap().to_owned(),
            Some("genesys".into()),
            Some("open-messaging-next".into()),
        ),
        (
            with_key["eventId"].as_str().unwrap().to_owned(),
            Some("cognigy".into()),
            Some("cognigy-2026".into()),
        ),
    ];
    expected.sort();
    assert_eq!(arrived, expected, "3 signed events sent, 6 refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_listener_needs_a_token_for_all_but_healthz_and_the_public_one_has_no_admin_route(
) {
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let admin = &app.admin_url;
    let healthz = app
        .http
        .get(format!("{admin}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(healthz.status(), 200);
    for path in ["/readyz", "/metrics"] {
        let refused = app.http.get(format!("{admin}{path}")).send().await.unwrap();
        assert_eq!(refused.status(), 401, "{path} without a token");
        assert_eq!(refused.headers()["www-authenticate"], "Bearer");
        let wrong = app
            .http
            .get(format!("{admin}{path}"))
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{path} with a wrong token");
        let allowed = app
            .admin_get(&format!("{admin}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(allowed.status(), 200, "{path} with the token");
    }
    let replay = app
        .http
        .post(format!("{admin}/admin/v1/replay"))
        .json(&json!({"reason": "r", "fromDlq": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    // The public listener serves none of them, whatever the credential.
    for (method, path) in [
        ("GET", "/metrics"),
        ("GET", "/readyz"),
        ("POST", "/admin/v1/replay"),
        ("GET", "/openapi.json"),
    ] {
        let request = match method {
            "GET" => app.http.get(format!("{}{path}", app.public_url)),
            _ => app.http.post(format!("{}{path}", app.public_url)),
        };
        let response = request
            .bearer_auth(cxrelay_tests::app::ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            404,
            "{method} {path} on the public listener"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_be_opened_to_a_scraper_without_opening_the_rest() {
    let app = spawn_app(AppOptions {
        workers: 0,
        customize: Some(Arc::new(|settings| settings.ingress.metrics_open = true)),
        ..AppOptions::default()
    })
    .await;
    let metrics = app
        .http
        .get(format!("{}/metrics", app.admin_url))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let ready = app
        .http
        .get(format!("{}/readyz", app.admin_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_event_shows_who_sent_it() {
    let app = spawn_app(AppOptions {
        customize: Some(Arc::new(with_keys)),
        ..AppOptions::default()
    })
    .await;
    let (status, answer) = post_json(
        &app,
        "/v1/cognigy/fallback",
        &[("x-api-key", COGNIGY_OLD.into())],
        &fallback("s-seen"),
    )
    .await;
    assert_eq!(status, 202);
    let id = answer["eventId"].as_str().unwrap();
    let event = app.wait_for_final(id).await;
    assert_eq!(
        (event["source"].as_str(), event["keyName"].as_str()),
        (Some("cognigy"), Some("cognigy-2025"))
    );
    let usage: Vec<(String, String, i64)> = wait::until(
        "the key usage view",
        cxrelay_tests::app::PATIENCE,
        || async {
            let rows: Vec<(String, String, i64)> =
                sqlx::query_as("SELECT source, key_name, events FROM ops.key_usage_last_30d")
                    .fetch_all(&app.db)
                    .await
                    .ok()?;
            (!rows.is_empty()).then_some(rows)
        },
    )
    .await;
    assert_eq!(
        usage,
        vec![("cognigy".to_owned(), "cognigy-2025".to_owned(), 1)]
    );
    let stored: String =
        sqlx::query_scalar("SELECT row_to_json(events)::text FROM events WHERE id = $1::uuid")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        !stored.contains(COGNIGY_OLD),
        "the key itself is never stored"
    );
}
