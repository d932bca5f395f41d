//! Inputs the fuzz targets (or reviews of them) found worth keeping, each a named test.

use cxrelay_ingress::body::{decode_body, BodyLimits};
use cxrelay_ingress::problem::ApiError;

use crate::strategies::default_limits;

fn rule_of(content_type: Option<&[u8]>, body: &[u8], limits: &BodyLimits) -> Option<String> {
    decode_body(content_type, body, limits)
        .err()
        .and_then(|error: ApiError| error.field_and_rule().map(|(_, rule)| rule.to_owned()))
}

#[test]
fn a_body_of_a_hundred_thousand_open_brackets_is_refused_at_depth_33() {
    let body = "[".repeat(100_000);
    let limits = BodyLimits {
        max_bytes: usize::MAX,
        ..default_limits()
    };
    assert_eq!(
        rule_of(None, body.as_bytes(), &limits).as_deref(),
        Some("max_depth")
    );
}

/// Found by `decode::any_bytes_through_the_whole_decode_path`: a form key whose brackets do not
/// pair up is kept as one plain name, and that name skipped the length check.
#[test]
fn a_form_key_of_unpaired_brackets_is_held_to_the_length_limit() {
    let body = format!("{}=", "[".repeat(20_000));
    assert_eq!(
        rule_of(
            Some(b"application/x-www-form-urlencoded"),
            body.as_bytes(),
            &default_limits()
        )
        .as_deref(),
        Some("max_length")
    );
}
