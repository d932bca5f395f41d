//! Resolution metrics of an ended conversation, read from Genesys conversation analytics
//! (`GET /api/v2/analytics/conversations/{id}/details`), and their row in Postgres.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// What cxrelay keeps of a conversation's analytics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolutionMetrics {
    /// The conversation.
    pub conversation_id: String,
    /// When it started.
    pub conversation_start: Option<DateTime<Utc>>,
    /// When it ended.
    pub conversation_end: Option<DateTime<Utc>>,
    /// End minus start.
    pub duration_ms: Option<i64>,
    /// How the customer's side ended (`client`, `peer`, `system`, ...).
    pub disconnect_type: Option<String>,
    /// `message`, `voice`, ...
    pub media_type: Option<String>,
    /// Every queue the conversation passed through.
    pub queue_ids: Vec<String>,
    /// Segments across all participants.
    pub segment_count: i32,
    /// A human agent took part, or a virtual agent escalated.
    pub escalated: bool,
}

impl ResolutionMetrics {
    /// Metrics from an analytics answer; `None` while analytics has no ended conversation yet
    /// (it lags the end event by seconds to minutes).
    pub fn from_analytics(conversation_id: &str, details: &Value) -> Option<Self> {
        let end = timestamp(details.get("conversationEnd"))?;
        let participants = details.get("participants")?.as_array()?;
        let start = timestamp(details.get("conversationStart"));
        let mut metrics = Self {
            conversation_id: conversation_id.to_owned(),
            conversation_start: start,
            conversation_end: Some(end),
            duration_ms: start.map(|s| (end - s).num_milliseconds()),
            disconnect_type: None,
            media_type: None,
            queue_ids: Vec::new(),
            segment_count: 0,
            escalated: false,
        };
        for participant in participants {
            let purpose = participant
                .get("purpose")
                .and_then(Value::as_str)
                .unwrap_or("");
            metrics.escalated |= purpose == "agent";
            let sessions = participant
                .get("sessions")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for session in sessions {
                if metrics.media_type.is_none() {
                    metrics.media_type = text(session.get("mediaType"));
                }
                let segments = session
                    .get("segments")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                for segment in segments {
                    metrics.segment_count += 1;
                    if let Some(queue) = text(segment.get("queueId")) {
                        if !metrics.queue_ids.contains(&queue) {
                            metrics.queue_ids.push(queue);
                        }
                    }
                    if purpose == "customer" {
                        if let Some(disconnect) = text(segment.get("disconnectType")) {
                            metrics.disconnect_type = Some(disconnect);
                        }
                    }
                }
            }
        }
        Some(metrics)
    }

    /// Stores (or replaces) the conversation's row.
    pub async fn store(&self, db: &PgPool, event_id: Uuid) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO conversation_metrics (conversation_id, event_id, conversation_start,
                 conversation_end, duration_ms, disconnect_type, media_type, queue_ids,
                 segment_count, escalated)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (conversation_id) DO UPDATE SET
                 event_id = EXCLUDED.event_id, conversation_start = EXCLUDED.conversation_start,
                 conversation_end = EXCLUDED.conversation_end, duration_ms = EXCLUDED.duration_ms,
                 disconnect_type = EXCLUDED.disconnect_type, media_type = EXCLUDED.media_type,
                 queue_ids = EXCLUDED.queue_ids, segment_count = EXCLUDED.segment_count,
                 escalated = EXCLUDED.escalated, recorded_at = now()",
        )
        .bind(&self.conversation_id)
        .bind(event_id)
        .bind(self.conversation_start)
        .bind(self.conversation_end)
        .bind(self.duration_ms)
        .bind(&self.disconnect_type)
        .bind(&self.media_type)
        .bind(&self.queue_ids)
        .bind(self.segment_count)
        .bind(self.escalated)
        .execute(db)
        .await?;
        Ok(())
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

fn timestamp(value: Option<&Value>) -> Option<DateTime<Utc>> {
    value.and_then(Value::as_str)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metrics_come_from_segments_and_participants() {
        let details = json!({
            "conversationId": "c", "conversationStart": "2026-01-01T10:00:00Z", "conversationEnd": "2026-01-01T10:05:00Z",
            "participants": [
                {"purpose": "customer", "sessions": [{"mediaType": "message", "segments": [
                    {"segmentType": "interact", "disconnectType": "client"}]}]},
                {"purpose": "acd", "sessions": [{"mediaType": "message", "segments": [
                    {"segmentType": "interact", "queueId": "q1"}, {"segmentType": "interact", "queueId": "q1"}]}]},
                {"purpose": "agent", "sessions": [{"segments": [{"segmentType": "wrapup"}]}]}
            ]
        });
        let metrics = ResolutionMetrics::from_analytics("c", &details).unwrap();
        assert_eq!(metrics.duration_ms, Some(300_000));
        assert_eq!(metrics.disconnect_type.as_deref(), Some("client"));
        assert_eq!(metrics.media_type.as_deref(), Some("message"));
        assert_eq!(metrics.queue_ids, vec!["q1".to_owned()]);
        assert_eq!(metrics.segment_count, 4);
        assert!(metrics.escalated);
    }

    #[test]
    fn analytics_without_an_end_are_not_ready() {
        assert_eq!(
            ResolutionMetrics::from_analytics("c", &json!({"participants": []})),
            None
        );
        assert_eq!(
            ResolutionMetrics::from_analytics("c", &json!({"totalHits": 0})),
            None
        );
    }
}
