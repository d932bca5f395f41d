//! One exchange judged by the vendor's fixture: is the request an operation of the vendor's
//! API, with every required field, no field the model lacks, enum values it allows; is the
//! answer exactly its model (a 2xx) or the vendor's error body (an error)?

use axum::http::StatusCode;
use serde_json::Value;

use super::check::{check, Direction, Finding, Problem};
use super::fixture::{Operation, TypeSpec, Vendor};

/// Fields every Genesys error body has, whatever else the `ErrorBody` model allows: what the
/// SDKs and clients read of an error (contracts.md, "Rate limits and errors").
pub const GENESYS_ERROR_FIELDS: &[&str] = &[
    "message",
    "code",
    "status",
    "messageParams",
    "contextId",
    "details",
    "errors",
];

/// What is wrong with the request `method` `path` carrying `body` (empty: no body).
pub fn judge_request(vendor: Vendor, method: &str, path: &str, body: &[u8]) -> Vec<String> {
    let fixture = vendor.fixture();
    let Some(operation) = fixture.operation(method, path) else {
        if fixture.has_route(method, path) {
            return Vec::new();
        }
        return vec![format!(
            "{method} {path}: not an operation of the vendor's API (sim/contracts: {})",
            sources(vendor)
        )];
    };
    let Some(model) = &operation.request_model else {
        return Vec::new();
    };
    let findings = match serde_json::from_slice::<Value>(body) {
        Ok(value) => check(&value, &ref_to(model), fixture, Direction::Request),
        Err(_) => vec![Finding {
            path: "$".to_owned(),
            problem: Problem::WrongType {
                expected: "a JSON body",
            },
        }],
    };
    described(operation, "request", &findings)
}

/// The findings of the request that the vendor refuses with a 400 (see [`Finding::is_refused`]).
pub fn refused_request(vendor: Vendor, method: &str, path: &str, body: &[u8]) -> Vec<Finding> {
    let fixture = vendor.fixture();
    let Some(model) = fixture
        .operation(method, path)
        .and_then(|operation| operation.request_model.as_ref())
    else {
        return Vec::new();
    };
    // A body that is not JSON is refused by the route itself, in its own words.
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    check(&value, &ref_to(model), fixture, Direction::Request)
        .into_iter()
        .filter(Finding::is_refused)
        .collect()
}

/// What is wrong with the answer `status` `body` to `method` `path`.
pub fn judge_answer(
    vendor: Vendor,
    method: &str,
    path: &str,
    status: StatusCode,
    body: &[u8],
) -> Vec<String> {
    let fixture = vendor.fixture();
    let operation = fixture.operation(method, path);
    let what = format!("answer {}", status.as_u16());
    if status.is_client_error() || status.is_server_error() {
        return judge_error(vendor, method, path, &what, body);
    }
    let Some(operation) = operation else {
        return Vec::new();
    };
    let expected = match (&operation.response_model, &operation.response_type) {
        (Some(model), _) => ref_to(model),
        (None, Some(ty)) => ty.clone(),
        (None, None) if body.is_empty() => return Vec::new(),
        (None, None) => {
            return vec![format!(
                "{} {} ({}) {what}: the SDK declares no body, but one was sent",
                operation.method, operation.path, operation.operation_id
            )]
        }
    };
    if body.is_empty() {
        return vec![format!(
            "{} {} ({}) {what}: no body, where the SDK declares one",
            operation.method, operation.path, operation.operation_id
        )];
    }
    let findings = match serde_json::from_slice::<Value>(body) {
        Ok(value) => check(&value, &expected, fixture, Direction::Response),
        // Cognigy's notify and inject answer a bare string: plain text is one too.
        Err(_) if matches!(expected, TypeSpec::String { .. }) => Vec::new(),
        Err(_) => vec![Finding {
            path: "$".to_owned(),
            problem: Problem::WrongType {
                expected: "a JSON body",
            },
        }],
    };
    described(operation, &what, &findings)
}

fn judge_error(vendor: Vendor, method: &str, path: &str, what: &str, body: &[u8]) -> Vec<String> {
    let fixture = vendor.fixture();
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return vec![format!(
            "{method} {path} {what}: the error is not the vendor's JSON error body"
        )];
    };
    let mut findings = check(
        &value,
        &ref_to(&fixture.error_model),
        fixture,
        Direction::Response,
    );
    if vendor == Vendor::Genesys {
        for field in GENESYS_ERROR_FIELDS {
            if value.get(field).is_none() {
                findings.push(Finding {
                    path: (*field).to_owned(),
                    problem: Problem::Missing,
                });
            }
        }
    }
    findings
        .iter()
        .map(|finding| {
            format!(
                "{method} {path} {what} ({}): {finding}",
                fixture.error_model
            )
        })
        .collect()
}

fn described(operation: &Operation, what: &str, findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|finding| {
            format!(
                "{} {} ({}) {what}: {finding}",
                operation.method, operation.path, operation.operation_id
            )
        })
        .collect()
}

fn ref_to(model: &str) -> TypeSpec {
    TypeSpec::Ref {
        model: model.to_owned(),
    }
}

fn sources(vendor: Vendor) -> String {
    vendor
        .fixture()
        .sources
        .values()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(value: Value) -> Vec<u8> {
        serde_json::to_vec(&value).unwrap()
    }

    #[test]
    fn a_request_outside_the_api_or_missing_a_field_is_named() {
        let unknown = judge_request(Vendor::Genesys, "POST", "/api/v2/flows/trigger/x", b"{}");
        assert!(unknown[0].contains("not an operation"), "{unknown:?}");
        let missing = judge_request(
            Vendor::Genesys,
            "POST",
            "/api/v2/conversations/messages/agentless",
            &bytes(json!({"toAddress": "+1", "toAddressMessengerType": "sms", "textBody": "x"})),
        );
        assert_eq!(
            missing,
            ["POST /api/v2/conversations/messages/agentless (postConversationsMessagesAgentless) request: fromAddress: the required field is missing"]
        );
        // A route of Cognigy's client that the simulator does not model is not an error.
        assert!(judge_request(Vendor::Cognigy, "GET", "/new/v2.0/projects", b"").is_empty());
    }

    #[test]
    fn answers_must_be_their_model_and_errors_the_vendor_body() {
        let ok = judge_answer(
            Vendor::Genesys,
            "POST",
            "/api/v2/conversations/messages",
            StatusCode::OK,
            &bytes(json!({"id": "c", "conversationId": "c", "selfUri": "/x"})),
        );
        assert_eq!(ok.len(), 1);
        assert!(
            ok[0].ends_with("conversationId: the model has no such field"),
            "{ok:?}"
        );
        let error = judge_answer(
            Vendor::Genesys,
            "GET",
            "/api/v2/conversations/c",
            StatusCode::NOT_FOUND,
            &bytes(json!({"message": "m", "code": "not.found", "status": 404})),
        );
        assert_eq!(error.len(), 4, "{error:?}");
        let transfer = judge_answer(
            Vendor::Genesys,
            "POST",
            "/api/v2/conversations/c/participants/p/replace/queue",
            StatusCode::ACCEPTED,
            b"",
        );
        assert!(transfer.is_empty(), "{transfer:?}");
    }
}
