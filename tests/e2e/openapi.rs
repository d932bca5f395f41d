//! The OpenAPI document (`GET /openapi.json`) against the running ingress: it is served as the
//! code generates it; every documented operation answers with a documented status, and its
//! body matches the documented schema; every request example is accepted (202, or 200 for the
//! replay API); and the request schemas of the six webhooks accept exactly what the parsers
//! accept, mutation by mutation (each property absent, null, of every JSON type, at its maximum
//! length and one over it, each of its enum values).

use std::collections::BTreeSet;

use cxrelay_ingress::openapi::ALIAS_EXTENSION;
use cxrelay_tests::app::{ADMIN_TOKEN, API_KEY};
use cxrelay_tests::{spawn_app, AppOptions, TestApp};
use jsonschema::{Draft, Validator};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Map, Value};

/// A UUID no example uses.
const OTHER_UUID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// The harness's app, whose admin token is `ADMIN_TOKEN`.
fn with_admin_token(workers: usize) -> AppOptions {
    AppOptions {
        workers,
        ..AppOptions::default()
    }
}

/// The document, and validators of its schemas.
struct Document(Value);

/// One operation of the document.
struct Operation {
    method: Method,
    path: String,
    spec: Value,
}

impl Document {
    /// A validator of the schema at `reference` (`#/components/schemas/X`), formats checked.
    fn validator(&self, schema: &Value) -> Validator {
        let mut root = schema.clone();
        if let Some(object) = root.as_object_mut() {
            object.insert("components".into(), self.0["components"].clone());
        } else {
            root = json!({"allOf": [schema], "components": self.0["components"]});
        }
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema {schema} does not compile: {e}"))
    }

    fn operations(&self) -> Vec<Operation> {
        let mut operations = Vec::new();
        for (path, item) in self.0["paths"].as_object().unwrap() {
            for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
                if let Some(spec) = item.get(method.as_str().to_lowercase()) {
                    operations.push(Operation {
                        method,
                        path: path.clone(),
                        spec: spec.clone(),
                    });
                }
            }
        }
        operations
    }

    /// The documented response of `operation` for `status`, references resolved.
    fn response(&self, operation: &Operation, status: u16) -> Option<Value> {
        let response = operation.spec["responses"].get(status.to_string())?;
        Some(match response["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap();
                self.0["components"]["responses"][name].clone()
            }
            None => response.clone(),
        })
    }

    /// The properties of a request schema (its own, or its `allOf`'s first part's).
    fn request_properties(&self, operation: &Operation) -> Map<String, Value> {
        let schema = self.request_schema(operation);
        let fields = schema["allOf"].get(0).unwrap_or(&schema);
        fields["properties"].as_object().unwrap().clone()
    }

    fn request_schema(&self, operation: &Operation) -> Value {
        let reference = operation.spec["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap();
        let name = reference.rsplit('/').next().unwrap();
        self.0["components"]["schemas"][name].clone()
    }

    /// The enum values of a property, through a `$ref` if it has one.
    fn enum_values(&self, property: &Value) -> Vec<Value> {
        let resolved = match property["$ref"].as_str() {
            Some(reference) => {
                self.0["components"]["schemas"][reference.rsplit('/').next().unwrap()].clone()
            }
            None => property.clone(),
        };
        resolved["enum"].as_array().cloned().unwrap_or_default()
    }
}

/// The named request examples of an operation.
fn request_examples(operation: &Operation) -> Vec<(String, Value)> {
    operation.spec["requestBody"]["content"]["application/json"]["examples"]
        .as_object()
        .map(|examples| {
            examples
                .iter()
                .map(|(name, example)| (name.clone(), example["value"].clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The operation's path with each path parameter replaced by its example.
fn example_url(app: &TestApp, operation: &Operation) -> String {
    let mut path = operation.path.clone();
    for parameter in operation.spec["parameters"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if parameter["in"] == "path" {
            let name = parameter["name"].as_str().unwrap();
            let example = parameter["example"].as_str().unwrap();
            path = path.replace(&format!("{{{name}}}"), example);
        }
    }
    let base = if operation.path.starts_with("/v1/") {
        &app.public_url
    } else {
        &app.admin_url
    };
    format!("{base}{path}")
}

/// A request carrying the credentials the operation's security asks for.
fn request(app: &TestApp, operation: &Operation, url: &str) -> RequestBuilder {
    let security = operation.spec["security"].to_string();
    let mut request = app.http.request(operation.method.clone(), url);
    if security.contains("apiKeyHeader") {
        request = request.header("X-API-Key", API_KEY);
    }
    if security.contains("adminBearer") {
        request = request.bearer_auth(ADMIN_TOKEN);
    }
    request
}

/// Checks `status` and `body` against what the document says `operation` answers.
fn check_answer(document: &Document, operation: &Operation, status: u16, body: &str) {
    let what = format!("{} {}", operation.method, operation.path);
    let response = document
        .response(operation, status)
        .unwrap_or_else(|| panic!("{what} answered {status}, which it does not document: {body}"));
    let Some(content) = response["content"].as_object() else {
        return;
    };
    let (media_type, content) = content.iter().next().unwrap();
    if !media_type.contains("json") {
        return;
    }
    let body: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{what} {status}: not JSON ({e}): {body}"));
    let validator = document.validator(&content["schema"]);
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{what} {status}: the body does not match the documented schema: {errors:?}\n{body}"
    );
    if let Some(example) = content.get("example") {
        assert!(
            validator.is_valid(example),
            "{what} {status}: the documented example does not match the schema"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_answers_as_documented_and_every_example_is_accepted() {
    let app = spawn_app(with_admin_token(1)).await;
    let served = request(
        &app,
        &Operation {
            method: Method::GET,
            path: "/openapi.json".into(),
            spec: json!({"security": [{"adminBearer": []}]}),
        },
        &format!("{}/openapi.json", app.admin_url),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "application/json");
    let document = Document(served.json().await.unwrap());
    assert_eq!(document.0, cxrelay_ingress::openapi::document());

    let mut accepted_fallback = None;
    let mut examples_sent = 0;
    for operation in document.operations() {
        let url = example_url(&app, &operation);
        let examples = request_examples(&operation);
        if examples.is_empty() {
            let response = request(&app, &operation, &url).send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            check_answer(&document, &operation, status, &body);
            continue;
        }
        // Request examples are real payloads: each is accepted.
        let success = if operation.path.starts_with("/v1/") {
            202
        } else {
            200
        };
        let schema = document.validator(&document.request_schema(&operation));
        for (name, example) in examples {
            let errors: Vec<String> = schema
                .iter_errors(&example)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "{} example {name} does not match its own schema: {errors:?}",
                operation.path
            );
            let response = request(&app, &operation, &url)
                .json(&example)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert_eq!(status, success, "{} example {name}: {body}", operation.path);
            check_answer(&document, &operation, status, &body);
            examples_sent += 1;
            if operation.path == "/v1/cognigy/fallback" {
                let id: Value = serde_json::from_str(&body).unwrap();
                accepted_fallback = Some(id["eventId"].as_str().unwrap().to_owned());
            }
        }
    }
    // The six webhooks (one with two examples) and the replay API.
    assert!(examples_sent >= 8, "only {examples_sent} examples");

    // What became of an accepted event, as documented.
    let id = accepted_fallback.expect("the fallback example was sent");
    app.wait_for_final(&id).await;
    let events = document
        .operations()
        .into_iter()
        .find(|operation| operation.path == "/v1/events/{id}")
        .unwrap();
    let response = app.get_event(&id).await;
    assert_eq!(response.status(), 200);
    check_answer(&document, &events, 200, &response.text().await.unwrap());
}

/// What the parser says of a payload: accepted, or refused naming a field.
#[derive(Debug, PartialEq)]
enum Verdict {
    Accepted,
    Refused,
}

/// The mutations of one property: `None` removes it.
fn probes(document: &Document, property: &Value) -> Vec<Option<Value>> {
    let mut probes: Vec<Option<Value>> = vec![
        None,
        Some(Value::Null),
        Some(json!(true)),
        Some(json!(12345)),
        Some(json!(0.5)),
        Some(json!(-2)),
        Some(json!("")),
        Some(json!("x")),
        Some(json!("12345")),
        Some(json!(OTHER_UUID)),
        Some(json!({})),
        Some(json!([])),
    ];
    if let Some(max) = property["maxLength"].as_u64() {
        let max = usize::try_from(max).unwrap();
        probes.push(Some(json!("x".repeat(max))));
        probes.push(Some(json!("x".repeat(max + 1))));
    }
    probes.extend(document.enum_values(property).into_iter().map(Some));
    probes
}

/// `example` with every alias renamed to the property it stands for.
fn canonical(example: &Value, properties: &Map<String, Value>) -> Value {
    let mut renamed = Map::new();
    for (key, value) in example.as_object().unwrap() {
        let name = properties
            .get(key)
            .and_then(|p| p[ALIAS_EXTENSION].as_str())
            .unwrap_or(key);
        renamed.insert(name.to_owned(), value.clone());
    }
    Value::Object(renamed)
}

/// True when another name of `property` (an alias of it, or what it is an alias of) is in
/// `payload`: the parser then reads only the first name present, which the mutation does not
/// test.
fn has_other_name(property: &str, payload: &Value, properties: &Map<String, Value>) -> bool {
    let group = |name: &str| -> String {
        properties
            .get(name)
            .and_then(|p| p[ALIAS_EXTENSION].as_str())
            .unwrap_or(name)
            .to_owned()
    };
    let own = group(property);
    payload
        .as_object()
        .unwrap()
        .keys()
        .any(|key| key != property && group(key) == own)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_schemas_accept_exactly_what_the_parsers_accept() {
    // No worker: accepted mutations only wait in the queue.
    let app = spawn_app(with_admin_token(0)).await;
    let document = Document(cxrelay_ingress::openapi::document());
    let problem = document.validator(&json!({"$ref": "#/components/schemas/Problem"}));
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for operation in document.operations() {
        if !operation.path.starts_with("/v1/") || operation.method != Method::POST {
            continue;
        }
        let url = example_url(&app, &operation);
        let schema = document.validator(&document.request_schema(&operation));
        let properties = document.request_properties(&operation);
        let mut seen = BTreeSet::new();
        for (_, example) in request_examples(&operation) {
            for payload in [example.clone(), canonical(&example, &properties)] {
                for (name, property) in &properties {
                    if has_other_name(name, &payload, &properties) {
                        continue;
                    }
                    for probe in probes(&document, property) {
                        let mut mutated = payload.clone();
                        let object = mutated.as_object_mut().unwrap();
                        match &probe {
                            None => object.remove(name),
                            Some(value) => object.insert(name.clone(), value.clone()),
                        };
                        if !seen.insert(mutated.to_string()) {
                            continue;
                        }
                        let documented = if schema.is_valid(&mutated) {
                            Verdict::Accepted
                        } else {
                            Verdict::Refused
                        };
                        let response = request(&app, &operation, &url)
                            .json(&mutated)
                            .send()
                            .await
                            .unwrap();
                        let status = response.status().as_u16();
                        let body: Value = response.json().await.unwrap();
                        let parsed = match status {
                            202 => Verdict::Accepted,
                            422 => {
                                assert!(problem.is_valid(&body), "not a problem: {body}");
                                let field = body["field"].as_str().unwrap();
                                assert!(
                                    properties.contains_key(field) || field == "$",
                                    "{}: the problem names {field}, no property of the schema",
                                    operation.path
                                );
                                Verdict::Refused
                            }
                            other => panic!("{}: {other} for {mutated}: {body}", operation.path),
                        };
                        compared += 1;
                        if documented != parsed {
                            disagreements.push(format!(
                                "{} {name} = {}: the schema says {documented:?}, the parser \
                                 {parsed:?} ({body})",
                                operation.path,
                                probe.map_or("<absent>".to_owned(), |p| {
                                    let text = p.to_string();
                                    if text.len() > 40 {
                                        format!("<{} characters>", text.len() - 2)
                                    } else {
                                        text
                                    }
                                }),
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 500, "only {compared} payloads compared");
    assert!(
        disagreements.is_empty(),
        "{} of {compared} payloads judged differently:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
