//! The signed conversation summary sent to a CRM webhook.
//!
//! Signature: `X-Cxrelay-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`
//! with `X-Cxrelay-Timestamp: <unix seconds>`. Signing the timestamp with the body lets a
//! receiver refuse replays of an old, validly signed request.

use hmac::{Hmac, Mac};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::call::{self, CallResult};

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Cxrelay-Signature";
/// Header carrying the signed timestamp.
pub const TIMESTAMP_HEADER: &str = "X-Cxrelay-Timestamp";
/// Operation name of the webhook call in `attempts`.
pub const POST_SUMMARY: &str = "crm.webhook.post";

/// `sha256=<hex>` of `"{timestamp}.{body}"` under `secret`.
pub fn signature(secret: &SecretString, timestamp: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so building it cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// POSTs `body` (already serialized, so the signed bytes are the sent bytes) to `url`.
pub async fn post_summary(
    http: &reqwest::Client,
    url: &Url,
    secret: Option<&SecretString>,
    body: Vec<u8>,
) -> CallResult {
    let timestamp = chrono::Utc::now().timestamp();
    let mut request = http
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string());
    if let Some(secret) = secret {
        request = request.header(SIGNATURE_HEADER, signature(secret, timestamp, &body));
    }
    call::send(request.body(body), "x-request-id").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() {
        // Computed independently: Python's hmac.new(b"Jefe", b'1700000000.{"a":1}', sha256).
        let signed = signature(&SecretString::from("Jefe"), 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(
            signed,
            "sha256=fa5f6481efc59da48b19c9dc10196c9953e5651f8304b3a318b6b87d70272e0a"
        );
    }
}
