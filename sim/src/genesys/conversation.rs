//! A simulated Genesys conversation: what is stored and how
//! `GET /api/v2/conversations/{id}` shows it, in the SDK's `Conversation` model: a participant
//! has no state of its own; its state is that of its media entry (`calls[]` in a voice
//! conversation, `messages[]` in a messaging one), and one that left has `endTime`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::timestamps::{self, iso};

/// Why a participant is in the conversation (Genesys's `purpose`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// The person the conversation is with.
    Customer,
    /// A human agent.
    Agent,
    /// A queue (automatic call distribution).
    Acd,
    /// An IVR or a bot flow.
    Ivr,
    /// A workflow.
    Workflow,
    /// A third party.
    External,
}

/// The state of a participant's media entry (`Call.state`, `Message.state`: values both
/// models allow).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ParticipantState {
    /// Talking.
    Connected,
    /// Gone; cannot be transferred.
    Disconnected,
    /// Being offered the conversation.
    Alerting,
}

/// The media of a conversation, as analytics reports its sessions.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// A phone call (the default of seeded conversations).
    #[default]
    Voice,
    /// A messaging conversation (SMS, WhatsApp, Open Messaging, ...).
    Message,
}

/// Where a messaging conversation goes: what `useExisting…Conversation` matches on.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessagingAddress {
    /// The customer's address (a phone number, an Open Messaging id, ...).
    pub to_address: String,
    /// `sms`, `whatsapp`, `open`, ...
    pub messenger_type: String,
}

/// One participant as stored.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    /// Participant id.
    pub id: String,
    /// Why it is there.
    pub purpose: Purpose,
    /// The state of its media entry (the API shows it there, not on the participant).
    pub state: ParticipantState,
    /// The id of its media entry (its call, or its messaging session).
    pub media_id: String,
    /// When it left.
    #[serde(
        serialize_with = "timestamps::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_time: Option<DateTime<Utc>>,
    /// The queue it is in, or was transferred to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// The queue it was transferred to by name (a transfer naming no id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
}

/// One conversation as stored (and as `GET /_sim/genesys/conversations/{id}` shows it).
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// Conversation id.
    pub id: String,
    /// When it started.
    #[serde(serialize_with = "timestamps::serialize")]
    pub start_time: DateTime<Utc>,
    /// When it ended; `None` while live.
    #[serde(
        serialize_with = "timestamps::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_time: Option<DateTime<Utc>>,
    /// Participants in joining order.
    pub participants: Vec<Participant>,
    /// Media reported by analytics.
    pub media_type: MediaType,
    /// Analytics never has this conversation (a 404 forever), to test giving up.
    pub analytics_never: bool,
    /// The customer's messaging address, for conversations started by the messaging routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<MessagingAddress>,
}

impl Participant {
    /// A participant that joins now, its media entry in `state`.
    pub fn new(purpose: Purpose, state: ParticipantState, queue_id: Option<String>) -> Self {
        Self {
            id: new_id(),
            purpose,
            state,
            media_id: new_id(),
            end_time: None,
            queue_id,
            queue_name: None,
        }
    }
}

impl Conversation {
    /// A live conversation started now with these participants.
    pub fn started_now(participants: Vec<Participant>, media_type: MediaType) -> Self {
        Self {
            id: new_id(),
            start_time: Utc::now(),
            end_time: None,
            participants,
            media_type,
            analytics_never: false,
            address: None,
        }
    }

    /// Whether it has ended.
    pub fn is_ended(&self) -> bool {
        self.end_time.is_some()
    }

    /// Ends it at `at`: every participant is disconnected (keeping an earlier end time).
    pub fn end(&mut self, at: DateTime<Utc>) {
        self.end_time.get_or_insert(at);
        for participant in &mut self.participants {
            participant.state = ParticipantState::Disconnected;
            participant.end_time.get_or_insert(at);
        }
    }

    /// The participant with this id.
    pub fn participant_mut(&mut self, id: &str) -> Option<&mut Participant> {
        self.participants.iter_mut().find(|p| p.id == id)
    }

    /// The answer of `GET /api/v2/conversations/{id}` (SDK model `Conversation`).
    pub fn api_view(&self) -> Value {
        let media_list = match self.media_type {
            MediaType::Voice => "calls",
            MediaType::Message => "messages",
        };
        let participants: Vec<Value> = self
            .participants
            .iter()
            .map(|p| {
                let mut view = Map::new();
                view.insert("id".into(), json!(p.id));
                view.insert("purpose".into(), json!(p.purpose));
                if let Some(end) = p.end_time {
                    view.insert("endTime".into(), json!(iso(end)));
                }
                if let Some(queue_id) = &p.queue_id {
                    view.insert("queueId".into(), json!(queue_id));
                }
                view.insert(
                    media_list.into(),
                    json!([{"id": p.media_id, "state": p.state}]),
                );
                Value::Object(view)
            })
            .collect();
        let mut view = Map::new();
        view.insert("id".into(), json!(self.id));
        view.insert("startTime".into(), json!(iso(self.start_time)));
        if let Some(end) = self.end_time {
            view.insert("endTime".into(), json!(iso(end)));
        }
        view.insert("participants".into(), Value::Array(participants));
        view.insert(
            "selfUri".into(),
            json!(format!("/api/v2/conversations/{}", self.id)),
        );
        Value::Object(view)
    }
}

/// A new Genesys-style id (a UUID).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_disconnects_everyone_and_the_view_shows_end_times() {
        let customer = Participant::new(Purpose::Customer, ParticipantState::Connected, None);
        let mut conversation = Conversation::started_now(vec![customer], MediaType::Voice);
        assert!(conversation.api_view().get("endTime").is_none());
        conversation.end(Utc::now());
        let view = conversation.api_view();
        assert!(view["endTime"].is_string());
        assert_eq!(view["participants"][0]["calls"][0]["state"], "disconnected");
        assert!(view["participants"][0].get("state").is_none());
        assert!(view["participants"][0]["endTime"].is_string());
    }

    #[test]
    fn a_messaging_participant_shows_its_state_on_its_message_entry() {
        let bot = Participant::new(Purpose::Ivr, ParticipantState::Alerting, None);
        let conversation = Conversation::started_now(vec![bot], MediaType::Message);
        let view = conversation.api_view();
        assert_eq!(view["participants"][0]["messages"][0]["state"], "alerting");
        assert!(view["participants"][0].get("calls").is_none());
    }
}
