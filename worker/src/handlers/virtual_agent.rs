//! `genesys.virtual_agent`: send the bot's message on a messaging channel, or hand the customer
//! to the human queue when the bot's confidence or the customer's mood is low. Genesys reuses the
//! customer's live conversation, so each event is one turn of that conversation's session.

use cxrelay_core::config::env_name;
use cxrelay_core::kinds::VirtualAgentEvent;
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::attempt::{Attempt, AttemptError};
use crate::handlers::{decode, failed};
use crate::outcome::Outcome;
use crate::sessions::virtual_agent::{self, Customer, Turn};
use crate::verdict::Verdict;

/// Starting a conversation routed to a queue (human escalation).
pub const ESCALATE: &str = "genesys.conversations.messages.create";
/// Sending the bot's message without an agent.
pub const AGENTLESS: &str = "genesys.conversations.messages.agentless";

/// Continues the customer's session or reserves one under the bot's cap, then escalates or
/// sends the agentless message, and records the turn. Safe to run again for the same event: a
/// delivery that finds the turn recorded returns its result without calling Genesys again.
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
    let recorded = health
        .retry("look for the event's recorded turn", || {
            virtual_agent::recorded_result(&db, event_id)
        })
        .await?;
    if let Some(result) = recorded {
        return Ok(Verdict::Succeeded { result });
    }
    let customer = Customer {
        bot_id: &event.bot_id,
        address: &event.to_address,
        messenger_type: &event.to_address_messenger_type,
    };
    let reserved = health
        .retry("reserve a session", || {
            virtual_agent::reserve(&db, customer, event_id, policy.max_active_sessions_per_bot)
        })
        .await?;
    let Some(slot) = reserved else {
        return Ok(Verdict::dead(
            "concurrency_limit",
            format!(
                "bot {} already has {} active sessions, its limit",
                event.bot_id, policy.max_active_sessions_per_bot
            ),
        ));
    };
    let release = || virtual_agent::release(&db, slot);
    let low_intent = event
        .intent_score
        .is_some_and(|s| s < policy.intent_score_threshold);
    let low_sentiment = event
        .sentiment
        .is_some_and(|s| s < policy.sentiment_threshold);
    let escalate = low_intent || low_sentiment;
    let (operation, path, body) = if escalate {
        let Some(queue_id) = settings.genesys.human_queue_id.clone() else {
            health.retry("release the session", release).await?;
            return Ok(Verdict::dead(
                "not_configured",
                "escalation needs CXRELAY_GENESYS__HUMAN_QUEUE_ID",
            ));
        };
        // The body has no field for a message: the bot's text is kept in the transcript.
        let body = json!({
            "queueId": queue_id,
            "toAddress": event.to_address,
            "toAddressMessengerType": event.to_address_messenger_type,
            "useExistingConversation": true,
        });
        (ESCALATE, "/api/v2/conversations/messages", body)
    } else {
        let messaging_from = &settings.genesys.messaging_from;
        let from = event
            .from_address
            .as_deref()
            .or_else(|| messaging_from.of(&event.to_address_messenger_type));
        let Some(from) = from else {
            health.retry("release the session", release).await?;
            return Ok(Verdict::dead(
                "not_configured",
                format!(
                    "an agentless {} message needs a fromAddress: the event has none and {} is not set",
                    event.to_address_messenger_type,
                    env_name_of_sender(&event.to_address_messenger_type),
                ),
            ));
        };
        (
            AGENTLESS,
            "/api/v2/conversations/messages/agentless",
            agentless_body(&event, from),
        )
    };
    let call = attempt
        .genesys_call(operation, Method::POST, path, Some(&body))
        .await?;
    if call.outcome != Outcome::Success {
        health.retry("release the session", release).await?;
        return Ok(failed(
            &call,
            "starting the conversation",
            Some("conversation:message:create"),
        ));
    }
    let answer = call.body.unwrap_or_default();
    // A queue conversation's answer is `{id, selfUri}`, the id the conversation's
    // (CreateOutboundMessagingConversationResponse); the agentless answer's `id` is the
    // message's and `conversationId` the conversation's (SendAgentlessOutboundMessageResponse).
    let conversation_field = if escalate { "id" } else { "conversationId" };
    let conversation_id = answer
        .get(conversation_field)
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty());
    let Some(conversation_id) = conversation_id else {
        health.retry("release the session", release).await?;
        return Ok(Verdict::dead(
            "unexpected_response",
            format!("the Genesys answer names no conversation ({conversation_field})"),
        ));
    };
    let path_taken = if escalate { "escalated" } else { "agentless" };
    let result = json!({
        "conversationId": conversation_id,
        "path": path_taken,
        "escalatedBecause": match (low_intent, low_sentiment) {
            (true, true) => json!("intentScore and sentiment"),
            (true, false) => json!("intentScore"),
            (false, true) => json!("sentiment"),
            (false, false) => Value::Null,
        },
        "messageId": if escalate { Value::Null } else { answer.get("id").cloned().unwrap_or(Value::Null) },
        "textSent": !escalate,
    });
    let turn = Turn {
        customer,
        event_id,
        slot,
        conversation_id,
        path: path_taken,
        text: &event.text,
        result: &result,
    };
    health
        .retry("record the turn", || virtual_agent::record_turn(&db, &turn))
        .await?;
    Ok(Verdict::Succeeded { result })
}

/// The variable that sets the sender of `messenger_type` messages.
fn env_name_of_sender(messenger_type: &str) -> String {
    env_name(&format!("genesys.messaging_from.{messenger_type}"))
}

/// The agentless request (SDK model `SendAgentlessOutboundMessageRequest`), sent by `from`.
fn agentless_body(event: &VirtualAgentEvent, from: &str) -> Value {
    let mut body = Map::new();
    body.insert("fromAddress".into(), json!(from));
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
