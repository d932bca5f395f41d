//! Conversations by id, shared by the conversation, messaging, analytics and seeding routes.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;

use super::conversation::{Conversation, MessagingAddress};
use crate::state::lock;

/// Every conversation the simulated org knows.
#[derive(Debug, Default)]
pub struct ConversationStore {
    by_id: Mutex<HashMap<String, Conversation>>,
}

impl ConversationStore {
    /// Stores `conversation`, replacing one with the same id.
    pub fn insert(&self, conversation: Conversation) {
        lock(&self.by_id).insert(conversation.id.clone(), conversation);
    }

    /// The conversation with this id.
    pub fn get(&self, id: &str) -> Option<Conversation> {
        lock(&self.by_id).get(id).cloned()
    }

    /// Runs `change` on the conversation with this id; `None` when there is none.
    pub fn update<R>(&self, id: &str, change: impl FnOnce(&mut Conversation) -> R) -> Option<R> {
        lock(&self.by_id).get_mut(id).map(change)
    }

    /// Ends the conversation now (see [`Conversation::end`]); `None` when there is none.
    pub fn end(&self, id: &str) -> Option<Conversation> {
        self.update(id, |conversation| {
            conversation.end(Utc::now());
            conversation.clone()
        })
    }

    /// Every conversation, oldest start first (ties by id, so the order is stable).
    pub fn all(&self) -> Vec<Conversation> {
        let mut all: Vec<Conversation> = lock(&self.by_id).values().cloned().collect();
        all.sort_by(|a, b| (a.start_time, &a.id).cmp(&(b.start_time, &b.id)));
        all
    }

    /// With `reuse`, the live conversation to `address` (after `join` ran on it), else a new
    /// one from `create`. One lock covers the look-up and the insert, so two concurrent
    /// requests asking to reuse cannot both create.
    pub fn reuse_or_create(
        &self,
        address: &MessagingAddress,
        reuse: bool,
        join: impl FnOnce(&mut Conversation),
        create: impl FnOnce() -> Conversation,
    ) -> Conversation {
        let mut by_id = lock(&self.by_id);
        if reuse {
            let live = by_id
                .values_mut()
                .filter(|c| !c.is_ended() && c.address.as_ref() == Some(address))
                .max_by_key(|c| c.start_time);
            if let Some(conversation) = live {
                join(conversation);
                return conversation.clone();
            }
        }
        let mut conversation = create();
        conversation.address = Some(address.clone());
        by_id.insert(conversation.id.clone(), conversation.clone());
        conversation
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::conversation::MediaType;

    fn address() -> MessagingAddress {
        MessagingAddress {
            to_address: "+15550100".into(),
            messenger_type: "sms".into(),
        }
    }

    #[test]
    fn reuse_finds_the_live_conversation_to_the_same_address_only() {
        let store = ConversationStore::default();
        let create = || Conversation::started_now(vec![], MediaType::Message);
        let first = store.reuse_or_create(&address(), true, |_| {}, create);
        let again = store.reuse_or_create(&address(), true, |_| {}, create);
        assert_eq!(again.id, first.id);
        let fresh = store.reuse_or_create(&address(), false, |_| {}, create);
        assert_ne!(fresh.id, first.id);

        store.end(&first.id).unwrap();
        store.end(&fresh.id).unwrap();
        let after_end = store.reuse_or_create(&address(), true, |_| {}, create);
        assert_ne!(after_end.id, first.id);
        assert_eq!(store.all().len(), 3);
    }

    #[test]
    fn ending_an_unknown_conversation_finds_nothing() {
        assert!(ConversationStore::default().end("nope").is_none());
    }
}
