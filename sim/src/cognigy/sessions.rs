//! What each Cognigy session received and answered, in order: the inputs tests check
//! (`GET /_sim/cognigy/sessions/{sessionId}`) and the transcript of
//! `GET /new/v2.0/conversations/{sessionId}`.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::resources::REST_CHANNEL;
use crate::state::lock;
use crate::timestamps::{self, iso};

/// Who said it.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The user (an Endpoint call or an inject).
    User,
    /// The Flow, or a notify.
    Bot,
}

/// One message of a session.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Entry {
    /// Who said it.
    pub source: Source,
    /// The text, if any.
    pub text: Option<String>,
    /// The data (`null` when none was sent).
    pub data: Value,
    /// When it arrived (inputs) or was answered (outputs).
    #[serde(serialize_with = "timestamps::serialize")]
    pub at: DateTime<Utc>,
    /// The Flow that ran.
    pub flow_name: String,
}

/// One session: the user and every message, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// The session id.
    pub session_id: String,
    /// The user of its first message.
    pub user_id: String,
    /// Inputs and outputs in the order they happened.
    pub entries: Vec<Entry>,
}

impl Session {
    /// `{"sessionId","userId","inputs":[{"text","data","at"}]}`: the inputs in arrival order.
    pub fn inputs_view(&self) -> Value {
        let inputs: Vec<Value> = self
            .entries
            .iter()
            .filter(|e| e.source == Source::User)
            .map(|e| json!({"text": e.text, "data": e.data, "at": iso(e.at)}))
            .collect();
        json!({"sessionId": self.session_id, "userId": self.user_id, "inputs": inputs})
    }

    /// The items of `GET /new/v2.0/conversations/{sessionId}`.
    pub fn transcript(&self) -> Vec<Value> {
        self.entries
            .iter()
            .map(|e| {
                let kind = match e.source {
                    Source::User => "input",
                    Source::Bot => "output",
                };
                json!({
                    "inputText": e.text,
                    "inputData": e.data,
                    "type": kind,
                    "source": e.source,
                    "timestamp": iso(e.at),
                    "flowName": e.flow_name,
                    "channel": REST_CHANNEL,
                })
            })
            .collect()
    }
}

/// Sessions by id.
#[derive(Debug, Default)]
pub struct SessionStore {
    by_id: Mutex<HashMap<String, Session>>,
}

impl SessionStore {
    /// Appends `entry` to session `session_id`, creating the session for `user_id`.
    pub fn record(&self, session_id: &str, user_id: &str, entry: Entry) {
        lock(&self.by_id)
            .entry(session_id.to_owned())
            .or_insert_with(|| Session {
                session_id: session_id.to_owned(),
                user_id: user_id.to_owned(),
                entries: Vec::new(),
            })
            .entries
            .push(entry);
    }

    /// The session with this id.
    pub fn get(&self, session_id: &str) -> Option<Session> {
        lock(&self.by_id).get(session_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(source: Source, text: &str) -> Entry {
        Entry {
            source,
            text: Some(text.into()),
            data: Value::Null,
            at: Utc::now(),
            flow_name: "Main Flow".into(),
        }
    }

    #[test]
    fn inputs_keep_their_order_and_the_transcript_shows_both_sides() {
        let store = SessionStore::default();
        store.record("s1", "u1", entry(Source::User, "one"));
        store.record("s1", "u1", entry(Source::Bot, "reply"));
        store.record("s1", "other", entry(Source::User, "two"));
        let session = store.get("s1").unwrap();
        let view = session.inputs_view();
        assert_eq!(view["userId"], "u1");
        assert_eq!(view["inputs"][0]["text"], "one");
        assert_eq!(view["inputs"][1]["text"], "two");
        let transcript = session.transcript();
        assert_eq!(transcript[1]["type"], "output");
        assert_eq!(transcript[1]["source"], "bot");
        assert!(store.get("s2").is_none());
    }
}
