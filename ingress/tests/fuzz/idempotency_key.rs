//! The `Idempotency-Key` check: any header bytes; accepted keys are 1 to 256 printable ASCII
//! characters without surrounding blanks, refusals name the header and the rule.

use axum::http::{HeaderMap, HeaderValue};
use cxrelay_ingress::idempotency_header::{idempotency_key, MAX_IDEMPOTENCY_KEY_CHARS};
use cxrelay_ingress::problem::ApiError;
use proptest::prelude::*;

use crate::strategies::config;

fn headers_with(value: HeaderValue) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("idempotency-key", value);
    headers
}

proptest! {
    #![proptest_config(config(1_000))]

    #[test]
    fn any_header_bytes(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        "[ -~]{0,300}".prop_map(String::into_bytes),
    ]) {
        // Bytes a header cannot carry never reach the handler.
        let Ok(value) = HeaderValue::from_bytes(&bytes) else { return Ok(()) };
        match idempotency_key(&headers_with(value)) {
            Ok(Some(key)) => {
                prop_assert!((1..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&key.chars().count()));
                prop_assert_eq!(key.trim(), key.as_str());
                prop_assert!(key.bytes().all(|b| (b' '..=b'~').contains(&b) || b == b'\t'));
            }
            Ok(None) => prop_assert!(false, "a header present is not absent"),
            Err(error) => {
                let is_header_error = matches!(error, ApiError::InvalidHeader { .. });
                prop_assert!(is_header_error, "{:?}", error);
                prop_assert_eq!(error.field_and_rule(), Some(("Idempotency-Key", "format")));
                prop_assert_eq!(error.status().as_u16(), 400);
            }
        }
    }

    #[test]
    fn printable_keys_within_the_limit_are_taken_as_sent(key in "[!-~]([ -~]{0,254}[!-~])?") {
        let value = HeaderValue::from_str(&key).unwrap();
        prop_assert_eq!(idempotency_key(&headers_with(value)).ok().flatten(), Some(key));
    }
}

#[test]
fn no_header_is_no_key() {
    assert!(matches!(idempotency_key(&HeaderMap::new()), Ok(None)));
}
