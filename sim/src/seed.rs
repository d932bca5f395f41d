//! A seed: the conversations, Endpoints and Snapshots the simulator starts with
//! (`cxrelay-sim --seed <file.json>`, or [`SimConfig::seed`](crate::SimConfig::seed)).
//!
//! ```json
//! {"genesys": {"conversations": [ ...as POST /_sim/genesys/conversations takes... ],
//!              "flows": [ ...as POST /_sim/genesys/flows... ],
//!              "queues": [ ...as POST /_sim/genesys/queues... ]},
//!  "cognigy": {"endpoints": [ ...as POST /_sim/cognigy/endpoints... ],
//!              "snapshots": [ ...as POST /_sim/cognigy/snapshots... ]}}
//! ```
//! Both sections and every list are optional; unknown fields are refused, so a typo
//! fails the start instead of seeding half a demo.

use std::path::Path;

use anyhow::{anyhow, Context};
use serde::{Deserialize, Serialize};

use crate::cognigy::resources::{EndpointSeed, SnapshotSeed};
use crate::genesys::architect_flows::FlowSeed;
use crate::genesys::conversation_seed::ConversationSeed;
use crate::genesys::queues::QueueSeed;
use crate::genesys::seeding;
use crate::state::SimState;

/// Everything a seed file holds.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Genesys state.
    #[serde(default)]
    pub genesys: GenesysSeed,
    /// Cognigy state.
    #[serde(default)]
    pub cognigy: CognigySeed,
}

/// The Genesys part of a seed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GenesysSeed {
    /// Conversations, live or ended.
    #[serde(default)]
    pub conversations: Vec<ConversationSeed>,
    /// Flow definitions (what `GET /api/v2/flows/{flowId}` shows).
    #[serde(default)]
    pub flows: Vec<FlowSeed>,
    /// Routing queues (what `GET /api/v2/routing/queues/{queueId}` shows).
    #[serde(default)]
    pub queues: Vec<QueueSeed>,
}

/// The Cognigy part of a seed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CognigySeed {
    /// Endpoints.
    #[serde(default)]
    pub endpoints: Vec<EndpointSeed>,
    /// Snapshots.
    #[serde(default)]
    pub snapshots: Vec<SnapshotSeed>,
}

impl Seed {
    /// Parses a seed from JSON text.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        serde_json::from_str(text).context("the seed is not valid")
    }

    /// Reads and parses a seed file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the seed file {}", path.display()))?;
        Self::from_json(&text).with_context(|| format!("in the seed file {}", path.display()))
    }

    /// Stores everything in `state`; the error names the first entry that does not fit.
    pub fn apply(&self, state: &SimState) -> anyhow::Result<()> {
        for (index, conversation) in self.genesys.conversations.iter().enumerate() {
            seeding::seed(state, conversation.clone())
                .map_err(|problem| anyhow!("genesys.conversations[{index}]: {problem}"))?;
        }
        for flow in &self.genesys.flows {
            state.flows().put(flow.clone());
        }
        for queue in &self.genesys.queues {
            state.queues().put(queue.clone());
        }
        for snapshot in &self.cognigy.snapshots {
            state.cognigy().put_snapshot(snapshot.clone());
        }
        for (index, endpoint) in self.cognigy.endpoints.iter().enumerate() {
            state
                .cognigy()
                .put_endpoint(endpoint.clone())
                .map_err(|problem| anyhow!("cognigy.endpoints[{index}]: {problem}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_seed_parses_with_a_live_and_an_ended_conversation() {
        let text = include_str!("../seed.example.json");
        let seed = Seed::from_json(text).unwrap();
        let conversations = &seed.genesys.conversations;
        assert_eq!(conversations.len(), 2);
        assert!(conversations.iter().any(|c| c.end_time.is_none()));
        assert!(conversations.iter().any(|c| c.end_time.is_some()));
        assert_eq!(seed.genesys.flows.len(), 1, "the fallback workflow");
        assert_eq!(
            seed.genesys.queues.len(),
            2,
            "the fallback and human queues"
        );
        let endpoint = &seed.cognigy.endpoints[0];
        assert_eq!(endpoint.url_token, "demo-urltoken-0001");
        assert!(endpoint.active);
        assert_eq!(
            Some(&endpoint.entrypoint),
            seed.cognigy.snapshots[0].id.as_ref()
        );
    }

    #[test]
    fn an_unknown_section_is_refused() {
        let error = Seed::from_json(r#"{"genesis": {}}"#).unwrap_err();
        assert!(format!("{error:#}").contains("genesis"), "{error:#}");
    }
}
