//! What an operator asks a replay to do, whoever asks (CLI or admin API), and its checks.

use serde::Serialize;
use uuid::Uuid;

use crate::config::ReplaySettings;
use crate::dead_letters::DeadLetterFilter;

/// Longest `reason` kept: a sentence or a ticket reference, not a document.
pub const MAX_REASON_CHARS: usize = 500;
/// Most event ids one request may name: as many as fit well within the ingress's default body
/// limit (64 KiB, about 39 bytes an id); more go by a filter.
pub const MAX_EVENT_IDS: usize = 1_000;

/// Which events (or messages) a replay takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Selection {
    /// These events, by id.
    EventIds(Vec<Uuid>),
    /// The dead letters matching a filter (at least one criterion).
    Filter(DeadLetterFilter),
    /// The messages in RabbitMQ's dead-letter queue.
    DeadLetterQueue,
}

/// Who asked, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The operator's name (CLI) or the admin token's name (API); never a secret.
    pub name: String,
    /// `cli` or `admin-api`.
    pub via: &'static str,
}

/// One replay run.
#[derive(Debug, Clone)]
pub struct ReplayRequest {
    /// Which events.
    pub selection: Selection,
    /// Why: required, recorded in the audit log.
    pub reason: String,
    /// Who.
    pub actor: Actor,
    /// Show what would be replayed, change nothing.
    pub dry_run: bool,
    /// Also replay events that were replayed before and are not dead again.
    pub force: bool,
    /// Events per second; the configured default when `None`.
    pub rate_per_sec: Option<u32>,
    /// Replay at most this many of the selected events (oldest first).
    pub limit: Option<u32>,
}

/// A request that cannot run, naming the field as the admin API spells it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct RequestError {
    /// The request field (`reason`, `eventIds`, `filter`, `ratePerSec`, ...).
    pub field: &'static str,
    /// Machine-readable rule (`required`, `range`, ...).
    pub rule: &'static str,
    /// What to fix, in words.
    pub problem: String,
}

impl RequestError {
    fn new(field: &'static str, rule: &'static str, problem: impl Into<String>) -> Self {
        Self {
            field,
            rule,
            problem: problem.into(),
        }
    }
}

impl ReplayRequest {
    /// Checks the request against the rules and the settings; returns the rate to use.
    pub fn check(&self, settings: &ReplaySettings) -> Result<u32, RequestError> {
        let reason = &self.reason;
        // Spaces, tabs and line ends alone say nothing (the OpenAPI pattern says the same).
        if reason
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
        {
            return Err(RequestError::new(
                "reason",
                "required",
                "say why you replay (it is recorded in the audit log)",
            ));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(RequestError::new(
                "reason",
                "max_length",
                format!("at most {MAX_REASON_CHARS} characters"),
            ));
        }
        if self.actor.name.trim().is_empty() {
            return Err(RequestError::new(
                "operator",
                "required",
                "the operator's name is required",
            ));
        }
        match &self.selection {
            Selection::EventIds(ids) if ids.is_empty() => {
                return Err(RequestError::new(
                    "eventIds",
                    "required",
                    "name at least one event id",
                ))
            }
            Selection::EventIds(ids) if ids.len() > MAX_EVENT_IDS => {
                return Err(RequestError::new(
                    "eventIds",
                    "max_items",
                    format!("at most {MAX_EVENT_IDS} ids per request: use a filter"),
                ))
            }
            Selection::Filter(filter) if filter.is_empty() => {
                return Err(RequestError::new(
                    "filter",
                    "required",
                    "give event ids or at least one filter criterion (kind, reason, target, httpStatus, since, until)",
                ))
            }
            _ => {}
        }
        if self.limit == Some(0) {
            return Err(RequestError::new("limit", "range", "at least 1"));
        }
        let rate = self.rate_per_sec.unwrap_or(settings.rate_per_sec);
        if rate == 0 || rate > settings.max_rate_per_sec {
            return Err(RequestError::new(
                "ratePerSec",
                "range",
                format!(
                    "from 1 to {} events per second (replay.max_rate_per_sec)",
                    settings.max_rate_per_sec
                ),
            ));
        }
        Ok(rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(selection: Selection) -> ReplayRequest {
        ReplayRequest {
            selection,
            reason: "Genesys outage over".into(),
            actor: Actor {
                name: "alice".into(),
                via: "cli",
            },
            dry_run: false,
            force: false,
            rate_per_sec: None,
            limit: None,
        }
    }

    #[test]
    fn a_request_without_a_reason_or_a_selection_names_the_missing_field() {
        let settings = ReplaySettings::default();
        let mut no_reason = request(Selection::EventIds(vec![Uuid::nil()]));
        no_reason.reason = "  ".into();
        assert_eq!(no_reason.check(&settings).unwrap_err().field, "reason");
        let everything = request(Selection::Filter(DeadLetterFilter::default()));
        assert_eq!(everything.check(&settings).unwrap_err().field, "filter");
        let no_ids = request(Selection::EventIds(Vec::new()));
        assert_eq!(no_ids.check(&settings).unwrap_err().field, "eventIds");
    }

    #[test]
    fn the_rate_defaults_from_the_settings_and_is_capped() {
        let settings = ReplaySettings::default();
        let mut ok = request(Selection::DeadLetterQueue);
        assert_eq!(ok.check(&settings), Ok(settings.rate_per_sec));
        ok.rate_per_sec = Some(settings.max_rate_per_sec + 1);
        assert_eq!(ok.check(&settings).unwrap_err().field, "ratePerSec");
    }
}
