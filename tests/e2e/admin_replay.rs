//! `POST /admin/v1/replay` on the ingress admin listener: named bearer tokens (401 without or
//! with a wrong one, 403 when none is configured), 422 naming the field, and a replay that the
//! audit log attributes to the token's name.

use std::sync::Arc;

use cxrelay_core::config::AdminTokens;
use cxrelay_tests::{spawn_app, AppOptions, TestApp};
use reqwest::Response;
use serde_json::{json, Value};

use crate::replay::accept;

const EXECUTIONS: &str = "/api/v2/flows/executions";
/// The admin token the test app accepts, under the name `ops-bot`.
const ADMIN_TOKEN: &str = "adm-9f8e7d6c5b4a3921";

fn with_admin_token() -> AppOptions {
    AppOptions {
        customize: Some(Arc::new(|settings| {
            settings.ingress.admin_tokens = AdminTokens::parse([
                format!("harness:{}", cxrelay_tests::app::ADMIN_TOKEN),
                format!("ops-bot:{ADMIN_TOKEN}"),
                "alice:other".into(),
            ])
            .unwrap();
        })),
        ..AppOptions::default()
    }
}

async fn post_replay(app: &TestApp, token: Option<&str>, body: &Value) -> Response {
    let mut request = app
        .http
        .post(format!("{}/admin/v1/replay", app.admin_url))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn problem(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_replays_only_for_a_known_token_and_names_bad_fields() {
    let app = spawn_app(with_admin_token()).await;
    app.inject_fault(&json!({"method": "POST", "path": EXECUTIONS, "status": 400, "times": 1}))
        .await;
    let id = accept(
        &app,
        &json!({"sessionId": "s-api", "userId": "u", "text": "help"}),
    )
    .await;
    assert_eq!(app.wait_for_final(&id).await["status"], "dead");
    let body = json!({"reason": "the flow was fixed (CHG-12)", "eventIds": [id]});

    let missing = post_replay(&app, None, &body).await;
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let (status, refused) = problem(missing).await;
    assert_eq!(
        (status, &refused["type"]),
        (401, &json!("urn:cxrelay:problem:unauthorized"))
    );
    let (status, _) = problem(post_replay(&app, Some("adm-wrong"), &body).await).await;
    assert_eq!(status, 401);
    let api_key = app
        .http
        .post(format!("{}/admin/v1/replay", app.admin_url))
        .header("X-API-Key", cxrelay_tests::app::API_KEY)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(api_key.status(), 401, "a webhook API key is no admin token");
    assert_eq!(
        app.wait_for_final(&id).await["status"],
        "dead",
        "nothing was replayed"
    );

    let token = Some(ADMIN_TOKEN);
    for (bad, field) in [
        (json!({"eventIds": [id]}), "reason"),
        (
            json!({"reason": "r", "filter": {"kind": "cognigy.nope"}}),
            "filter.kind",
        ),
        (
            json!({"reason": "r", "filter": {"since": "yesterday"}}),
            "filter.since",
        ),
        (
            json!({"reason": "r", "eventIds": ["not-a-uuid"]}),
            "eventIds[0]",
        ),
        (
            json!({"reason": "r", "eventIds": [id], "ratePerSec": 100000}),
            "ratePerSec",
        ),
        (json!({"reason": "r", "filter": {}}), "filter"),
    ] {
        let (status, answer) = problem(post_replay(&app, token, &bad).await).await;
        assert_eq!(
            (status, answer["field"].as_str()),
            (422, Some(field)),
            "{bad}: {answer}"
        );
    }
    let (status, answer) = problem(
        app.http
            .post(format!("{}/admin/v1/replay", app.admin_url))
            .bearer_auth(ADMIN_TOKEN)
            .body("{not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &answer["field"]), (400, &json!("$")));

    let dry = post_replay(&app, token, &json!({"reason": "look first", "filter": {"kind": "cognigy.fallback", "reason": "rejected"}, "dryRun": true})).await;
    assert_eq!(dry.status(), 200);
    let dry: Value = dry.json().await.unwrap();
    assert_eq!(
        (&dry["dryRun"], &dry["replayed"]),
        (&json!(true), &json!(1)),
        "{dry}"
    );
    assert_eq!(app.wait_for_final(&id).await["status"], "dead");

    let replayed = post_replay(&app, token, &body).await;
    assert_eq!(replayed.status(), 200);
    let replayed: Value = replayed.json().await.unwrap();
    assert_eq!(replayed["replayed"], 1, "{replayed}");
    assert_eq!(app.wait_for_final(&id).await["status"], "succeeded");

    let runs: Vec<(String, Value)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'replay' ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        runs.len(),
        2,
        "the dry run and the replay; refused requests ran nothing"
    );
    let (actor, detail) = &runs[1];
    assert_eq!(actor, "ops-bot");
    assert_eq!(
        (&detail["via"], &detail["reason"], &detail["replayed"]),
        (
            &json!("admin-api"),
            &json!("the flow was fixed (CHG-12)"),
            &json!(1)
        )
    );
    assert_eq!(detail["selection"]["eventIds"], json!([id]));
    let everything: Vec<String> = sqlx::query_scalar("SELECT actor || detail::text FROM audit_log")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(everything.iter().all(|row| !row.contains(ADMIN_TOKEN)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_admin_tokens_the_replay_api_says_it_is_disabled() {
    let app = spawn_app(AppOptions {
        workers: 0,
        customize: Some(Arc::new(|settings| {
            settings.ingress.admin_tokens = AdminTokens::default();
        })),
        ..AppOptions::default()
    })
    .await;
    let body = json!({"reason": "r", "fromDlq": true});
    for token in [None, Some("anything")] {
        let (status, answer) = problem(post_replay(&app, token, &body).await).await;
        assert_eq!(status, 403);
        assert_eq!(answer["type"], "urn:cxrelay:problem:admin-disabled");
        assert!(answer["detail"]
            .as_str()
            .unwrap()
            .contains("CXRELAY_INGRESS__ADMIN_TOKENS"));
    }
}
