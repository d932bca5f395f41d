//! Secrets hygiene on the real binaries at `trace` level: after a scenario that runs every
//! event kind end to end, refuses bad requests, lets a Genesys token expire, dead-letters an
//! event, lists it with `cxrelay dead-letters` and replays it through the admin API, no
//! configured secret, and no Genesys access token the simulator issued, may appear in the
//! ingress's or the worker's log, in the command's output, in any row of any table, or in any
//! answer the test received. The body of a refused request must not be logged either.
//!
//! The secrets are fresh random values each run, 64 hex characters long, so nothing else can
//! contain one by chance: a hit is a leak.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine;
use cxrelay_core::config::{CognigyEndpoint, Settings};
use cxrelay_core::redact::REDACTED;
use cxrelay_tests::app::{Customize, ENDPOINT, ENDPOINT_ID, PATIENCE, SNAPSHOT_ID};
use cxrelay_tests::cli::{cxrelay_with_env, CliRun};
use cxrelay_tests::crm_receiver::CrmReceiver;
use cxrelay_tests::{wait, PipelineOptions, ProcessPipeline};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use uuid::Uuid;

/// The processes' log filter: everything, the dependencies' output included.
const TRACE: &str = "trace";

/// Every secret setting the scenario configures: what it is, the environment variable that
/// sets it, and how the variable writes it (`{}` is a fresh random secret). Settings that hold
/// lists (keys, tokens) take several lines, joined with commas. A new secret setting is one
/// line here: the processes and `cxrelay` get it, and the test fails wherever its value shows
/// up. For instance, the per-source keys and HMAC secrets of the inbound auth:
/// `("Cognigy source key", "CXRELAY_INGRESS__SOURCES__COGNIGY__KEYS", "cognigy-1:{}"),`
/// `("Genesys HMAC secret", "CXRELAY_INGRESS__SOURCES__GENESYS__HMAC_SECRETS", "genesys-1:{}"),`
// A table, one secret a line.
#[rustfmt::skip]
const SECRET_SETTINGS: &[(&str, &str, &str)] = &[
    (CLIENT_SECRET, "CXRELAY_GENESYS__CLIENT_SECRET", "{}"),
    (COGNIGY_KEY, "CXRELAY_COGNIGY__API_KEY", "{}"),
    (SUPPORT_TOKEN, "CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__URL_TOKEN", "{}"),
    (SALES_TOKEN, "CXRELAY_COGNIGY__ENDPOINTS__SALES__URL_TOKEN", "{}"),
    (CRM_SECRET, "CXRELAY_CRM__WEBHOOK_SECRET", "{}"),
    (API_KEY, "CXRELAY_INGRESS__API_KEYS", "{}"),
    (OLD_API_KEY, "CXRELAY_INGRESS__API_KEYS", "{}"),
    (ADMIN_TOKEN, "CXRELAY_INGRESS__ADMIN_TOKENS", "ops-bot:{}"),
    (OTHER_ADMIN_TOKEN, "CXRELAY_INGRESS__ADMIN_TOKENS", "alice:{}"),
    (COGNIGY_SOURCE_KEY, "CXRELAY_INGRESS__SOURCES__COGNIGY__KEYS", "cognigy-2026:{}"),
    (GENESYS_HMAC, "CXRELAY_INGRESS__SOURCES__GENESYS__HMAC_SECRETS", "open-messaging:{}"),
];

/// The Genesys OAuth client secret.
const CLIENT_SECRET: &str = "Genesys client secret";
/// The Cognigy management API key.
const COGNIGY_KEY: &str = "Cognigy API key";
/// The URLToken of the Endpoint `support` (flow runs, the fallback's notify).
const SUPPORT_TOKEN: &str = "URLToken of Endpoint support";
/// The URLToken of the Endpoint `sales` (bot sessions).
const SALES_TOKEN: &str = "URLToken of Endpoint sales";
/// The CRM webhook's HMAC key.
const CRM_SECRET: &str = "CRM webhook secret";
/// The inbound API key the scenario sends with.
const API_KEY: &str = "inbound API key";
/// A second inbound key, valid at the same time (a rotation).
const OLD_API_KEY: &str = "inbound API key being rotated out";
/// The admin token the scenario replays with (`ops-bot`).
const ADMIN_TOKEN: &str = "admin token of ops-bot";
/// Another admin token (`alice`).
const OTHER_ADMIN_TOKEN: &str = "admin token of alice";

/// The inbound key of source `cognigy` (sent as Basic credentials).
const COGNIGY_SOURCE_KEY: &str = "inbound key of source cognigy";
/// The HMAC secret source `genesys` signs with (Open Messaging style, no key).
const GENESYS_HMAC: &str = "HMAC secret of source genesys";

/// The route of fallback events.
const FALLBACK: &str = "/v1/cognigy/fallback";

/// The second Endpoint's name and id.
const SALES: &str = "sales";
const SALES_ID: &str = "64f1a0c0ffee0000000000a2";

/// Strings of refused requests: a wrong key presented and two refused bodies. Not secrets
/// cxrelay holds, but what a caller sent and cxrelay refused is not logged either.
const WRONG_KEY: &str = "wrong-key-7c1e4b0a9d2f8e3c5a6b";
const BODY_MARKER: &str = "refused-body-marker-4f9a2c7e1b3d";
const MALFORMED_MARKER: &str = "malformed-body-marker-8e2d6a0c4f1b";

/// The configured secrets of one run.
struct Secrets(Vec<Secret>);

struct Secret {
    what: &'static str,
    env: &'static str,
    written: String,
    value: String,
}

impl Secrets {
    /// A fresh random value for each of [`SECRET_SETTINGS`].
    fn generate() -> Self {
        Self(
            SECRET_SETTINGS
                .iter()
                .map(|&(what, env, template)| {
                    let value = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
                    Secret {
                        what,
                        env,
                        written: template.replace("{}", &value),
                        value,
                    }
                })
                .collect(),
        )
    }

    fn value(&self, what: &str) -> String {
        self.0
            .iter()
            .find(|secret| secret.what == what)
            .map(|secret| secret.value.clone())
            .unwrap_or_else(|| panic!("no secret '{what}' in SECRET_SETTINGS"))
    }

    /// The environment that configures them, lists joined with commas.
    fn env(&self) -> Vec<(String, String)> {
        let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for secret in &self.0 {
            by_name.entry(secret.env).or_default().push(&secret.written);
        }
        // The harness waits for readiness with its own admin token; it is no secret of the test.
        let harness = format!("harness:{}", cxrelay_tests::app::ADMIN_TOKEN);
        by_name
            .entry("CXRELAY_INGRESS__ADMIN_TOKENS")
            .or_default()
            .push(&harness);
        by_name
            .into_iter()
            .map(|(name, values)| (name.to_owned(), values.join(",")))
            .collect()
    }

    /// (what, value) of every secret.
    fn named(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|s| (s.what.to_owned(), s.value.clone()))
            .collect()
    }
}

/// Everything the test received from cxrelay, to be searched.
#[derive(Default)]
struct Received(Mutex<Vec<(String, String)>>);

impl Received {
    fn keep(&self, what: String, body: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((what, body));
    }

    fn all(&self) -> Vec<(String, String)> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The scenario's client of the ingress: every answer is kept.
struct Caller<'a> {
    pipeline: &'a ProcessPipeline,
    key: String,
    admin_url: String,
    received: Received,
}

impl Caller<'_> {
    /// POSTs raw `body` (as JSON) with `key`; returns the status and the answer body.
    async fn post_raw(&self, path: &str, key: &str, body: String) -> (u16, Value) {
        self.post_with_headers(path, &[("X-API-Key", key.to_owned())], body)
            .await
    }

    /// POSTs raw JSON `body` with `headers`; returns the status and the answer.
    async fn post_with_headers(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: String,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.pipeline.public_url());
        let mut request = self
            .pipeline
            .http
            .post(&url)
            .header("Content-Type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        self.received
            .keep(format!("the answer {status} to POST {path}"), text.clone());
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// POSTs `body` to `path`, expects 202 and returns the event id.
    async fn accept(&self, path: &str, body: &Value) -> String {
        self.accept_with(path, &self.key, body).await
    }

    async fn accept_with(&self, path: &str, key: &str, body: &Value) -> String {
        let (status, answer) = self.post_raw(path, key, body.to_string()).await;
        assert_eq!(status, 202, "POST {path} {body}: {answer}");
        answer["eventId"].as_str().expect("eventId").to_owned()
    }

    /// Waits until event `id` is final and returns its status document.
    async fn finished(&self, id: &str) -> Value {
        let url = format!("{}/v1/events/{id}", self.pipeline.public_url());
        wait::until(&format!("event {id} to finish"), PATIENCE, || async {
            let response = self
                .pipeline
                .http
                .get(&url)
                .header("X-API-Key", &self.key)
                .send()
                .await
                .ok()?;
            let status = response.status().as_u16();
            let text = response.text().await.ok()?;
            self.received.keep(
                format!("the answer {status} to GET /v1/events/{id}"),
                text.clone(),
            );
            let event: Value = serde_json::from_str(&text).ok()?;
            matches!(
                event["status"].as_str(),
                Some("succeeded" | "dead" | "expired")
            )
            .then_some(event)
        })
        .await
    }

    /// Posts `body`, waits for the event to finish and checks its status.
    async fn run(&self, path: &str, body: &Value, expected: &str) -> String {
        let id = self.accept(path, body).await;
        let event = self.finished(&id).await;
        assert_eq!(event["status"], expected, "{path}: {event}");
        id
    }

    /// `POST /admin/v1/replay` with bearer `token`.
    async fn replay(&self, token: &str, body: &Value) -> (u16, Value) {
        let url = format!("{}/admin/v1/replay", self.admin_url);
        let response = self
            .pipeline
            .http
            .post(&url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        self.received.keep(
            format!("the answer {status} to POST /admin/v1/replay"),
            text.clone(),
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_a_log_a_table_or_an_answer_at_trace_level() {
    let secrets = Secrets::generate();
    let crm = CrmReceiver::start().await;
    let mut env = secrets.env();
    env.push(("RUST_LOG".to_owned(), TRACE.to_owned()));
    let pipeline = ProcessPipeline::start(PipelineOptions {
        env: env.clone(),
        customize: Some(settings_accepting(&secrets, &crm.url)),
        ..PipelineOptions::default()
    })
    .await;
    let caller = Caller {
        pipeline: &pipeline,
        key: secrets.value(API_KEY),
        admin_url: pipeline.ingress().admin_url().to_owned(),
        received: Received::default(),
    };

    let (live, ended) = seed_the_org(&pipeline, &secrets).await;
    let mut accepted = every_kind(&caller, &secrets, &live, &ended).await;
    assert_eq!(crm.received().len(), 1, "the CRM got the signed summary");
    accepted.extend(rotation_and_token_expiry(&caller, &secrets).await);
    accepted.push(per_source_credentials(&caller, &secrets, &ended).await);
    refused_requests(&caller).await;
    let (dead, runs) = dead_listed_and_replayed(&caller, &secrets, &env).await;
    accepted.push(dead);

    let places = where_secrets_must_not_be(&pipeline, &caller, &runs).await;
    // The search can fail: the logs are at trace level and follow every event.
    let (ingress_log, worker_log) = (&places[0].1, &places[1].1);
    for (name, log) in [("ingress", ingress_log), ("worker", worker_log)] {
        assert!(log.contains("TRACE"), "the {name} log is at trace level");
    }
    for id in &accepted {
        assert!(
            worker_log.contains(id.as_str()),
            "the worker log follows event {id}"
        );
    }

    let looked_for = secrets_to_look_for(&pipeline, &secrets);
    let mut leaks = Vec::new();
    for (place, text) in &places {
        for (what, value) in &looked_for {
            for (form, needle) in written_forms(value) {
                if let Some(context) = found(text, &needle) {
                    leaks.push(format!("{what} ({form}) in {place}: …{context}…"));
                }
            }
        }
    }
    let logs = &places[..2 + 2 * runs.len()];
    for (place, text) in logs {
        for marker in [WRONG_KEY, BODY_MARKER, MALFORMED_MARKER] {
            if let Some(context) = found(text, marker) {
                leaks.push(format!(
                    "a refused request's {marker} in {place}: …{context}…"
                ));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks (searched {} places for {} secrets):\n{}",
        leaks.len(),
        places.len(),
        looked_for.len(),
        leaks.join("\n")
    );
}

/// Settings changes that configure the secrets the simulator must accept (the Genesys client
/// secret, the Cognigy key) or know (the Endpoints' URLTokens), and the CRM webhook; the
/// processes' environment repeats them.
fn settings_accepting(secrets: &Secrets, crm_url: &str) -> Customize {
    let crm_url = crm_url.to_owned();
    let (client_secret, cognigy_key) = (secrets.value(CLIENT_SECRET), secrets.value(COGNIGY_KEY));
    let (support_token, sales_token) = (secrets.value(SUPPORT_TOKEN), secrets.value(SALES_TOKEN));
    let crm_secret = secrets.value(CRM_SECRET);
    Arc::new(move |settings: &mut Settings| {
        settings.genesys.client_secret = Some(SecretString::from(client_secret.clone()));
        settings.cognigy.api_key = Some(SecretString::from(cognigy_key.clone()));
        let support = settings
            .cognigy
            .endpoints
            .get_mut(ENDPOINT)
            .expect("the harness's Endpoint");
        support.url_token = SecretString::from(support_token.clone());
        let base_url = support.base_url.clone();
        settings.cognigy.endpoints.insert(
            SALES.to_owned(),
            CognigyEndpoint {
                id: SALES_ID.to_owned(),
                url_token: SecretString::from(sales_token.clone()),
                base_url,
            },
        );
        settings.crm.webhook_url = Some(crm_url.parse().expect("the receiver's URL"));
        settings.crm.webhook_secret = Some(SecretString::from(crm_secret.clone()));
    })
}

/// A snapshot served by both Endpoints, a live call with a bot and an ended call; returns the
/// live conversation and the ended one's id.
async fn seed_the_org(pipeline: &ProcessPipeline, secrets: &Secrets) -> (Value, String) {
    let snapshot = json!({"_id": SNAPSHOT_ID, "name": "release 1"});
    pipeline
        .sim_post("/_sim/cognigy/snapshots", &snapshot)
        .await;
    for (name, id, token) in [
        (ENDPOINT, ENDPOINT_ID, SUPPORT_TOKEN),
        (SALES, SALES_ID, SALES_TOKEN),
    ] {
        let endpoint = json!({"_id": id, "name": name, "URLToken": secrets.value(token),
                              "active": true, "entrypoint": SNAPSHOT_ID});
        pipeline
            .sim_post("/_sim/cognigy/endpoints", &endpoint)
            .await;
    }
    let live = json!({"participants": [{"purpose": "customer", "state": "connected"},
                                       {"purpose": "ivr", "state": "connected"}]});
    let live = pipeline
        .sim_post("/_sim/genesys/conversations", &live)
        .await;
    let ended = json!({"mediaType": "message", "participants": [
        {"purpose": "customer", "state": "connected"},
        {"purpose": "acd", "state": "connected", "queueId": "0d3b2a1c-9999-4a4a-9b9b-000000000009"}]});
    let ended = pipeline
        .sim_post("/_sim/genesys/conversations", &ended)
        .await;
    let ended = ended["id"].as_str().expect("conversation id").to_owned();
    let end = format!("/_sim/genesys/conversations/{ended}/end");
    pipeline.sim_post(&end, &json!({})).await;
    (live, ended)
}

/// Each of the six kinds, carried out; returns their event ids.
async fn every_kind(
    caller: &Caller<'_>,
    secrets: &Secrets,
    live: &Value,
    ended: &str,
) -> Vec<String> {
    let ended_at = chrono::Utc::now().timestamp_millis().to_string();
    let events = [
        // A fallback carrying its session's URLToken, so the user is notified through Cognigy.
        (
            "/v1/cognigy/fallback",
            json!({"sessionId": "secret-s1", "userId": "u1",
            "text": "a person please", "URLToken": secrets.value(SUPPORT_TOKEN)}),
        ),
        (
            "/v1/cognigy/bot-failure",
            json!({"conversationId": live["id"],
            "participantId": live["participants"][1]["id"]}),
        ),
        (
            "/v1/genesys/bot-sessions",
            json!({"userId": "caller", "text": "hi",
            "conversationId": ended, "endpoint": SALES}),
        ),
        (
            "/v1/cognigy/flow-runs",
            json!({"endpoint": ENDPOINT, "expectedSnapshot": SNAPSHOT_ID,
            "userId": "u2", "sessionId": "secret-s2", "text": "hello"}),
        ),
        (
            "/v1/genesys/virtual-agent-sessions",
            json!({"botId": "bot-s", "toAddress": "+15550999",
            "toAddressMessengerType": "open", "fromAddress": "brand", "text": "How can I help?",
            "intentScore": 0.9, "sentiment": 0.4}),
        ),
        (
            "/v1/genesys/conversation-events",
            json!({"eventTime": ended_at, "conversationId": ended,
            "disconnectType": "client", "mediaType": "MESSAGE"}),
        ),
    ];
    let mut ids = Vec::new();
    for (path, body) in events {
        ids.push(caller.run(path, &body, "succeeded").await);
    }
    ids
}

/// The key being rotated out still works while configured; then a token Genesys no longer
/// accepts: 401, a new token, the call again. Returns the two events' ids.
async fn rotation_and_token_expiry(caller: &Caller<'_>, secrets: &Secrets) -> Vec<String> {
    let rotated = json!({"sessionId": "secret-s3", "userId": "u3", "text": "agent"});
    let old_key = secrets.value(OLD_API_KEY);
    let by_old_key = caller.accept_with(FALLBACK, &old_key, &rotated).await;
    assert_eq!(caller.finished(&by_old_key).await["status"], "succeeded");

    let pipeline = caller.pipeline;
    pipeline.sim_post("/_sim/tokens/expire", &json!({})).await;
    let after_expiry = json!({"sessionId": "secret-s4", "userId": "u4", "text": "agent"});
    let after = caller.run(FALLBACK, &after_expiry, "succeeded").await;
    let refused = pipeline
        .sim_calls_to("POST", "/api/v2/flows/executions")
        .into_iter()
        .filter(|call| call.status == Some(401))
        .count();
    assert_eq!(refused, 1, "Genesys refused the expired token once");
    vec![by_old_key, after]
}

/// Per-source credentials: a fallback sent with source `cognigy`'s key as Basic credentials
/// (carried out), and the conversation end sent again signed with source `genesys`'s HMAC
/// secret (a repeat, answered 202) and with a wrong signature (401). Returns the fallback's id.
async fn per_source_credentials(caller: &Caller<'_>, secrets: &Secrets, ended: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let basic = encode(format!("cognigy-2026:{}", secrets.value(COGNIGY_SOURCE_KEY)).as_bytes());
    let body = json!({"sessionId": "secret-s5", "userId": "u5", "text": "agent"}).to_string();
    let (status, answer) = caller
        .post_with_headers(
            FALLBACK,
            &[("Authorization", format!("Basic {basic}"))],
            body,
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    let id = answer["eventId"].as_str().expect("eventId").to_owned();
    let finished = caller.finished(&id).await;
    assert_eq!(
        (&finished["status"], &finished["keyName"]),
        (&json!("succeeded"), &json!("cognigy-2026"))
    );

    let end = json!({"eventTime": "1736931870000", "conversationId": ended}).to_string();
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(secrets.value(GENESYS_HMAC).as_bytes())
            .expect("any key length");
    mac.update(end.as_bytes());
    let signature = format!("sha256={}", encode(&mac.finalize().into_bytes()));
    let route = "/v1/genesys/conversation-events";
    let (signed, _) = caller
        .post_with_headers(route, &[("X-Hub-Signature-256", signature)], end.clone())
        .await;
    let wrong = format!("sha256={}", encode(&[7u8; 32]));
    let (refused, _) = caller
        .post_with_headers(route, &[("X-Hub-Signature-256", wrong)], end)
        .await;
    assert_eq!((signed, refused), (202, 401));
    id
}

/// A wrong key, a body that breaks a rule, and a body that is no JSON: each refused with a 4xx.
async fn refused_requests(caller: &Caller<'_>) {
    let valid = json!({"sessionId": "s", "userId": "u", "text": "agent"});
    let (status, _) = caller
        .post_raw(FALLBACK, WRONG_KEY, valid.to_string())
        .await;
    assert_eq!(status, 401);
    let breaks_a_rule = json!({"sessionId": "s", "userId": "u", "text": BODY_MARKER,
                               "intent": "billing", "intentScore": 0.99});
    let malformed = format!("{{\"sessionId\": \"{MALFORMED_MARKER}");
    for body in [breaks_a_rule.to_string(), malformed] {
        let (status, answer) = caller.post_raw(FALLBACK, &caller.key, body).await;
        assert!((400..500).contains(&status), "{status} {answer}");
    }
}

/// A fallback with its URLToken that ends dead, `cxrelay dead-letters` (both formats, at
/// trace level) listing it, a replay refused for a wrong admin token and one made with the
/// configured token. Returns the event's id and the command runs.
async fn dead_listed_and_replayed(
    caller: &Caller<'_>,
    secrets: &Secrets,
    env: &[(String, String)],
) -> (String, Vec<(String, CliRun)>) {
    let pipeline = caller.pipeline;
    let fault =
        json!({"method": "POST", "path": "/api/v2/flows/executions", "status": 400, "times": 1});
    pipeline.inject_fault(serde_json::from_value(fault).expect("a fault"));
    let doomed = json!({"sessionId": "secret-s5", "userId": "u5", "text": "agent",
                        "URLToken": secrets.value(SUPPORT_TOKEN)});
    let dead = caller.run(FALLBACK, &doomed, "dead").await;

    let cli_env: Vec<(&str, Option<&str>)> = env
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.as_str())))
        .collect();
    let mut runs = Vec::new();
    for args in [
        &["dead-letters"][..],
        &["dead-letters", "--format", "json"][..],
    ] {
        let run = cxrelay_with_env(pipeline.worker_settings(), args, &cli_env).await;
        assert!(run.status.success(), "cxrelay {args:?}: {run:#?}");
        runs.push((format!("cxrelay {}", args.join(" ")), run));
    }
    let listed = &runs[1].1.stdout;
    assert!(listed.contains(&dead), "the dead event is listed: {listed}");
    assert!(
        listed.contains(REDACTED),
        "with its URLToken redacted: {listed}"
    );

    let replay = json!({"reason": "flow fixed", "eventIds": [dead]});
    let (status, _) = caller.replay("not-an-admin-token", &replay).await;
    assert_eq!(status, 401);
    let (status, answer) = caller.replay(&secrets.value(ADMIN_TOKEN), &replay).await;
    assert_eq!((status, &answer["replayed"]), (200, &json!(1)), "{answer}");
    assert_eq!(caller.finished(&dead).await["status"], "succeeded");
    (dead, runs)
}

/// (where, what it holds): the ingress's log, the worker's log, each command run's stdout and
/// stderr (in this order, first), every table, every answer received.
async fn where_secrets_must_not_be(
    pipeline: &ProcessPipeline,
    caller: &Caller<'_>,
    runs: &[(String, CliRun)],
) -> Vec<(String, String)> {
    let mut places = Vec::new();
    for path in [pipeline.ingress().log_path(), pipeline.worker(0).log_path()] {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        places.push((format!("the log {}", path.display()), text));
    }
    for (command, run) in runs {
        places.push((format!("the output of {command}"), run.stdout.clone()));
        places.push((format!("the log (stderr) of {command}"), run.stderr.clone()));
    }
    for (table, rows) in every_table(&pipeline.db).await {
        places.push((format!("the table {table}"), rows));
    }
    places.extend(caller.received.all());
    places
}

/// (what, value) of every secret: the configured ones, every Genesys access token the
/// simulator issued, the OAuth client's Basic credentials as an `Authorization` header carries
/// them, and the database and broker URLs with their logins.
fn secrets_to_look_for(pipeline: &ProcessPipeline, secrets: &Secrets) -> Vec<(String, String)> {
    let mut looked_for = secrets.named();
    let issued = pipeline.sim.state().tokens().issued_tokens();
    assert!(
        issued.len() >= 2,
        "a second token after the expiry: {}",
        issued.len()
    );
    for (n, token) in issued.into_iter().enumerate() {
        looked_for.push((format!("Genesys access token #{}", n + 1), token));
    }
    let settings = pipeline.worker_settings();
    let client_id = settings.genesys.client_id.clone().unwrap_or_default();
    let basic = format!("{client_id}:{}", secrets.value(CLIENT_SECRET));
    looked_for.push((
        "Genesys Basic credentials".to_owned(),
        base64::engine::general_purpose::STANDARD.encode(basic),
    ));
    // Not random, but no log may show them either.
    for (what, url) in [
        ("the database URL", settings.database.url.as_ref()),
        ("the broker URL", settings.amqp.url.as_ref()),
    ] {
        let url = url
            .map(|u| u.expose_secret().to_owned())
            .unwrap_or_default();
        looked_for.push((what.to_owned(), url.clone()));
        if let Ok(parsed) = url::Url::parse(&url) {
            let password = parsed.password().unwrap_or_default();
            // SASL PLAIN, what an AMQP client sends to log in: NUL user NUL password.
            let plain = format!("\0{}\0{password}", parsed.username());
            looked_for.push((format!("the SASL login of {what}"), plain));
        }
    }
    looked_for
}

/// How a secret may be written where it leaks: as itself, in hex, and as the list of its
/// byte values that a `Debug` of a byte buffer prints (an AMQP frame, a request body).
fn written_forms(secret: &str) -> Vec<(&'static str, String)> {
    let bytes: Vec<String> = secret.bytes().map(|b| b.to_string()).collect();
    vec![
        ("as text", secret.to_owned()),
        ("in hex", hex::encode(secret)),
        ("as byte values", bytes.join(", ")),
    ]
}

/// Where `needle` first occurs in `text`, with what surrounds it (the needle itself marked).
fn found(text: &str, needle: &str) -> Option<String> {
    let at = text.find(needle)?;
    let before = text[..at].chars().rev().take(80).collect::<Vec<_>>();
    let before: String = before.into_iter().rev().collect();
    let after: String = text[at + needle.len()..].chars().take(80).collect();
    Some(format!("{before}«{needle}»{after}").replace('\n', "⏎"))
}

/// Every row of every table (partitioned tables once, through their parent) as JSON text,
/// one row a line, by table name.
async fn every_table(db: &sqlx::PgPool) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          ORDER BY 1",
    )
    .fetch_all(db)
    .await
    .expect("the table names");
    assert!(tables.iter().any(|t| t == "audit_log") && tables.iter().any(|t| t == "attempts"));
    let mut dumped = Vec::new();
    for table in tables {
        let rows: String = sqlx::query_scalar(&format!(
            "SELECT coalesce(string_agg(to_jsonb(t)::text, E'\\n'), '') FROM \"{table}\" t"
        ))
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("cannot read {table}: {e}"));
        dumped.push((table, rows));
    }
    dumped
}
