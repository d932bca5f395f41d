//! What a replay run reports: the same document for the CLI (table or JSON) and the admin API,
//! and the hooks a caller uses to show progress or stop a run.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::SkipReason;

/// Skipped events listed by id in a summary; beyond this only their counts are.
pub const MAX_LISTED_SKIPS: usize = 100;

/// The outcome of one replay run.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReplaySummary {
    /// Id of the run: in the run's audit row and in each replayed event's.
    pub replay_id: Uuid,
    /// Nothing was changed: the counts say what would have been.
    pub dry_run: bool,
    /// `events` (Postgres records) or `dead-letter-queue` (RabbitMQ's queue).
    pub source: &'static str,
    /// Events (or queue messages) the selection found.
    pub selected: u64,
    /// Events replayed (in a dry run: that would be).
    pub replayed: u64,
    /// Messages of the dead-letter queue whose event was never recorded, delivered as new.
    pub fresh_deliveries: u64,
    /// Events not replayed, by why (`in_flight`, `already_replayed`, ...).
    pub skipped: BTreeMap<&'static str, u64>,
    /// The first skipped events, with why.
    pub skipped_events: Vec<SkippedEvent>,
    /// Undecodable messages left in the dead-letter queue, by their dead-letter reason.
    pub undecodable: BTreeMap<String, u64>,
    /// Replayed events whose payload had a redacted secret (a URLToken): it cannot be replayed,
    /// so they went without it.
    pub secrets_removed: u64,
    /// The first events replayed (or that would be).
    pub sample: Vec<SampleEvent>,
    /// The rate cap the run used, events per second.
    pub rate_per_sec: u32,
    /// Why the run stopped before the end of its selection, if it did.
    pub stopped: Option<String>,
    /// Selected events not reached because the run stopped.
    pub not_attempted: u64,
    /// The run's `audit_log` row.
    pub audit_id: Option<i64>,
}

/// An event that was not replayed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SkippedEvent {
    /// The event.
    pub event_id: Uuid,
    /// Why, as a name.
    pub why: SkipReason,
    /// Why, in words.
    pub detail: &'static str,
}

/// An event a replay takes, as the sample shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SampleEvent {
    /// The event.
    #[sqlx(rename = "id")]
    pub event_id: Uuid,
    /// Its kind.
    pub kind: String,
    /// Its status before the replay.
    pub status: String,
    /// The reason it ended with.
    pub reason: Option<String>,
    /// HTTP status of its last call.
    pub last_http_status: Option<i32>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Replays before this one.
    pub generation: i32,
}

impl ReplaySummary {
    /// Counts a skipped event, listing the first ones.
    pub(crate) fn skip(&mut self, event_id: Uuid, why: SkipReason) {
        *self.skipped.entry(why.as_str()).or_default() += 1;
        if self.skipped_events.len() < MAX_LISTED_SKIPS {
            self.skipped_events.push(SkippedEvent {
                event_id,
                why,
                detail: why.explain(),
            });
        }
    }

    /// Skipped events, all reasons together.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum::<u64>() + self.undecodable.values().sum::<u64>()
    }
}

/// What a caller sees of a run as it goes: the CLI draws a progress bar, the API nothing.
pub trait ReplayProgress: Send + Sync {
    /// The run selected `total` events (or messages) and starts.
    fn start(&self, _total: u64) {}
    /// One more was handled (replayed, skipped or kept).
    fn advance(&self) {}
    /// The run ended.
    fn finish(&self) {}
    /// True once the caller wants the run to stop (Ctrl-C): the event in hand is finished,
    /// the rest is reported as not attempted.
    fn should_stop(&self) -> bool {
        false
    }
}

/// Progress nobody watches.
pub struct NoProgress;

impl ReplayProgress for NoProgress {}
