//! `genesys.virtual_agent`: start a bot conversation on a messaging channel, or hand the
//! customer to the human queue when the bot's confidence or the customer's mood is low.

use cxrelay_core::kinds::VirtualAgentEvent;
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::attempt::{Attempt, AttemptError};
use crate::handlers::{decode, failed};
use crate::outcome::Outcome;
use crate::sessions;
use crate::verdict::Verdict;

/// Starting a conversation routed to a queue (human escalation).
pub const ESCALATE: &str = "genesys.conversations.messages.create";
/// Sending the bot's message without an agent.
pub const AGENTLESS: &str = "genesys.conversations.messages.agentless";

/// Reserves a session under the bot's cap, then escalates or sends the agentless message.
pub async fn handle(attempt: &mut Attempt<'_>, payload: &Value) -> Result<Verdict, AttemptError> {
    let event: VirtualAgentEvent = match decode(payload) {
        Ok(event) => event,
        Err(verdict) => return Ok(verdict),
    };
    let settings = attempt.ctx.settings.clone();
    let policy = &settings.genesys.virtual_agent;
    let db = attempt.ctx.db.clone();
    let health = attempt.ctx.db_health.clone();
    let event_id = attempt.event_id;
    let reserved = health
        .retry("reserve a session", || {
            sessions::reserve_virtual_agent(
                &db,
                &event.bot_id,
                event_id,
                policy.max_active_sessions_per_bot,
            )
        })
        .await?;
    let Some(session) = reserved else {
        return Ok(Verdict::dead(
            "concurrency_limit",
            format!(
                "bot {} already has {} active sessions, its limit",
                event.bot_id, policy.max_active_sessions_per_bot
            ),
        ));
    };
    let low_intent = event
        .intent_score
        .is_some_and(|s| s < policy.intent_score_threshold);
    let low_sentiment = event
        .sentiment
        .is_some_and(|s| s < policy.sentiment_threshold);
    let escalate = low_intent || low_sentiment;
    let (operation, path, body) = if escalate {
        let Some(queue_id) = settings.genesys.human_queue_id.clone() else {
            health
                .retry("release the session", || sessions::release(&db, session))
                .await?;
            return Ok(Verdict::dead(
                "not_configured",
                "escalation needs CXRELAY_GENESYS__HUMAN_QUEUE_ID",
            ));
        };
        let body = json!({
            "queueId": queue_id,
            "toAddress": event.to_address,
            "toAddressMessengerType": event.to_address_messenger_type,
            "useExistingConversation": true,
        });
        (ESCALATE, "/api/v2/conversations/messages", body)
    } else {
        (
            AGENTLESS,
            "/api/v2/conversations/messages/agentless",
            agentless_body(&event),
        )
    };
    let call = attempt
        .genesys_call(operation, Method::POST, path, Some(&body))
        .await?;
    if call.outcome != Outcome::Success {
        health
            .retry("release the session", || sessions::release(&db, session))
            .await?;
        return Ok(failed(
            &call,
            "starting the conversation",
            Some("conversation:message:create"),
        ));
    }
    let answer = call.body.unwrap_or_default();
    let conversation_id = answer
        .get("conversationId")
        .or_else(|| answer.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let path_taken = if escalate { "escalated" } else { "agentless" };
    health
        .retry("activate the session", || {
            sessions::activate_virtual_agent(
                &db,
                session,
                &conversation_id,
                &event.to_address,
                path_taken,
            )
        })
        .await?;
    Ok(Verdict::Succeeded {
        result: json!({
            "conversationId": conversation_id,
            "path": path_taken,
            "escalatedBecause": match (low_intent, low_sentiment) {
                (true, true) => json!("intentScore and sentiment"),
                (true, false) => json!("intentScore"),
                (false, true) => json!("sentiment"),
                (false, false) => Value::Null,
            },
            "messageId": if escalate { Value::Null } else { answer.get("id").cloned().unwrap_or(Value::Null) },
        }),
    })
}

fn agentless_body(event: &VirtualAgentEvent) -> Value {
    let mut body = Map::new();
    if let Some(from) = &event.from_address {
        body.insert("fromAddress".into(), json!(from));
    }
    body.insert("toAddress".into(), json!(event.to_address));
    body.insert(
        "toAddressMessengerType".into(),
        json!(event.to_address_messenger_type),
    );
    body.insert("textBody".into(), json!(event.text));
    body.insert("useExistingActiveConversation".into(), json!(true));
    if let Some(template) = &event.messaging_template {
        body.insert("messagingTemplate".into(), Value::Object(template.clone()));
    }
    Value::Object(body)
}
