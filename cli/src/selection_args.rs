//! Command-line values shared by `cxrelay dead-letters` and `cxrelay replay`: kinds, targets,
//! time bounds and output formats, parsed so that a typo is a usage error naming the option.

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use cxrelay_core::dead_letters::{parse_time_bound, DeadLetterFilter};
use cxrelay_core::kinds::{EventKind, Target};

/// An event kind by its wire name (`cognigy.fallback`).
pub fn parse_kind(text: &str) -> Result<EventKind, String> {
    EventKind::ALL
        .into_iter()
        .find(|kind| kind.as_str() == text.trim())
        .ok_or_else(|| {
            let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("not a kind; one of {}", known.join(", "))
        })
}

/// A target by name (`genesys`, `cognigy`).
pub fn parse_target(text: &str) -> Result<Target, String> {
    Target::ALL
        .into_iter()
        .find(|target| target.as_str().eq_ignore_ascii_case(text.trim()))
        .ok_or_else(|| "not a target; one of genesys, cognigy".to_owned())
}

/// An RFC 3339 time or an age before now (`2h`, `1d12h`).
pub fn parse_when(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time_bound(text, Utc::now())
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON document, for scripts (`jq`).
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_targets_parse_by_their_names_and_typos_list_the_choices() {
        assert_eq!(
            parse_kind("genesys.conversation_end"),
            Ok(EventKind::GenesysConversationEnd)
        );
        assert!(parse_kind("fallback")
            .unwrap_err()
            .contains("cognigy.fallback"));
        assert_eq!(parse_target("Genesys"), Ok(Target::Genesys));
        assert!(parse_target("crm").is_err());
    }
}

/// The filter options of both commands but the reason class, which each names its own way
/// (`replay` keeps `--reason` for why the operator replays).
#[derive(Debug, Clone, Args)]
pub struct EventFilterArgs {
    /// Only dead letters of this kind (e.g. cognigy.fallback).
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    pub kind: Option<EventKind>,
    /// Only dead letters of this target (genesys, cognigy).
    #[arg(long, value_name = "TARGET", value_parser = parse_target)]
    pub target: Option<Target>,
    /// Only dead letters whose last call answered this HTTP status.
    #[arg(long, value_name = "STATUS", value_parser = clap::value_parser!(u16).range(100..=599))]
    pub http_status: Option<u16>,
    /// Only dead letters that ended at or after this time: RFC 3339, or an age such as 2h or 1d.
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub since: Option<DateTime<Utc>>,
    /// Only dead letters that ended before this time: RFC 3339, or an age such as 30m.
    #[arg(long, value_name = "WHEN", value_parser = parse_when)]
    pub until: Option<DateTime<Utc>>,
}

impl EventFilterArgs {
    /// The filter these options describe, with the reason class `reason`. A window that
    /// ends before it starts selects nothing; an operator is told so on stderr, since it is
    /// most likely two ages the wrong way round (`--since 1h --until 2h`).
    pub fn filter(&self, reason: Option<String>) -> DeadLetterFilter {
        if let (Some(since), Some(until)) = (self.since, self.until) {
            if until <= since {
                eprintln!(
                    "note: --until ({until}) is not later than --since ({since}): nothing is in that window"
                );
            }
        }
        DeadLetterFilter {
            kind: self.kind,
            reason,
            target: self.target,
            http_status: self.http_status,
            since: self.since,
            until: self.until,
        }
    }
}
