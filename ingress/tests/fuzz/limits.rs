//! The depth, length and NUL checks against an oracle: a body is accepted exactly when its
//! nesting and its longest string or key are within the limits and no string or key holds a
//! NUL character, and then parses as serde_json parses it; otherwise the refusal names the
//! limit broken.

use cxrelay_ingress::body::{decode_body, BodyLimits};
use cxrelay_ingress::problem::ApiError;
use proptest::prelude::*;
use serde_json::Value;

use crate::strategies::*;

/// A value with its nesting and longest text, and limits around both.
fn value_and_limits() -> impl Strategy<Value = (Value, BodyLimits)> {
    let deep = (0usize..60, any::<bool>(), text())
        .prop_map(|(n, arrays, s)| nested(n, arrays, Value::String(s)));
    let value = prop_oneof![3 => value(), 1 => deep];
    (value, -2i64..=2, -2i64..=2).prop_map(|(value, depth_delta, length_delta)| {
        let around = |n: usize, delta: i64| usize::try_from((n as i64 + delta).max(1)).unwrap_or(1);
        let limits = BodyLimits {
            max_bytes: usize::MAX,
            max_depth: around(depth(&value), depth_delta),
            max_string_chars: around(longest_text(&value), length_delta),
        };
        (value, limits)
    })
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn json_is_accepted_exactly_within_the_limits((value, limits) in value_and_limits()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        let too_deep = depth(&value) > limits.max_depth;
        let too_long = longest_text(&value) > limits.max_string_chars;
        let has_nul = !cxrelay_core::storable::is_storable_json(&value);
        match decode_body(None, &bytes, &limits) {
            Ok(decoded) => {
                prop_assert!(!too_deep && !too_long && !has_nul);
                let expected: Value = serde_json::from_slice(&bytes).unwrap();
                prop_assert_eq!(decoded, expected);
            }
            Err(ApiError::Invalid(error)) => {
                // The first offender in reading order is named: any broken rule may be first.
                let expected: Vec<&str> = [
                    (too_deep, "max_depth"),
                    (too_long, "max_length"),
                    (has_nul, "nul_character"),
                ]
                .into_iter()
                .filter_map(|(broken, rule)| broken.then_some(rule))
                .collect();
                prop_assert!(expected.contains(&error.rule), "{error:?} for {value}");
                prop_assert!(!error.field.is_empty());
            }
            Err(other) => prop_assert!(false, "{other:?} for {value}"),
        }
    }

    #[test]
    fn brackets_by_the_hundred_thousand_stop_at_the_depth_limit(
        n in 0usize..150_000,
        piece in prop::sample::select(vec!["[", "{\"k\":", "[{\"k\":"]),
        max_depth in 1usize..=100,
    ) {
        let body = piece.repeat(n);
        let limits = BodyLimits { max_bytes: usize::MAX, max_depth, max_string_chars: 16 };
        let started = std::time::Instant::now();
        let result = decode_body(None, body.as_bytes(), &limits);
        let containers = if piece == "[{\"k\":" { 2 * n } else { n };
        match result {
            Err(ApiError::Invalid(error)) => {
                prop_assert!(containers > max_depth);
                prop_assert_eq!(error.rule, "max_depth");
            }
            Err(ApiError::MalformedJson(_)) => prop_assert!(containers <= max_depth),
            other => prop_assert!(false, "{other:?}"),
        }
        // Refused at the limit, not after reading the rest: far under a second in a debug build.
        prop_assert!(started.elapsed() < std::time::Duration::from_millis(500));
    }

    #[test]
    fn form_keys_nested_deep_stop_at_the_depth_limit(
        n in 0usize..20_000,
        max_depth in 1usize..=100,
    ) {
        let body = format!("a{}=x", "[b]".repeat(n));
        let limits = BodyLimits { max_bytes: usize::MAX, max_depth, max_string_chars: 16 };
        let result = decode_body(Some(b"application/x-www-form-urlencoded"), body.as_bytes(), &limits);
        // `a[b]…=x` opens the body's object and one object per bracket.
        match result {
            Ok(value) => prop_assert!(n < max_depth && depth(&value) == n + 1),
            Err(ApiError::Invalid(error)) => {
                prop_assert!(n >= max_depth);
                prop_assert_eq!(error.rule, "max_depth");
            }
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }
}
