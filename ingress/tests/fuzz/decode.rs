//! The full path of a body: any content type, any bytes, any limits, through the decoder and
//! then every kind's parser. Accepted bodies keep the limits; refusals are problem+json naming
//! a field and a rule.

use axum::http::header;
use axum::response::IntoResponse;
use cxrelay_core::kinds::{
    BotFailureEvent, BotSessionEvent, ConversationEndEvent, FallbackEvent, FlowRunEvent,
    VirtualAgentEvent,
};
use cxrelay_ingress::body::{body_format, decode_body, BodyFormat, BodyLimits};
use cxrelay_ingress::problem::ApiError;
use proptest::prelude::*;
use serde_json::Value;

use crate::kinds::check_refusal;
use crate::strategies::*;

/// Every rule the decoder may name.
const BODY_RULES: &[&str] = &[
    "json",
    "form",
    "max_size",
    "media_type",
    "max_depth",
    "max_length",
    "nul_character",
    "utf8",
];

fn content_type() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        2 => Just(None),
        3 => prop::sample::select(vec![
            "application/json",
            "application/x-www-form-urlencoded",
            "application/json; charset=utf-8",
            "application/x-www-form-urlencoded; charset=ISO-8859-1",
            "application/vnd.api+json",
            "text/plain",
            "multipart/form-data; boundary=x",
            "application/xml",
            "",
        ])
        .prop_map(|t| Some(t.as_bytes().to_vec())),
        1 => "[ -~]{0,40}".prop_map(|t| Some(t.into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Some),
    ]
}

/// Bytes that are JSON, nearly JSON, form text, deep brackets, or noise.
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    let json = value().prop_map(|v| serde_json::to_vec(&v).unwrap());
    let broken_json =
        (value(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(v, at, byte)| {
            let mut bytes = serde_json::to_vec(&v).unwrap();
            if !bytes.is_empty() {
                let at = at.index(bytes.len());
                if byte % 2 == 0 {
                    bytes.truncate(at);
                } else {
                    bytes[at] = byte;
                }
            }
            bytes
        });
    let form =
        prop::collection::vec((form_token_text(), form_token_text()), 0..12).prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        });
    let deep = (
        0usize..120_000,
        prop::sample::select(vec!["[", "{\"a\":", "a[b]", "[]"]),
    )
        .prop_map(|(n, piece)| piece.repeat(n).into_bytes());
    prop_oneof![
        3 => json,
        2 => broken_json,
        2 => form,
        1 => deep,
        2 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

/// Pieces of form keys and values, brackets and escapes included.
pub fn form_token_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a",
            "b",
            "data",
            "sessionId",
            "0",
            "1",
            "12",
            "01",
            "[",
            "]",
            "[]",
            "[0]",
            "[x]",
            "%5B",
            "%5D",
            "=",
            "+",
            "%",
            "%zz",
            "%C3%A9",
            "%FF",
            "é",
            "%00",
            ";",
        ]),
        0..8,
    )
    .prop_map(|tokens| tokens.concat())
}

/// A refused body is a 4xx that names a field and a body rule, and its answer is
/// problem+json with the six members.
pub fn check_body_refusal(error: ApiError) -> Result<(), TestCaseError> {
    let status = error.status().as_u16();
    prop_assert!(
        [400, 413, 415, 422].contains(&status),
        "status {status}: {error:?}"
    );
    let (field, rule) = error.field_and_rule().unwrap();
    prop_assert!(!field.is_empty(), "no field: {error:?}");
    prop_assert!(BODY_RULES.contains(&rule), "unknown rule {rule}: {error:?}");
    let response = error.into_response();
    prop_assert_eq!(
        response.headers()[header::CONTENT_TYPE].to_str().unwrap(),
        "application/problem+json"
    );
    let bytes =
        futures::executor::block_on(axum::body::to_bytes(response.into_body(), 1 << 20)).unwrap();
    let problem: Value = serde_json::from_slice(&bytes).unwrap();
    for member in ["type", "title", "status", "detail", "field", "rule"] {
        prop_assert!(problem.get(member).is_some(), "no {member} in {problem}");
    }
    prop_assert_eq!(problem["status"].as_u64(), Some(u64::from(status)));
    Ok(())
}

/// An accepted body keeps the limits it was decoded with, and Postgres can store every string
/// and key of it.
pub fn check_accepted(value: &Value, limits: &BodyLimits) -> Result<(), TestCaseError> {
    prop_assert!(depth(value) <= limits.max_depth, "too deep: {value}");
    prop_assert!(
        cxrelay_core::storable::is_storable_json(value),
        "a NUL character was accepted: {value}"
    );
    prop_assert!(
        longest_text(value) <= limits.max_string_chars,
        "too long: {value}"
    );
    Ok(())
}

/// Every kind's parser on one decoded body: no panic, refusals named.
fn check_kinds(raw: &Value) -> Result<(), TestCaseError> {
    let refusals = [
        FallbackEvent::parse(raw, 0.5).err(),
        BotFailureEvent::parse(raw).err(),
        BotSessionEvent::parse(raw).err(),
        FlowRunEvent::parse(raw).err(),
        VirtualAgentEvent::parse(raw).err(),
        ConversationEndEvent::parse(raw).err(),
    ];
    for error in refusals.iter().flatten() {
        check_refusal(error)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn any_bytes_through_the_whole_decode_path(
        content_type in content_type(),
        body in body_bytes(),
        limits in limits(),
    ) {
        match decode_body(content_type.as_deref(), &body, &limits) {
            Ok(value) => {
                prop_assert!(body.len() <= limits.max_bytes);
                check_accepted(&value, &limits)?;
                let format = body_format(content_type.as_deref()).unwrap();
                prop_assert!(format == BodyFormat::Json || value.is_object(), "a form makes an object: {value}");
                check_kinds(&value)?;
            }
            Err(error) => check_body_refusal(error)?,
        }
    }
}
