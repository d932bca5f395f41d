//! The record of one downstream HTTP call, whatever system it went to.

use std::time::Duration;

use serde_json::Value;

use crate::outcome::Outcome;

/// What one call returned, classified; stored as an `attempts` row.
#[derive(Debug, Clone)]
pub struct CallResult {
    /// Classification of the answer.
    pub outcome: Outcome,
    /// HTTP status, when an answer came.
    pub http_status: Option<u16>,
    /// The platform's error code (`bad.request`, `too.many.requests.retry.after`, ...).
    pub error_code: Option<String>,
    /// The platform's error message, or the transport error.
    pub error_message: Option<String>,
    /// Genesys `ININ-Correlation-Id` (support asks for it).
    pub correlation_id: Option<String>,
    /// Time from sending to the full answer.
    pub latency: Duration,
    /// The JSON body of a successful answer.
    pub body: Option<Value>,
}
