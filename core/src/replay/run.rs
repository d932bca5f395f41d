//! A replay run: select, check, then replay event by event at the operator's rate, and record
//! the run. The one implementation behind `cxrelay replay` and `POST /admin/v1/replay`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

use super::candidates::{self, Candidate};
use super::event::{replay_event, EventOutcome, RunContext};
use super::{audit, dlq, ReplayError, ReplayProgress, ReplayRequest, ReplaySummary, Selection};
use crate::amqp::{Publisher, Topology};
use crate::config::{ConfigError, DeadlineSettings, ReplaySettings, Settings};

/// How long a run waits for the publisher's first broker connection before giving up.
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);
/// How often it looks while waiting.
const CONNECT_POLL: Duration = Duration::from_millis(50);

/// Runs replays against one deployment's database and broker.
#[derive(Clone)]
pub struct Replayer {
    pub(crate) db: PgPool,
    pub(crate) publisher: Publisher,
    pub(crate) amqp_url: SecretString,
    pub(crate) topology: Topology,
    deadlines: DeadlineSettings,
    settings: ReplaySettings,
}

impl Replayer {
    /// A replayer on `db` publishing through `publisher`, with the deadlines, replay settings
    /// and broker of `settings`.
    pub fn new(db: PgPool, publisher: Publisher, settings: &Settings) -> Result<Self, ConfigError> {
        settings.replay.check()?;
        Ok(Self {
            db,
            publisher,
            amqp_url: settings.require_amqp_url()?.clone(),
            topology: settings.topology(),
            deadlines: settings.worker.deadlines.clone(),
            settings: settings.replay.clone(),
        })
    }

    /// Runs `request`. An invalid request or a selection that cannot be read is an error;
    /// a failure in the middle stops the run, which is still recorded and says why in
    /// [`ReplaySummary::stopped`].
    pub async fn run(
        &self,
        request: &ReplayRequest,
        progress: &dyn ReplayProgress,
    ) -> Result<ReplaySummary, ReplayError> {
        let rate = request.check(&self.settings)?;
        let mut summary = ReplaySummary {
            replay_id: Uuid::now_v7(),
            dry_run: request.dry_run,
            source: match request.selection {
                Selection::DeadLetterQueue => "dead-letter-queue",
                _ => "events",
            },
            rate_per_sec: rate,
            ..ReplaySummary::default()
        };
        if !request.dry_run {
            self.wait_for_broker().await?;
        }
        let run = RunContext {
            db: &self.db,
            publisher: &self.publisher,
            deadlines: &self.deadlines,
            replay_id: summary.replay_id,
            actor: &request.actor,
            reason: request.reason.trim(),
            force: request.force,
            source: summary.source,
        };
        let limiter = limiter(rate);
        let sample_size = self.settings.sample_size as usize;
        // The dead-letter queue is read message by message; ids and filters select rows first.
        let found = match &request.selection {
            Selection::DeadLetterQueue => {
                dlq::replay_queue(
                    self,
                    &run,
                    request,
                    &limiter,
                    sample_size,
                    &mut summary,
                    progress,
                )
                .await?;
                None
            }
            Selection::EventIds(ids) => {
                let limit = request.limit.map_or(usize::MAX, |l| l as usize);
                let found = candidates::by_ids(&self.db, ids).await?;
                Some(found.into_iter().take(limit).collect())
            }
            Selection::Filter(filter) => {
                let found = candidates::by_filter(&self.db, filter, request.limit).await?;
                Some(
                    found
                        .into_iter()
                        .map(|c| (c.event.event_id, Some(c)))
                        .collect(),
                )
            }
        };
        if let Some(found) = found {
            replay_candidates(
                &run,
                found,
                request,
                &limiter,
                sample_size,
                &mut summary,
                progress,
            )
            .await;
        }
        summary.audit_id = Some(audit::run_recorded(&self.db, request, &summary).await?);
        Ok(summary)
    }

    /// The publisher connects in the background: a command that just started must not fail
    /// its first publish for want of a connection that is seconds away.
    async fn wait_for_broker(&self) -> Result<(), ReplayError> {
        let deadline = tokio::time::Instant::now() + CONNECT_PATIENCE;
        while !self.publisher.is_connected() {
            if tokio::time::Instant::now() >= deadline {
                return Err(ReplayError::Publish(crate::amqp::PublishError::Unavailable));
            }
            tokio::time::sleep(CONNECT_POLL).await;
        }
        Ok(())
    }
}

/// A limiter of `rate` events per second, paced evenly: no burst, so no second ever sees
/// more than `rate` (a burst of `rate` plus the refill would allow twice that).
pub(crate) fn limiter(rate: u32) -> DefaultDirectRateLimiter {
    let quota = Quota::per_second(NonZeroU32::new(rate).unwrap_or(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::MIN);
    RateLimiter::direct(quota)
}

/// Replays (or in a dry run, assesses) each candidate in order.
async fn replay_candidates(
    run: &RunContext<'_>,
    candidates: Vec<(Uuid, Option<Candidate>)>,
    request: &ReplayRequest,
    limiter: &DefaultDirectRateLimiter,
    sample_size: usize,
    summary: &mut ReplaySummary,
    progress: &dyn ReplayProgress,
) {
    let total = candidates.len() as u64;
    summary.selected = total;
    progress.start(total);
    for (done, (event_id, candidate)) in candidates.into_iter().enumerate() {
        if progress.should_stop() {
            summary.stopped = Some("interrupted by the operator".to_owned());
            summary.not_attempted = total - done as u64;
            break;
        }
        // The snapshot decides what is certainly skipped, without a lock or a rate permit;
        // what it finds eligible is checked again under the row lock.
        let assessed = match &candidate {
            None => Err(super::SkipReason::NotFound),
            Some(c) => super::check_eligible(&c.event.status, c.event.generation, request.force),
        };
        if let Err(why) = assessed {
            summary.skip(event_id, why);
            progress.advance();
            continue;
        }
        if request.dry_run {
            if let Some(c) = candidate {
                let has_secret = c.has_redacted;
                count_replayed(summary, c, has_secret, sample_size);
            }
            progress.advance();
            continue;
        }
        limiter.until_ready().await;
        match replay_event(run, event_id).await {
            Ok(EventOutcome::Replayed {
                secrets_removed, ..
            }) => {
                if let Some(c) = candidate {
                    count_replayed(summary, c, !secrets_removed.is_empty(), sample_size);
                }
            }
            Ok(EventOutcome::Skipped(why)) => summary.skip(event_id, why),
            Err(error) => {
                summary.stopped = Some(format!(
                    "event {event_id} could not be replayed and is unchanged ({error}); \
                     run the replay again to take the rest"
                ));
                summary.not_attempted = total - done as u64;
                break;
            }
        }
        progress.advance();
    }
    progress.finish();
}

/// Counts a replayed event and keeps it in the sample while there is room.
pub(crate) fn count_replayed(
    summary: &mut ReplaySummary,
    candidate: Candidate,
    secret_removed: bool,
    sample_size: usize,
) {
    summary.replayed += 1;
    if secret_removed {
        summary.secrets_removed += 1;
    }
    if summary.sample.len() < sample_size {
        summary.sample.push(candidate.event);
    }
}
