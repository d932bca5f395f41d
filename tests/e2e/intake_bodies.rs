//! Request bodies over real HTTP: form-urlencoded bodies are events like their JSON twins on
//! every route; every refusal of a body (400, 413, 415, 422) is problem+json naming a field and
//! a rule, and leaves nothing in the broker.

use std::sync::Arc;

use cxrelay_core::envelope::EventEnvelope;
use cxrelay_core::kinds::EventKind;
use cxrelay_tests::app::API_KEY;
use cxrelay_tests::broker::drain_envelopes;
use cxrelay_tests::{spawn_app, AppOptions, TestApp};
use serde_json::{json, Value};

const FORM: &str = "application/x-www-form-urlencoded";
const C: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const P: &str = "9b2f1c44-0d6e-4c1a-8f4e-2a7d5e3c1b90";

async fn post(
    app: &TestApp,
    route: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}{route}", app.public_url))
        .header("x-api-key", API_KEY)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.send().await.unwrap()
}

/// A refused request: what it is, its content type and body, then the status, `field` and
/// `rule` of the answer.
type Refusal<'a> = (&'a str, Option<&'a str>, Vec<u8>, u16, &'a str, &'a str);

/// Every envelope waiting in the queues of the six kinds, taken out.
async fn drain_all(app: &TestApp) -> Vec<EventEnvelope> {
    let mut queues: Vec<String> = EventKind::ALL
        .iter()
        .map(|kind| app.topology.queue_for(*kind))
        .collect();
    queues.sort();
    queues.dedup();
    let mut envelopes = Vec::new();
    for queue in queues {
        envelopes.extend(drain_envelopes(&queue).await);
    }
    envelopes
}

/// Asserts the problem+json shape (the six members, nothing else) and returns `(field, rule)`.
async fn problem(response: reqwest::Response, status: u16) -> (String, String) {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    let members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        ["detail", "field", "rule", "status", "title", "type"],
        "{body}"
    );
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:cxrelay:problem:"),
        "{body}"
    );
    assert!(!body["detail"].as_str().unwrap().is_empty(), "{body}");
    (
        body["field"].as_str().unwrap().to_owned(),
        body["rule"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_body_on_every_route_is_the_event_its_json_twin_is() {
    let app = spawn_app(AppOptions {
        workers: 0,
        ..AppOptions::default()
    })
    .await;
    let twins: Vec<(&str, Value, String)> = vec![
        (
            "/v1/cognigy/fallback",
            json!({"sessionId": "s-1", "userId": "u-1", "text": "I want a human", "intent": "",
                   "intentScore": 0.2, "understood": false, "data": {"orderId": "42", "tags": ["a", "b"]}}),
            "sessionId=s-1&userId=u-1&text=I+want+a+human&intent=&intentScore=0.2&understood=false\
             &data%5BorderId%5D=42&data%5Btags%5D%5B0%5D=a&data%5Btags%5D%5B1%5D=b".to_owned(),
        ),
        (
            "/v1/cognigy/bot-failure",
            json!({"conversationId": C, "participantId": P, "reason": "timeout"}),
            format!("conversationId={C}&participantId={P}&reason=timeout"),
        ),
        (
            "/v1/genesys/bot-sessions",
            json!({"user_id": "caller-1", "queue_name": "Billing", "text": "hi", "variables": {"vip": "true"}}),
            "user_id=caller-1&queue_name=Billing&text=hi&variables[vip]=true".to_owned(),
        ),
        (
            "/v1/cognigy/flow-runs",
            json!({"endpoint": "support", "userId": "u-1", "text": "hello", "data": {"cart": [{"sku": "A1"}]}}),
            "endpoint=support&userId=u-1&text=hello&data[cart][][sku]=A1".to_owned(),
        ),
        (
            "/v1/genesys/virtual-agent-sessions",
            json!({"botId": "b-1", "toAddress": "+15550100", "toAddressMessengerType": "open",
                   "text": "Hi", "intentScore": 0.9, "sentiment": -0.25}),
            "botId=b-1&toAddress=%2B15550100&toAddressMessengerType=open&text=Hi&intentScore=0.9&sentiment=-0.25".to_owned(),
        ),
        (
            "/v1/genesys/conversation-events",
            json!({"eventTime": 1_767_225_600_000_i64, "conversationId": C, "interactingDurationMs": 5000}),
            format!("eventTime=1767225600000&conversationId={C}&interactingDurationMs=5000"),
        ),
    ];
    for (route, json_body, form_body) in &twins {
        let bytes = serde_json::to_vec(json_body).unwrap();
        let response = post(&app, route, Some("application/json"), bytes).await;
        assert_eq!(response.status(), 202, "{route} JSON");
        let response = post(&app, route, Some(FORM), form_body.clone().into_bytes()).await;
        assert_eq!(
            response.status(),
            202,
            "{route} form: {}",
            response.text().await.unwrap()
        );
    }
    // No content type at all is JSON, as before.
    let (route, json_body, _) = &twins[0];
    let response = post(&app, route, None, serde_json::to_vec(json_body).unwrap()).await;
    assert_eq!(response.status(), 202);

    let envelopes = drain_all(&app).await;
    assert_eq!(envelopes.len(), 2 * twins.len() + 1);
    for kind in EventKind::ALL {
        let payloads: Vec<&Value> = envelopes
            .iter()
            .filter(|envelope| envelope.kind == kind)
            .map(|envelope| &envelope.payload)
            .collect();
        assert!(payloads.len() >= 2, "{kind}");
        assert!(
            payloads.iter().all(|payload| *payload == payloads[0]),
            "{kind}: the form's payload differs from the JSON's: {payloads:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refused_body_is_problem_json_naming_field_and_rule_and_nothing_is_enqueued() {
    // Room for a 100,000-bracket body, so that the depth limit, not the size, refuses it.
    let app = spawn_app(AppOptions {
        workers: 0,
        customize: Some(Arc::new(|settings| {
            settings.ingress.body_limit_bytes = 128 * 1024;
        })),
        ..AppOptions::default()
    })
    .await;
    let fallback = "/v1/cognigy/fallback";
    let valid = json!({"sessionId": "s-1", "userId": "u-1", "text": "help"});
    let with = |member: &str, value: Value| {
        let mut body = valid.clone();
        body[member] = value;
        serde_json::to_vec(&body).unwrap()
    };
    let json = Some("application/json");
    let brackets_path = format!("${}", "[0]".repeat(32));
    let deep_json_path = format!("data{}", ".k".repeat(31));
    let deep_form_path = format!("data{}", ".k".repeat(31));
    let cases: Vec<Refusal> = vec![
        (
            "not JSON",
            json,
            b"{\"sessionId\":".to_vec(),
            400,
            "$",
            "json",
        ),
        (
            "a form key both value and object",
            Some(FORM),
            b"data=1&data[x]=2".to_vec(),
            400,
            "data",
            "form",
        ),
        (
            "over the size",
            json,
            with("data", json!({"blob": "x".repeat(130 * 1024)})),
            413,
            "$",
            "max_size",
        ),
        (
            "text/plain",
            Some("text/plain"),
            b"hello".to_vec(),
            415,
            "Content-Type",
            "media_type",
        ),
        (
            "multipart",
            Some("multipart/form-data; boundary=x"),
            b"--x--".to_vec(),
            415,
            "Content-Type",
            "media_type",
        ),
        (
            "xml",
            Some("application/xml"),
            b"<a/>".to_vec(),
            415,
            "Content-Type",
            "media_type",
        ),
        (
            "a Latin-1 form",
            Some("application/x-www-form-urlencoded; charset=ISO-8859-1"),
            b"a=1".to_vec(),
            415,
            "Content-Type",
            "media_type",
        ),
        // The 33rd array is the first too deep.
        (
            "100,000 brackets",
            json,
            "[".repeat(100_000).into_bytes(),
            422,
            &brackets_path,
            "max_depth",
        ),
        (
            "33 objects deep",
            json,
            with(
                "data",
                (0..32).fold(json!({}), |inner, _| json!({"k": inner})),
            ),
            422,
            &deep_json_path,
            "max_depth",
        ),
        (
            "a long string in data",
            json,
            with("data", json!({"blob": "é".repeat(16_385)})),
            422,
            "data.blob",
            "max_length",
        ),
        // `data` and 32 brackets: the body's object, then 33 more; the 32nd is the last allowed.
        (
            "a form nested too deep",
            Some(FORM),
            format!("sessionId=s&userId=u&text=t&data{}=x", "[k]".repeat(32)).into_bytes(),
            422,
            &deep_form_path,
            "max_depth",
        ),
        (
            "a long form value",
            Some(FORM),
            format!(
                "sessionId=s&userId=u&text=t&data[note]={}",
                "x".repeat(16_385)
            )
            .into_bytes(),
            422,
            "data.note",
            "max_length",
        ),
        (
            "a form score that is no number",
            Some(FORM),
            b"sessionId=s&userId=u&text=t&intentScore=high".to_vec(),
            422,
            "intentScore",
            "type",
        ),
    ];
    for (case, content_type, body, status, field, rule) in cases {
        let response = post(&app, fallback, content_type, body).await;
        if status == 415 {
            assert_eq!(
                response.headers()["accept-post"],
                "application/json, application/x-www-form-urlencoded",
                "{case}"
            );
        }
        let named = problem(response, status).await;
        assert_eq!(named, (field.to_owned(), rule.to_owned()), "{case}");
    }
    let bad_key = app
        .http
        .post(format!("{}{fallback}", app.public_url))
        .header("x-api-key", API_KEY)
        .header("idempotency-key", "")
        .json(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(bad_key, 400).await,
        ("Idempotency-Key".to_owned(), "format".to_owned())
    );

    assert!(
        drain_all(&app).await.is_empty(),
        "a refused request reached the broker"
    );
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(recorded, 0);
    // The check above can fail: an accepted body is there to be found.
    let response = post(&app, fallback, json, serde_json::to_vec(&valid).unwrap()).await;
    assert_eq!(response.status(), 202);
    assert_eq!(drain_all(&app).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limits_are_the_configured_ones() {
    let app = spawn_app(AppOptions {
        workers: 0,
        customize: Some(Arc::new(|settings| {
            settings.ingress.body_limit_bytes = 200;
            settings.ingress.max_json_depth = 2;
            settings.ingress.max_string_chars = 20;
        })),
        ..AppOptions::default()
    })
    .await;
    let route = "/v1/cognigy/fallback";
    let json = Some("application/json");
    let body = |data: Value| {
        serde_json::to_vec(&json!({"sessionId": "s", "userId": "u", "text": "t", "data": data}))
            .unwrap()
    };
    assert_eq!(
        post(&app, route, json, body(json!({"k": "x".repeat(20)})))
            .await
            .status(),
        202
    );
    let deep = post(&app, route, json, body(json!({"k": {}}))).await;
    assert_eq!(
        problem(deep, 422).await,
        ("data.k".to_owned(), "max_depth".to_owned())
    );
    let long = post(&app, route, json, body(json!({"k": "x".repeat(21)}))).await;
    assert_eq!(
        problem(long, 422).await,
        ("data.k".to_owned(), "max_length".to_owned())
    );
    let large = post(&app, route, json, body(json!({"k": "x".repeat(200)}))).await;
    assert_eq!(
        problem(large, 413).await,
        ("$".to_owned(), "max_size".to_owned())
    );
    assert_eq!(drain_all(&app).await.len(), 1);
}
