//! Classifying a downstream answer before deciding what to do with it (design invariant 5).

use serde::Serialize;

/// What a downstream answer means for the event, independent of any retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// 2xx: done.
    Success,
    /// Worth trying again later: timeouts, 408, 429, 500, 502, 503, 504.
    Retryable,
    /// Trying again cannot help: 400, 403, 404, 409, 413, 422 and other 4xx.
    Permanent,
    /// 401: the token is no longer valid; fetch a new one and try once more.
    Auth,
}

impl Outcome {
    /// The value stored in `attempts.outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Retryable => "retryable",
            Outcome::Permanent => "permanent",
            Outcome::Auth => "auth",
        }
    }
}

/// Classifies an HTTP status as Genesys and Cognigy use them.
pub fn classify_status(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Success,
        401 => Outcome::Auth,
        408 | 429 | 500 | 502 | 503 | 504 => Outcome::Retryable,
        // Other 5xx are server faults too; a later answer may differ.
        501..=599 => Outcome::Retryable,
        _ => Outcome::Permanent,
    }
}

/// A call that got no HTTP answer (connect error, timeout, reset) may succeed later.
pub fn classify_transport_error() -> Outcome {
    Outcome::Retryable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_into_their_classes() {
        for status in [200, 201, 202, 204] {
            assert_eq!(classify_status(status), Outcome::Success, "{status}");
        }
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(classify_status(status), Outcome::Retryable, "{status}");
        }
        for status in [400, 403, 404, 409, 413, 422] {
            assert_eq!(classify_status(status), Outcome::Permanent, "{status}");
        }
        assert_eq!(classify_status(401), Outcome::Auth);
        assert_eq!(classify_transport_error(), Outcome::Retryable);
    }
}
