//! Which events a replay may take: the rule, as a pure function.
//!
//! Dead and expired events are replayed. An event that was replayed before and is not dead
//! again (it succeeded after the replay) is replayed again only with `force`. An event in flight
//! (`processing`, `retrying`) never is: a worker or a queued retry still owns it, and a second
//! generation beside it would race it. An event that succeeded without ever being replayed is
//! not a dead letter at all.

use serde::Serialize;

/// Why an event was not replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// No event has this id.
    NotFound,
    /// The event is being carried out or waits for a retry.
    InFlight,
    /// The event succeeded and was never replayed: nothing to replay.
    NotDead,
    /// The event was replayed before and is not dead again (`force` replays it).
    AlreadyReplayed,
    /// The stored kind is not one this release knows.
    UnknownKind,
}

impl SkipReason {
    /// The machine-readable name used in summaries and audit rows.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotFound => "not_found",
            SkipReason::InFlight => "in_flight",
            SkipReason::NotDead => "not_dead",
            SkipReason::AlreadyReplayed => "already_replayed",
            SkipReason::UnknownKind => "unknown_kind",
        }
    }

    /// The reason in words, for the summary.
    pub fn explain(self) -> &'static str {
        match self {
            SkipReason::NotFound => "no event has this id",
            SkipReason::InFlight => {
                "the event is being carried out or waits for a retry; it is never replayed"
            }
            SkipReason::NotDead => "the event succeeded; only dead or expired events are replayed",
            SkipReason::AlreadyReplayed => {
                "the event was replayed before and is not dead again (use force to replay it again)"
            }
            SkipReason::UnknownKind => "the event's kind is unknown to this release",
        }
    }
}

/// Whether an event of `status` that was replayed `generation` times may be replayed now.
pub fn check_eligible(status: &str, generation: i32, force: bool) -> Result<(), SkipReason> {
    match status {
        "dead" | "expired" => Ok(()),
        "processing" | "retrying" => Err(SkipReason::InFlight),
        "succeeded" if generation > 0 && force => Ok(()),
        "succeeded" if generation > 0 => Err(SkipReason::AlreadyReplayed),
        _ => Err(SkipReason::NotDead),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_and_expired_events_are_replayed_and_in_flight_ones_never() {
        assert_eq!(check_eligible("dead", 0, false), Ok(()));
        assert_eq!(check_eligible("expired", 3, false), Ok(()));
        for force in [false, true] {
            assert_eq!(
                check_eligible("retrying", 1, force),
                Err(SkipReason::InFlight)
            );
            assert_eq!(
                check_eligible("processing", 0, force),
                Err(SkipReason::InFlight)
            );
        }
    }

    #[test]
    fn a_success_after_a_replay_needs_force_and_a_first_time_success_is_never_replayed() {
        assert_eq!(
            check_eligible("succeeded", 1, false),
            Err(SkipReason::AlreadyReplayed)
        );
        assert_eq!(check_eligible("succeeded", 1, true), Ok(()));
        assert_eq!(
            check_eligible("succeeded", 0, true),
            Err(SkipReason::NotDead)
        );
    }
}
