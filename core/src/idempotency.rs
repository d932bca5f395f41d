//! Idempotency: the same request, sent again, is the same event. A caller's `Idempotency-Key`,
//! or failing that a natural key of the payload (a Cognigy input's id, a Genesys end event's
//! conversation, participant and time), determines the event id, so a repeat gets the id of
//! the first and is carried out no more than the first.

use uuid::Uuid;

use crate::kinds::EventKind;

/// The namespace of derived event ids (UUID v5). Fixed forever: changing it would give repeats
/// sent across an upgrade new ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_2a0e_9d3b_4c57_8e41_5b2d_7a90_c3e8);

/// What makes two requests the same event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyKey {
    /// The caller's `Idempotency-Key` header.
    Header(String),
    /// A key taken from the payload, for callers that cannot send a header.
    Natural(String),
}

impl IdempotencyKey {
    /// The key as stored in `events.idempotency_key`: the header's value as sent, a natural
    /// key prefixed `natural:`.
    pub fn stored(&self) -> String {
        match self {
            IdempotencyKey::Header(key) => key.clone(),
            IdempotencyKey::Natural(key) => format!("natural:{key}"),
        }
    }

    /// The event id of every request of `kind` with this key. Keys are scoped by kind: the
    /// same key on two routes names two events.
    pub fn event_id(&self, kind: EventKind) -> Uuid {
        let (source, key) = match self {
            IdempotencyKey::Header(key) => ("header", key),
            IdempotencyKey::Natural(key) => ("natural", key),
        };
        Uuid::new_v5(&NAMESPACE, format!("{kind}\n{source}\n{key}").as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_key_gives_the_same_id_and_other_keys_or_kinds_other_ids() {
        let key = IdempotencyKey::Header("abc".into());
        let id = key.event_id(EventKind::CognigyFallback);
        assert_eq!(id, key.event_id(EventKind::CognigyFallback));
        assert_ne!(id, key.event_id(EventKind::CognigyBotFailure));
        assert_ne!(
            id,
            IdempotencyKey::Header("abd".into()).event_id(EventKind::CognigyFallback)
        );
        assert_ne!(
            id,
            IdempotencyKey::Natural("abc".into()).event_id(EventKind::CognigyFallback)
        );
        assert_eq!(id.get_version_num(), 5);
    }
}
