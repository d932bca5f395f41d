//! Which broker node a consumer is on, if any: what `/readyz` reports and what the queue-depth
//! poller waits for (a consumer is linked once it has declared the topology on its node).

use std::sync::{Arc, RwLock};

/// A consumer's link to the broker; cheap to clone, shared with readiness.
#[derive(Clone, Default)]
pub struct BrokerLink {
    node: Arc<RwLock<Option<String>>>,
}

impl BrokerLink {
    /// Linked to `node` (`host:port`), or to none.
    pub fn set(&self, node: Option<String>) {
        *self.node.write().unwrap_or_else(|p| p.into_inner()) = node;
    }

    /// The node, while linked.
    pub fn node(&self) -> Option<String> {
        self.node.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// True while linked.
    pub fn is_up(&self) -> bool {
        self.node().is_some()
    }
}
