//! `genesys.conversation_end`: the customer left; close the conversation's sessions, record its
//! resolution metrics from analytics (which lag the end), and tell the CRM if one is configured.

use chrono::Utc;
use cxrelay_core::kinds::ConversationEndEvent;
use reqwest::Method;
use serde_json::{json, Value};

use crate::attempt::{Attempt, AttemptError};
use crate::crm;
use crate::handlers::{decode, failed};
use crate::outcome::Outcome;
use crate::resolution::ResolutionMetrics;
use crate::sessions;
use crate::verdict::Verdict;

/// Reading a conversation's analytics.
pub const GET_ANALYTICS: &str = "genesys.analytics.conversations.details.get";
/// Target name of the CRM webhook in `attempts`.
const CRM_TARGET: &str = "crm";

/// Ends the sessions, then waits (through the broker) for analytics, stores the metrics and
/// sends the signed summary.
pub async fn handle(attempt: &mut Attempt<'_>, payload: &Value) -> Result<Verdict, AttemptError> {
    let event: ConversationEndEvent = match decode(payload) {
        Ok(event) => event,
        Err(verdict) => return Ok(verdict),
    };
    let db = attempt.ctx.db.clone();
    let health = attempt.ctx.db_health.clone();
    let conversation_id = event.conversation_id.as_str();
    let event_id = attempt.event_id;
    // Counted across deliveries: a delivery retried while analytics lag finds them ended.
    let ended_sessions = health
        .retry("end the conversation's sessions", || {
            sessions::end_conversation(&db, conversation_id, event_id)
        })
        .await?;
    let path = format!(
        "/api/v2/analytics/conversations/{}/details",
        event.conversation_id
    );
    let call = attempt
        .genesys_call(GET_ANALYTICS, Method::GET, &path, None)
        .await?;
    let metrics = match (call.outcome, call.http_status) {
        (Outcome::Success, _) => call
            .body
            .as_ref()
            .and_then(|details| ResolutionMetrics::from_analytics(&event.conversation_id, details)),
        // Analytics knows a conversation only some time after it ended: not yet, not never.
        (_, Some(404)) => None,
        _ => {
            return Ok(failed(
                &call,
                "reading conversation analytics",
                Some("analytics:conversationDetail:view"),
            ))
        }
    };
    let Some(mut metrics) = metrics else {
        return Ok(wait_for_analytics(attempt, &event));
    };
    metrics.escalated |= health
        .retry("read the conversation's escalation", || {
            sessions::was_escalated(&db, conversation_id)
        })
        .await?;
    let metrics = &metrics;
    health
        .retry("store the resolution metrics", || {
            metrics.store(&db, event_id)
        })
        .await?;
    let summary = json!({
        "type": "conversation.ended",
        "conversationId": event.conversation_id,
        "eventTime": event.event_time,
        "sessionsEnded": ended_sessions,
        "metrics": metrics,
    });
    let crm = send_to_crm(attempt, &summary).await?;
    if let Some(verdict) = crm.failure {
        return Ok(verdict);
    }
    Ok(Verdict::Succeeded {
        result: json!({
            "conversationId": event.conversation_id,
            "sessionsEnded": ended_sessions,
            "metrics": metrics,
            "crmNotified": crm.sent,
        }),
    })
}

/// Retry through the broker while the wait since the end is under the configured maximum;
/// after it, the analytics will not come: dead `analytics_unavailable`.
fn wait_for_analytics(attempt: &Attempt<'_>, event: &ConversationEndEvent) -> Verdict {
    let max_wait_ms = attempt
        .ctx
        .settings
        .genesys
        .analytics_max_wait_secs
        .saturating_mul(1_000);
    let waited_ms = Utc::now()
        .timestamp_millis()
        .saturating_sub(event.event_time)
        .max(0);
    let waited = u64::try_from(waited_ms).unwrap_or(u64::MAX);
    if waited >= max_wait_ms {
        return Verdict::dead(
            "analytics_unavailable",
            format!(
                "no analytics for conversation {} {} s after it ended",
                event.conversation_id,
                waited / 1_000
            ),
        );
    }
    // The retry schedule spaces the asks; the deadline above bounds them.
    Verdict::Retry {
        reason: "analytics_pending",
        detail: format!(
            "analytics of conversation {} are not available yet",
            event.conversation_id
        ),
        at_least: None,
        dead_reason: "analytics_unavailable",
    }
}

struct CrmOutcome {
    sent: bool,
    failure: Option<Verdict>,
}

/// POSTs the signed summary when a CRM webhook is configured.
async fn send_to_crm(
    attempt: &mut Attempt<'_>,
    summary: &Value,
) -> Result<CrmOutcome, AttemptError> {
    let settings = attempt.ctx.settings.clone();
    let Some(url) = &settings.crm.webhook_url else {
        return Ok(CrmOutcome {
            sent: false,
            failure: None,
        });
    };
    let http = attempt.ctx.http.clone();
    let body = serde_json::to_vec(summary).unwrap_or_default();
    let secret = settings.crm.webhook_secret.as_ref();
    let call = attempt
        .recorded(CRM_TARGET, crm::POST_SUMMARY, || {
            crm::post_summary(&http, url, secret, body)
        })
        .await?;
    Ok(CrmOutcome {
        sent: call.outcome == Outcome::Success,
        failure: (call.outcome != Outcome::Success).then(|| failed(&call, "the CRM webhook", None)),
    })
}
