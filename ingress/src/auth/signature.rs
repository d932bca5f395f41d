//! HMAC-SHA256 signatures of a request's raw body, as Genesys Open Messaging sends them
//! (`X-Hub-Signature-256: sha256=<base64>`), or hex-encoded as most other webhook senders do.

use base64::Engine;
use cxrelay_core::config::{NamedSecrets, SourceSettings};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha256;

/// The algorithm prefix of a signature header value.
const SHA256_PREFIX: &str = "sha256=";
/// Length of a SHA-256 MAC in bytes.
const MAC_LEN: usize = 32;

/// Why a signature was refused; each is a 401 naming the header and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureFault {
    /// The signature header is absent.
    Missing,
    /// The value is not `sha256=` followed by base64 or hex of 32 bytes.
    Malformed,
    /// No configured secret gives this signature.
    Mismatch,
    /// The timestamp header is absent or not a whole number of seconds.
    TimestampMissing,
    /// The timestamp is further from now than the tolerance.
    TimestampStale,
}

impl SignatureFault {
    /// The header at fault: the signature's, or the timestamp's.
    pub fn is_about_timestamp(&self) -> bool {
        matches!(self, Self::TimestampMissing | Self::TimestampStale)
    }

    /// The rule broken, as the problem body's `rule`.
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Missing => "required",
            Self::Malformed => "format",
            Self::Mismatch => "signature",
            Self::TimestampMissing => "required",
            Self::TimestampStale => "window",
        }
    }
}

/// The signature check of one source.
#[derive(Clone)]
pub struct SignatureCheck {
    secrets: NamedSecrets,
    /// Lower-case header name of the signature.
    pub header: String,
    /// Lower-case header name of the signed timestamp, when one is signed.
    pub timestamp_header: Option<String>,
    tolerance_secs: u64,
}

impl SignatureCheck {
    /// The check a source's settings ask for; none when it has no HMAC secret.
    pub fn from_settings(settings: &SourceSettings) -> Option<Self> {
        (!settings.hmac_secrets.is_empty()).then(|| Self {
            secrets: settings.hmac_secrets.clone(),
            header: settings.signature_header.trim().to_ascii_lowercase(),
            timestamp_header: settings
                .timestamp_header
                .as_deref()
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_ascii_lowercase),
            tolerance_secs: settings.timestamp_tolerance_secs,
        })
    }

    /// The name of the secret that signed `body`, given the header values the request carried
    /// and the current Unix time.
    pub fn verify(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
        now_unix: i64,
    ) -> Result<&str, SignatureFault> {
        let presented = decode_signature(signature.ok_or(SignatureFault::Missing)?)?;
        let signed_timestamp = match &self.timestamp_header {
            None => None,
            Some(_) => {
                let value = timestamp.ok_or(SignatureFault::TimestampMissing)?.trim();
                let seconds: i64 = value
                    .parse()
                    .map_err(|_| SignatureFault::TimestampMissing)?;
                if now_unix.abs_diff(seconds) > self.tolerance_secs {
                    return Err(SignatureFault::TimestampStale);
                }
                Some(value)
            }
        };
        // Every secret is tried (rotation: old and new sign validly together); `verify_slice`
        // compares in constant time.
        let mut signer = None;
        for (name, secret) in self.secrets.iter() {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
                .map_err(|_| SignatureFault::Mismatch)?;
            if let Some(timestamp) = signed_timestamp {
                mac.update(timestamp.as_bytes());
                mac.update(b".");
            }
            mac.update(body);
            if mac.verify_slice(&presented).is_ok() && signer.is_none() {
                signer = Some(name);
            }
        }
        signer.ok_or(SignatureFault::Mismatch)
    }
}

/// The MAC bytes of `sha256=<base64>` or `sha256=<hex>`.
fn decode_signature(value: &str) -> Result<Vec<u8>, SignatureFault> {
    let value = value.trim();
    let encoded = value
        .get(..SHA256_PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(SHA256_PREFIX))
        .map(|_| &value[SHA256_PREFIX.len()..])
        .ok_or(SignatureFault::Malformed)?;
    let bytes = if encoded.len() == 2 * MAC_LEN {
        hex::decode(encoded).map_err(|_| SignatureFault::Malformed)?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| SignatureFault::Malformed)?
    };
    if bytes.len() == MAC_LEN {
        Ok(bytes)
    } else {
        Err(SignatureFault::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(timestamp_header: Option<&str>) -> SignatureCheck {
        let settings = SourceSettings {
            hmac_secrets: NamedSecrets::parse(["old:first-secret", "new:second-secret"]).unwrap(),
            timestamp_header: timestamp_header.map(str::to_owned),
            ..SourceSettings::default()
        };
        SignatureCheck::from_settings(&settings).unwrap()
    }

    fn mac(secret: &str, content: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(content);
        mac.finalize().into_bytes().to_vec()
    }

    fn base64_header(secret: &str, content: &[u8]) -> String {
        let encoded = base64::engine::general_purpose::STANDARD.encode(mac(secret, content));
        format!("sha256={encoded}")
    }

    #[test]
    fn base64_and_hex_signatures_of_either_secret_verify() {
        let check = check(None);
        let body = br#"{"a":1}"#;
        let b64 = base64_header("first-secret", body);
        assert_eq!(check.verify(Some(&b64), None, body, 0), Ok("old"));
        let hex = format!("SHA256={}", hex::encode(mac("second-secret", body)));
        assert_eq!(check.verify(Some(&hex), None, body, 0), Ok("new"));
    }

    #[test]
    fn a_changed_body_a_wrong_secret_or_a_bad_header_is_refused() {
        let check = check(None);
        let signature = base64_header("first-secret", b"body");
        assert_eq!(
            check.verify(Some(&signature), None, b"body!", 0),
            Err(SignatureFault::Mismatch)
        );
        let other = base64_header("not-configured", b"body");
        assert_eq!(
            check.verify(Some(&other), None, b"body", 0),
            Err(SignatureFault::Mismatch)
        );
        for bad in [
            "",
            "sha256=",
            "sha1=abcd",
            "sha256=not base64!",
            "sha256=AAAA",
        ] {
            assert_eq!(
                check.verify(Some(bad), None, b"body", 0),
                Err(SignatureFault::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            check.verify(None, None, b"body", 0),
            Err(SignatureFault::Missing)
        );
    }

    #[test]
    fn a_signed_timestamp_must_be_inside_the_window() {
        let check = check(Some("X-Signature-Timestamp"));
        let now = 1_800_000_000;
        let signed = |ts: i64| base64_header("first-secret", format!("{ts}.body").as_bytes());
        assert_eq!(
            check.verify(
                Some(&signed(now - 10)),
                Some(&(now - 10).to_string()),
                b"body",
                now
            ),
            Ok("old")
        );
        let stale = now - 301;
        assert_eq!(
            check.verify(Some(&signed(stale)), Some(&stale.to_string()), b"body", now),
            Err(SignatureFault::TimestampStale)
        );
        // The body alone signed, without the timestamp, does not pass.
        let unsigned_ts = base64_header("first-secret", b"body");
        assert_eq!(
            check.verify(Some(&unsigned_ts), Some(&now.to_string()), b"body", now),
            Err(SignatureFault::Mismatch)
        );
        assert_eq!(
            check.verify(Some(&signed(now)), None, b"body", now),
            Err(SignatureFault::TimestampMissing)
        );
    }
}
