//! What an operator's tools read of the org's set-up: a flow (`GET /api/v2/flows/{flowId}`)
//! and a queue (`GET /api/v2/routing/queues/{queueId}`), and the 403 of a role that lacks a
//! permission.

use serde_json::{json, Value};

use crate::helpers::{assert_genesys_error, launch_body, spawn_sim, FLOW_ID};

#[tokio::test]
async fn a_seeded_flow_and_queue_are_shown_and_unknown_ids_are_404() {
    let app = spawn_sim().await;
    let token = app.token().await;
    app.control_post(
        "/_sim/genesys/flows",
        &json!({"id": FLOW_ID, "name": "fallback hand-off"}),
        201,
    )
    .await;
    let queue = app
        .control_post(
            "/_sim/genesys/queues",
            &json!({"name": "IVR fallback"}),
            201,
        )
        .await;
    let queue_id = queue["id"].as_str().unwrap();

    let response = app
        .api_get(Some(&token), &format!("/api/v2/flows/{FLOW_ID}"))
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("inin-correlation-id"));
    let flow: Value = response.json().await.unwrap();
    assert_eq!(flow["id"], FLOW_ID);
    assert_eq!(flow["type"], "WORKFLOW");
    assert_eq!(flow["publishedVersion"]["id"], "1.0");

    let response = app
        .api_get(Some(&token), &format!("/api/v2/routing/queues/{queue_id}"))
        .await;
    assert_eq!(response.status(), 200);
    let shown: Value = response.json().await.unwrap();
    assert_eq!(shown["name"], "IVR fallback");
    assert_eq!(
        shown["selfUri"],
        format!("/api/v2/routing/queues/{queue_id}")
    );

    for path in [
        "/api/v2/flows/00000000-0000-4000-8000-00000000dead".to_owned(),
        "/api/v2/routing/queues/00000000-0000-4000-8000-00000000dead".to_owned(),
    ] {
        let response = app.api_get(Some(&token), &path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_genesys_error(&response.json().await.unwrap(), 404, "not.found");
    }
    // Reading a flow needs a token like every API call.
    let response = app.api_get(None, &format!("/api/v2/flows/{FLOW_ID}")).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_role_without_a_permission_gets_403_naming_it_on_every_call_that_needs_it() {
    let app = spawn_sim().await;
    let token = app.token().await;
    let settings = app
        .control_post(
            "/_sim/settings",
            &json!({"missingPermissions": ["architect:flow:launch"]}),
            200,
        )
        .await;
    assert_eq!(
        settings["missingPermissions"],
        json!(["architect:flow:launch"])
    );

    let response = app.launch(Some(&token), &launch_body()).await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_genesys_error(&body, 403, "missing.permissions");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("[architect:flow:launch]"),
        "{body}"
    );
    // Without a token the answer is still 401: the token is checked first.
    assert_eq!(app.launch(None, &launch_body()).await.status(), 401);

    app.control_post("/_sim/settings", &json!({"missingPermissions": []}), 200)
        .await;
    assert_eq!(app.launch(Some(&token), &launch_body()).await.status(), 200);
}
