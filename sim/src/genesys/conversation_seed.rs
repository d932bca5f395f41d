//! A conversation as `POST /_sim/genesys/conversations` and the seed file take it: only the
//! participants' `purpose` is required; ids, times and states get defaults.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::conversation::{
    new_id, Conversation, MediaType, MessagingAddress, Participant, ParticipantState, Purpose,
};

/// A participant as seeding takes it: only `purpose` is required.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParticipantSeed {
    /// Generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Why it is there.
    pub purpose: Purpose,
    /// The state of its media entry (shown as `calls[0].state` or `messages[0].state`: a
    /// Genesys participant has no state of its own). Default: `disconnected` in an ended
    /// conversation, `connected` otherwise.
    #[serde(default)]
    pub state: Option<ParticipantState>,
    /// When it left.
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    /// The queue it is in.
    #[serde(default)]
    pub queue_id: Option<String>,
}

/// A conversation as `POST /_sim/genesys/conversations` and the seed file take it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConversationSeed {
    /// Generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Default: now.
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    /// Set: the conversation has ended.
    #[serde(default)]
    pub end_time: Option<DateTime<Utc>>,
    /// Participants; ids generated where absent.
    #[serde(default)]
    pub participants: Vec<ParticipantSeed>,
    /// Default `voice`.
    #[serde(default)]
    pub media_type: MediaType,
    /// Analytics never has it.
    #[serde(default)]
    pub analytics_never: bool,
    /// The customer's messaging address.
    #[serde(default)]
    pub address: Option<MessagingAddress>,
}

impl ConversationSeed {
    /// The stored conversation; the error says what is inconsistent.
    pub fn into_conversation(self) -> Result<Conversation, String> {
        let id = match self.id {
            Some(id) if id.trim().is_empty() => return Err("id must not be blank".to_owned()),
            Some(id) => id,
            None => new_id(),
        };
        let start_time = self.start_time.unwrap_or_else(Utc::now);
        if self.end_time.is_some_and(|end| end < start_time) {
            return Err(format!("conversation {id}: endTime is before startTime"));
        }
        let ended = self.end_time.is_some();
        let mut seen = HashSet::new();
        let mut participants = Vec::with_capacity(self.participants.len());
        for seed in self.participants {
            let participant_id = seed.id.unwrap_or_else(new_id);
            if !seen.insert(participant_id.clone()) {
                return Err(format!(
                    "conversation {id}: participant id {participant_id} is used twice"
                ));
            }
            let default_state = if ended {
                ParticipantState::Disconnected
            } else {
                ParticipantState::Connected
            };
            let state = seed.state.unwrap_or(default_state);
            let end_time = match (seed.end_time, state) {
                (None, ParticipantState::Disconnected) => self.end_time,
                (end, _) => end,
            };
            participants.push(Participant {
                id: participant_id,
                end_time,
                ..Participant::new(seed.purpose, state, seed.queue_id)
            });
        }
        Ok(Conversation {
            id,
            start_time,
            end_time: self.end_time,
            participants,
            media_type: self.media_type,
            analytics_never: self.analytics_never,
            address: self.address,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn seed(value: Value) -> ConversationSeed {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_minimal_seed_gets_ids_and_connected_participants() {
        let conversation = seed(json!({"participants": [{"purpose": "customer"}]}))
            .into_conversation()
            .unwrap();
        assert_eq!(conversation.id.len(), 36);
        assert_eq!(
            conversation.participants[0].state,
            ParticipantState::Connected
        );
        assert!(!conversation.is_ended());
        assert_eq!(conversation.media_type, MediaType::Voice);
    }

    #[test]
    fn an_ended_seed_disconnects_participants_that_name_no_state() {
        let conversation = seed(json!({
            "startTime": "2026-05-01T09:00:00Z",
            "endTime": "2026-05-01T09:05:00Z",
            "participants": [{"purpose": "customer"}, {"purpose": "acd", "state": "connected"}],
        }))
        .into_conversation()
        .unwrap();
        let first = &conversation.participants[0];
        assert_eq!(first.state, ParticipantState::Disconnected);
        assert_eq!(first.end_time, conversation.end_time);
        assert_eq!(
            conversation.participants[1].state,
            ParticipantState::Connected
        );
    }

    #[test]
    fn duplicate_participant_ids_or_an_end_before_the_start_are_refused() {
        let twice = seed(json!({"participants": [
            {"id": "p", "purpose": "customer"}, {"id": "p", "purpose": "ivr"}
        ]}));
        assert!(twice.into_conversation().unwrap_err().contains("twice"));
        let backwards = seed(json!({
            "startTime": "2026-05-01T09:00:00Z", "endTime": "2026-05-01T08:00:00Z"
        }));
        assert!(backwards.into_conversation().is_err());
        assert!(serde_json::from_value::<ConversationSeed>(json!({"bogus": 1})).is_err());
    }
}
