use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use cxrelay_sim::{Seed, SimConfig};
use serde_json::{json, Value};
use tokio::io::AsyncReadExt;

use crate::helpers::{customer_and_bot, spawn_sim, spawn_sim_with, test_config};

const EXAMPLE_SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seed.example.json");
const LIVE_ID: &str = "5f0c1a2b-0000-4000-8000-00000000c0a1";
const ENDED_ID: &str = "5f0c1a2b-0000-4000-8000-00000000c0a2";

#[tokio::test]
async fn a_seeded_conversation_gets_generated_ids_and_is_stored_as_sent() {
    let app = spawn_sim().await;

    let seeded = app.seed_conversation(customer_and_bot()).await;

    let id = seeded["id"].as_str().unwrap();
    assert_eq!(seeded["participants"].as_array().unwrap().len(), 2);
    assert_ne!(
        seeded["participants"][0]["id"],
        seeded["participants"][1]["id"]
    );
    assert_eq!(seeded["analyticsNever"], false);
    let stored = app
        .control_get(&format!("/_sim/genesys/conversations/{id}"), 200)
        .await;
    assert_eq!(stored, seeded);
}

#[tokio::test]
async fn ending_a_conversation_sets_its_end_and_disconnects_everyone() {
    let app = spawn_sim().await;
    let seeded = app
        .seed_conversation(json!({"id": "c-1", "participants": [{"purpose": "customer"}]}))
        .await;
    assert_eq!(seeded["id"], "c-1");

    app.end_conversation("c-1").await;

    let stored = app
        .control_get("/_sim/genesys/conversations/c-1", 200)
        .await;
    assert!(stored["endTime"].is_string(), "{stored}");
    assert_eq!(stored["participants"][0]["state"], "disconnected");
    assert!(stored["participants"][0]["endTime"].is_string());
}

#[tokio::test]
async fn seeding_routes_refuse_unknown_fields_and_unknown_conversations() {
    let app = spawn_sim().await;

    let refused = app
        .control_post(
            "/_sim/genesys/conversations",
            &json!({"particpants": []}),
            400,
        )
        .await;
    assert!(
        refused["error"].as_str().unwrap().contains("particpants"),
        "{refused}"
    );
    let bad_purpose = json!({"participants": [{"purpose": "robot"}]});
    app.control_post("/_sim/genesys/conversations", &bad_purpose, 400)
        .await;
    app.control_post("/_sim/genesys/conversations/nope/end", &json!({}), 404)
        .await;
    app.control_get("/_sim/genesys/conversations/nope", 404)
        .await;
}

#[tokio::test]
async fn the_example_seed_file_loads_conversations_endpoints_and_snapshots() {
    let seed = Seed::from_file(Path::new(EXAMPLE_SEED)).unwrap();
    let app = spawn_sim_with(SimConfig {
        seed: Some(seed),
        ..test_config()
    })
    .await;
    let token = app.token().await;

    let live: Value = app
        .api_get(Some(&token), &format!("/api/v2/conversations/{LIVE_ID}"))
        .await
        .json()
        .await
        .unwrap();
    let ended = app
        .api_get(
            Some(&token),
            &format!("/api/v2/analytics/conversations/{ENDED_ID}/details"),
        )
        .await;
    let turn = app
        .turn(
            "demo-urltoken-0001",
            &json!({"userId": "u", "sessionId": "s", "text": "hi"}),
        )
        .await;

    assert!(live.get("endTime").is_none(), "{live}");
    assert_eq!(live["participants"][1]["purpose"], "ivr");
    assert_eq!(
        ended.status(),
        200,
        "the ended conversation is in analytics"
    );
    assert_eq!(turn.status(), 200, "the endpoint is active");
    let endpoint = app
        .sim
        .state()
        .cognigy()
        .endpoint_by_token("demo-urltoken-0001")
        .unwrap();
    let snapshots = app.sim.state().cognigy().snapshots(None);
    assert_eq!(snapshots[0].id, endpoint.entrypoint);
}

#[tokio::test]
async fn a_seed_that_does_not_fit_stops_the_start() {
    let seed = Seed::from_json(
        r#"{"cognigy": {"endpoints": [
            {"_id": "a", "name": "a", "URLToken": "same", "entrypoint": "s"},
            {"_id": "b", "name": "b", "URLToken": "same", "entrypoint": "s"}
        ]}}"#,
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();

    let result = cxrelay_sim::start(
        listener,
        SimConfig {
            seed: Some(seed),
            ..test_config()
        },
    )
    .await;

    let error = format!("{:#}", result.err().unwrap());
    assert!(error.contains("cognigy.endpoints[1]"), "{error}");
}

#[tokio::test]
async fn the_binary_serves_the_seed_file_named_by_the_seed_option() {
    let port = free_port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_cxrelay-sim"))
        .args(["--seed", EXAMPLE_SEED])
        .env("CXRELAY_SIM__ADDR", format!("127.0.0.1:{port}"))
        .env("CXRELAY_GENESYS__CLIENT_ID", "bin-client")
        .env("CXRELAY_GENESYS__CLIENT_SECRET", "bin-secret")
        .env("CXRELAY_COGNIGY__API_KEY", "bin-cognigy-key")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");

    let mut endpoint = None;
    for _ in 0..100 {
        let sent = http
            .get(format!(
                "{base}/new/v2.0/endpoints/64f1a0c0ffee000000000001"
            ))
            .header("X-API-Key", "bin-cognigy-key")
            .send()
            .await;
        if let Ok(response) = sent {
            endpoint = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let endpoint = endpoint.expect("the binary never answered");

    assert_eq!(endpoint.status(), 200);
    let body: Value = endpoint.json().await.unwrap();
    assert_eq!(body["URLToken"], "demo-urltoken-0001");
    assert_eq!(body["active"], true);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn the_binary_refuses_a_seed_file_with_an_unknown_field() {
    let dir = std::env::temp_dir().join(format!("cxrelay-sim-seed-{}", uuid_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.json");
    std::fs::write(&path, r#"{"genesys": {"convos": []}}"#).unwrap();

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_cxrelay-sim"))
        .arg("--seed")
        .arg(&path)
        .env("CXRELAY_SIM__ADDR", format!("127.0.0.1:{}", free_port()))
        .env("CXRELAY_GENESYS__CLIENT_ID", "bin-client")
        .env("CXRELAY_GENESYS__CLIENT_SECRET", "bin-secret")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the binary did not exit")
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(!status.success());
    assert!(stderr.contains("convos"), "{stderr}");
}

/// A port that was free a moment ago (the binary binds it by number).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn uuid_suffix() -> String {
    format!("{}-{}", std::process::id(), free_port())
}
