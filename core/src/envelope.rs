//! The versioned message that travels through RabbitMQ, one per accepted webhook.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::kinds::EventKind;

/// What is on the queue. A versioned enum so that a worker can refuse (dead-letter) a message
/// from a newer producer instead of misreading it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "version")]
pub enum QueueMessage {
    /// The first envelope format.
    #[serde(rename = "1")]
    V1(EventEnvelope),
}

/// One accepted event and what is known about how it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEnvelope {
    /// Id given at intake; the same through retries and replays.
    pub event_id: Uuid,
    /// What to do.
    pub kind: EventKind,
    /// When the ingress accepted it.
    pub received_at: DateTime<Utc>,
    /// The `x-request-id` of the webhook, so one id follows the event to its audit rows.
    pub request_id: Option<String>,
    /// The caller's `Idempotency-Key`, if it sent one.
    pub idempotency_key: Option<String>,
    /// Retries already scheduled for this event in this generation (0 for a fresh event):
    /// the retry schedule is indexed by it, and a message whose count is behind the event's
    /// record is a stale copy, carried out no more.
    pub attempt: u32,
    /// Replays of the event (0 until an operator replays it); a replay starts its retries
    /// afresh.
    #[serde(default)]
    pub generation: u32,
    /// The inbound source that sent it (`cognigy`, `genesys`, `api`); none in messages from
    /// before sources existed.
    #[serde(default)]
    pub source: Option<String>,
    /// The name of the key or HMAC secret that authenticated it (never the secret).
    #[serde(default)]
    pub key_name: Option<String>,
    /// The validated payload of the kind, in normalised names.
    pub payload: Value,
}

impl QueueMessage {
    /// Wraps an envelope in the current version.
    pub fn current(envelope: EventEnvelope) -> Self {
        Self::V1(envelope)
    }

    /// The envelope, whatever the version.
    pub fn into_envelope(self) -> EventEnvelope {
        match self {
            Self::V1(envelope) => envelope,
        }
    }

    /// Bytes for the broker.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain data (no maps with non-string keys) cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses bytes from the broker; an error means the message can never be processed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_envelope_round_trips_with_its_version_tag() {
        let envelope = EventEnvelope {
            event_id: Uuid::now_v7(),
            kind: EventKind::CognigyFallback,
            received_at: Utc::now(),
            request_id: Some("req-1".into()),
            idempotency_key: None,
            attempt: 0,
            generation: 0,
            source: None,
            key_name: None,
            payload: json!({"sessionId": "s"}),
        };
        let bytes = QueueMessage::current(envelope.clone()).to_bytes();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(raw["version"], "1");
        assert_eq!(raw["kind"], "cognigy.fallback");
        assert_eq!(
            QueueMessage::from_bytes(&bytes).unwrap().into_envelope(),
            envelope
        );
    }

    #[test]
    fn an_unknown_version_is_refused() {
        let err = QueueMessage::from_bytes(br#"{"version":"9","eventId":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("unknown variant"));
    }
}
