//! The six event kinds, the system each one targets, and their validated payloads.

mod bot_failure;
mod bot_session;
mod conversation_end;
mod fallback;
mod flow_run;
mod virtual_agent;

pub use bot_failure::BotFailureEvent;
pub use bot_session::BotSessionEvent;
pub use conversation_end::ConversationEndEvent;
pub use fallback::{FallbackEvent, FALLBACK_INTENT_PATTERN};
pub use flow_run::FlowRunEvent;
pub use virtual_agent::{VirtualAgentEvent, MESSENGER_TYPES};

use serde::{Deserialize, Serialize};

/// What an event asks cxrelay to do; also its AMQP routing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// A Cognigy no-match hands the user to a Genesys workflow.
    #[serde(rename = "cognigy.fallback")]
    CognigyFallback,
    /// A Cognigy bot failed during a Genesys call: transfer it to the fallback queue.
    #[serde(rename = "cognigy.bot_failure")]
    CognigyBotFailure,
    /// A Genesys flow starts a Cognigy bot session.
    #[serde(rename = "genesys.bot_session")]
    GenesysBotSession,
    /// Any backend runs a turn of a Cognigy flow.
    #[serde(rename = "cognigy.flow_run")]
    CognigyFlowRun,
    /// A virtual-agent conversation on a Genesys messaging channel.
    #[serde(rename = "genesys.virtual_agent")]
    GenesysVirtualAgent,
    /// A Genesys conversation ended: close the session and record its resolution.
    #[serde(rename = "genesys.conversation_end")]
    GenesysConversationEnd,
}

/// The external system whose API an event's worker calls; one work queue each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Genesys Cloud.
    Genesys,
    /// NICE Cognigy.AI.
    Cognigy,
}

impl EventKind {
    /// Every kind, for declaring bindings.
    pub const ALL: [EventKind; 6] = [
        EventKind::CognigyFallback,
        EventKind::CognigyBotFailure,
        EventKind::GenesysBotSession,
        EventKind::CognigyFlowRun,
        EventKind::GenesysVirtualAgent,
        EventKind::GenesysConversationEnd,
    ];

    /// The wire name, e.g. `cognigy.fallback` (routing key, `events.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::CognigyFallback => "cognigy.fallback",
            EventKind::CognigyBotFailure => "cognigy.bot_failure",
            EventKind::GenesysBotSession => "genesys.bot_session",
            EventKind::CognigyFlowRun => "cognigy.flow_run",
            EventKind::GenesysVirtualAgent => "genesys.virtual_agent",
            EventKind::GenesysConversationEnd => "genesys.conversation_end",
        }
    }

    /// The system whose API carries this kind out: the queue it is routed to.
    pub fn target(self) -> Target {
        match self {
            EventKind::GenesysBotSession | EventKind::CognigyFlowRun => Target::Cognigy,
            EventKind::CognigyFallback
            | EventKind::CognigyBotFailure
            | EventKind::GenesysVirtualAgent
            | EventKind::GenesysConversationEnd => Target::Genesys,
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Target {
    /// Every target, for declaring queues.
    pub const ALL: [Target; 2] = [Target::Genesys, Target::Cognigy];

    /// Lower-case name used in queue names and `events.target`.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Genesys => "genesys",
            Target::Cognigy => "cognigy",
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde() {
        for kind in EventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), kind);
        }
    }
}
