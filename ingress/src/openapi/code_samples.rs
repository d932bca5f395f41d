//! A `curl` request for every operation (`x-codeSamples`, the extension Redoc and other
//! renderers show), made from the operation's first request example, its path parameters'
//! examples, its listener and what it must carry: every route gets a request example, bodiless
//! ones included.

use serde_json::{json, Value};
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

use super::access::{guard_of, listener_of, Guard};

/// The key the examples use (the demo's, as `scripts/up` configures it).
const DEMO_API_KEY: &str = "demo-key";

/// Adds `x-codeSamples` to every operation.
pub struct CodeSamples;

impl Modify for CodeSamples {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let methods = [
                (HttpMethod::Get, &mut item.get),
                (HttpMethod::Post, &mut item.post),
                (HttpMethod::Put, &mut item.put),
                (HttpMethod::Patch, &mut item.patch),
                (HttpMethod::Delete, &mut item.delete),
            ];
            for (method, operation) in methods {
                let Some(operation) = operation else { continue };
                let sample = curl(path, &method, operation);
                operation
                    .extensions
                    .get_or_insert_with(Extensions::default)
                    .insert(
                        "x-codeSamples".to_owned(),
                        json!([{"lang": "Shell", "label": "curl", "source": sample}]),
                    );
            }
        }
    }
}

/// `curl` sending `operation`'s first example to `path`.
fn curl(path: &str, method: &HttpMethod, operation: &Operation) -> String {
    let mut url = format!("{}{path}", listener_of(path).url);
    for parameter in operation.parameters.iter().flatten() {
        // The example is not public: read it from the parameter's JSON.
        let example = serde_json::to_value(parameter).unwrap_or_default()["example"].take();
        if let Value::String(example) = example {
            url = url.replace(&format!("{{{}}}", parameter.name), &example);
        }
    }
    let mut command = match method {
        HttpMethod::Get => format!("curl -sS {url}"),
        other => format!("curl -sS -X {} {url}", method_name(other)),
    };
    match guard_of(path) {
        Guard::SourceCredentials => {
            command.push_str(&format!(" \\\n  -H 'X-API-Key: {DEMO_API_KEY}'"))
        }
        Guard::AdminToken | Guard::AdminTokenUnlessOpen => {
            command.push_str(" \\\n  -H \"Authorization: Bearer $ADMIN_TOKEN\"")
        }
        Guard::Open => {}
    }
    if let Some(body) = first_example(operation) {
        let text = body.to_string().replace('\'', r"'\''");
        command.push_str(&format!(
            " \\\n  -H 'Content-Type: application/json' \\\n  -d '{text}'"
        ));
    }
    command
}

/// The value of the first example of the operation's JSON request body.
pub fn first_example(operation: &Operation) -> Option<Value> {
    let content = operation
        .request_body
        .as_ref()?
        .content
        .get("application/json")?;
    match content.examples.values().next()? {
        RefOr::T(example) => example.value.clone(),
        RefOr::Ref(_) => None,
    }
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}
