//! `cognigy.bot_failure`: a bot failed during a Genesys call; if the call is still live,
//! transfer the bot's participant to the fallback queue (whose routing plays the IVR menu).

use cxrelay_core::kinds::BotFailureEvent;
use reqwest::Method;
use serde_json::{json, Value};

use crate::attempt::{Attempt, AttemptError};
use crate::handlers::{decode, failed};
use crate::outcome::Outcome;
use crate::verdict::Verdict;

/// Reading the conversation before acting on it.
pub const GET_CONVERSATION: &str = "genesys.conversations.get";
/// The blind transfer to a queue.
pub const REPLACE_WITH_QUEUE: &str = "genesys.conversations.participants.replace.queue";

/// Checks the conversation is live, then transfers the participant.
pub async fn handle(attempt: &mut Attempt<'_>, payload: &Value) -> Result<Verdict, AttemptError> {
    let event: BotFailureEvent = match decode(payload) {
        Ok(event) => event,
        Err(verdict) => return Ok(verdict),
    };
    let conversation_path = format!("/api/v2/conversations/{}", event.conversation_id);
    let call = attempt
        .genesys_call(GET_CONVERSATION, Method::GET, &conversation_path, None)
        .await?;
    if call.outcome != Outcome::Success {
        return Ok(failed(
            &call,
            "reading the conversation",
            Some("conversation:communication:view"),
        ));
    }
    let conversation = call.body.unwrap_or_default();
    if let Some(reason) = not_active(&conversation, &event.participant_id) {
        return Ok(Verdict::dead("conversation_not_active", reason));
    }
    let queue_id = event
        .queue_id
        .clone()
        .or_else(|| attempt.ctx.settings.genesys.fallback_queue_id.clone());
    let Some(queue_id) = queue_id else {
        return Ok(Verdict::dead(
            "not_configured",
            "the event names no queueId and CXRELAY_GENESYS__FALLBACK_QUEUE_ID is not set",
        ));
    };
    let transfer_path = format!(
        "{conversation_path}/participants/{}/replace/queue",
        event.participant_id
    );
    let body = json!({"queueId": queue_id});
    let call = attempt
        .genesys_call(
            REPLACE_WITH_QUEUE,
            Method::POST,
            &transfer_path,
            Some(&body),
        )
        .await?;
    Ok(match (call.outcome, call.http_status) {
        (Outcome::Success, _) => Verdict::Succeeded {
            result: json!({
                "conversationId": event.conversation_id,
                "participantId": event.participant_id,
                "transferredToQueueId": queue_id,
            }),
        },
        (_, Some(409)) => Verdict::dead(
            "conversation_state_conflict",
            format!(
                "the conversation changed state before the transfer: {}",
                call.summary()
            ),
        ),
        _ => failed(
            &call,
            "the transfer",
            Some("conversation:communication:blindTransfer"),
        ),
    })
}

/// The media lists of a Genesys `Participant` (SDK model): a participant has no state of its
/// own; its state is that of its media entries (`calls` for voice, `messages` for messaging).
const MEDIA_LISTS: &[&str] = &[
    "calls",
    "messages",
    "callbacks",
    "chats",
    "cobrowsesessions",
    "emails",
    "screenshares",
    "socialExpressions",
    "videos",
];

/// States of a media entry that has ended (the SDK models' state enums).
const ENDED_STATES: &[&str] = &["disconnected", "terminated"];

/// Why the participant cannot be transferred, if it cannot: the conversation ended, or the
/// participant is not in it, has left (`endTime`), or has only ended media entries.
fn not_active(conversation: &Value, participant_id: &str) -> Option<String> {
    if let Some(end) = conversation.get("endTime").and_then(Value::as_str) {
        return Some(format!("the conversation ended at {end}"));
    }
    let participant = conversation
        .get("participants")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(participant_id))
        });
    let Some(participant) = participant else {
        return Some(format!(
            "participant {participant_id} is not in the conversation"
        ));
    };
    if let Some(end) = participant.get("endTime").and_then(Value::as_str) {
        return Some(format!("participant {participant_id} left at {end}"));
    }
    let states: Vec<&str> = MEDIA_LISTS
        .iter()
        .filter_map(|list| participant.get(*list).and_then(Value::as_array))
        .flatten()
        .filter_map(|media| media.get("state").and_then(Value::as_str))
        .collect();
    // A participant with no media entries at all is not known to be gone: Genesys decides.
    let all_ended = !states.is_empty()
        && states.iter().all(|state| {
            ENDED_STATES
                .iter()
                .any(|ended| state.eq_ignore_ascii_case(ended))
        });
    all_ended.then(|| {
        format!(
            "participant {participant_id} is already disconnected (its media: {})",
            states.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_conversations_and_gone_participants_are_not_active() {
        let live = json!({"id": "c", "participants": [
            {"id": "p", "purpose": "ivr", "calls": [{"id": "m1", "state": "connected"}]}]});
        assert_eq!(not_active(&live, "p"), None);
        assert!(not_active(&live, "q")
            .unwrap()
            .contains("not in the conversation"));
        let ended = json!({"id": "c", "endTime": "2026-01-01T00:00:00Z", "participants": []});
        assert!(not_active(&ended, "p").unwrap().contains("ended"));
        let left = json!({"participants": [{"id": "p", "endTime": "2026-01-01T00:00:00Z",
            "calls": [{"id": "m1", "state": "connected"}]}]});
        assert!(not_active(&left, "p").unwrap().contains("left at"));
    }

    #[test]
    fn a_participant_is_disconnected_when_all_its_media_are_voice_or_messaging_alike() {
        let call_gone = json!({"participants": [{"id": "p",
            "calls": [{"id": "m1", "state": "disconnected"}, {"id": "m2", "state": "terminated"}]}]});
        assert!(not_active(&call_gone, "p")
            .unwrap()
            .contains("already disconnected"));
        let message_gone = json!({"participants": [{"id": "p",
            "messages": [{"id": "m1", "state": "disconnected"}]}]});
        assert!(not_active(&message_gone, "p").is_some());
        let one_live = json!({"participants": [{"id": "p",
            "calls": [{"id": "m1", "state": "disconnected"}], "messages": [{"id": "m2", "state": "connected"}]}]});
        assert_eq!(not_active(&one_live, "p"), None);
        // A `state` on the participant itself is not Genesys's: it decides nothing.
        let invented = json!({"participants": [{"id": "p", "state": "disconnected"}]});
        assert_eq!(not_active(&invented, "p"), None);
    }
}
