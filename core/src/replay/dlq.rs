//! `--from-dlq`: messages of RabbitMQ's dead-letter queue (`<prefix>.dead`) back to work.
//!
//! The queue holds only what Postgres could not record: messages a worker could not decode, and
//! messages over the delivery limit. Each message is taken in turn, at most as many as were
//! waiting when the run started:
//! - a decodable envelope whose event has a row is replayed like any event (new generation,
//!   same checks, same audit), and leaves the queue once the replay is committed;
//! - a decodable envelope with no row was never begun by a worker: it is delivered as a new
//!   event (attempt 0), recorded in the audit log, and leaves the queue;
//! - anything else stays: an undecodable message (counted by its dead-letter reason), or an
//!   envelope whose event may not be replayed (counted by why). It is published back to the
//!   dead-letter queue as it was (headers kept), then removed from the head, so a kept message
//!   never loops within a run and its delivery count does not grow.
//!
//! A dry run takes the messages without acknowledging them and hands them all back at the end.

use governor::DefaultDirectRateLimiter;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Connection};

use super::candidates;
use super::event::{deliver_fresh, replay_event, EventOutcome, RunContext};
use super::run::{count_replayed, Replayer};
use super::{check_eligible, ReplayError, ReplayProgress, ReplayRequest, ReplaySummary};
use crate::amqp::{connect, DEAD_REASON_HEADER};
use crate::envelope::{EventEnvelope, QueueMessage};

/// Header RabbitMQ sets on a message it dead-lettered itself (`delivery_limit`, `rejected`).
const FIRST_DEATH_REASON_HEADER: &str = "x-first-death-reason";

/// What to do with one message.
enum Verdict {
    /// Replayed or delivered: remove it from the queue.
    Moved,
    /// Leave it in the dead-letter queue.
    Keep,
}

/// Takes the messages of the dead-letter queue (see the module documentation).
pub(crate) async fn replay_queue(
    replayer: &Replayer,
    run: &RunContext<'_>,
    request: &ReplayRequest,
    limiter: &DefaultDirectRateLimiter,
    sample_size: usize,
    summary: &mut ReplaySummary,
    progress: &dyn ReplayProgress,
) -> Result<(), ReplayError> {
    let connection = connect(&replayer.amqp_url, "cxrelay-replay-dlq").await?;
    let taken = TakeRun {
        replayer,
        run,
        request,
        limiter,
        sample_size,
    }
    .take_all(&connection, summary, progress)
    .await;
    // Closing also hands back anything still unacknowledged, should the run have failed.
    let _ = connection.close(200, "replay done".into()).await;
    taken
}

struct TakeRun<'a> {
    replayer: &'a Replayer,
    run: &'a RunContext<'a>,
    request: &'a ReplayRequest,
    limiter: &'a DefaultDirectRateLimiter,
    sample_size: usize,
}

impl TakeRun<'_> {
    async fn take_all(
        &self,
        connection: &Connection,
        summary: &mut ReplaySummary,
        progress: &dyn ReplayProgress,
    ) -> Result<(), ReplayError> {
        let channel = connection.create_channel().await?;
        let taken = self.take_on(&channel, summary, progress).await;
        // Closed before the connection: a connection closed under an open channel makes lapin
        // report the channel's closing as a connection error (an ERROR line for nothing).
        let _ = channel.close(200, "replay done".into()).await;
        taken
    }

    async fn take_on(
        &self,
        channel: &lapin::Channel,
        summary: &mut ReplaySummary,
        progress: &dyn ReplayProgress,
    ) -> Result<(), ReplayError> {
        let queue = self.replayer.topology.dead_letter_queue();
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let waiting = channel
            .queue_declare(queue.as_str().into(), passive, FieldTable::default())
            .await?
            .message_count();
        let total = u64::from(self.request.limit.map_or(waiting, |l| waiting.min(l)));
        progress.start(total);
        let mut last_held: Option<Delivery> = None;
        while summary.selected < total {
            if progress.should_stop() {
                summary.stopped = Some("interrupted by the operator".to_owned());
                break;
            }
            let Some(message) = channel
                .basic_get(queue.as_str().into(), BasicGetOptions::default())
                .await?
            else {
                break;
            };
            summary.selected += 1;
            let delivery = message.delivery;
            let verdict = match self.assess(&delivery, summary).await {
                Ok(verdict) => verdict,
                Err(stopped) => {
                    summary.stopped = Some(stopped);
                    // Back where it was: nothing was done with it.
                    delivery
                        .nack(BasicNackOptions {
                            requeue: true,
                            ..BasicNackOptions::default()
                        })
                        .await?;
                    break;
                }
            };
            if self.request.dry_run {
                // Held unacknowledged, so the next get takes the next message.
                last_held = Some(delivery);
            } else {
                if let Verdict::Keep = verdict {
                    // Confirmed back in the queue before the original is removed.
                    self.run
                        .publisher
                        .republish_dead_letter(&delivery.data, delivery.properties.clone())
                        .await?;
                }
                delivery.ack(BasicAckOptions::default()).await?;
            }
            progress.advance();
        }
        summary.not_attempted = total.saturating_sub(summary.selected);
        if let Some(last) = last_held {
            // Every message the dry run held goes back, unchanged, in one go.
            last.nack(BasicNackOptions {
                multiple: true,
                requeue: true,
            })
            .await?;
        }
        progress.finish();
        Ok(())
    }

    /// Decides (and, outside a dry run, does) what becomes of one message; an error is why
    /// the run stops.
    async fn assess(
        &self,
        delivery: &Delivery,
        summary: &mut ReplaySummary,
    ) -> Result<Verdict, String> {
        let envelope = match QueueMessage::from_bytes(&delivery.data) {
            Ok(message) => message.into_envelope(),
            Err(_) => {
                *summary
                    .undecodable
                    .entry(dead_reason(&delivery.properties))
                    .or_default() += 1;
                return Ok(Verdict::Keep);
            }
        };
        let event_id = envelope.event_id;
        let found = candidates::by_ids(self.run.db, &[event_id])
            .await
            .map_err(|e| format!("cannot read event {event_id}: {e}"))?
            .pop()
            .and_then(|(_, candidate)| candidate);
        let Some(candidate) = found else {
            return self.deliver_unrecorded(envelope, summary).await;
        };
        let force = self.request.force;
        if let Err(why) = check_eligible(&candidate.event.status, candidate.event.generation, force)
        {
            summary.skip(event_id, why);
            return Ok(Verdict::Keep);
        }
        if self.request.dry_run {
            let has_secret = candidate.has_redacted;
            count_replayed(summary, candidate, has_secret, self.sample_size);
            return Ok(Verdict::Keep);
        }
        self.limiter.until_ready().await;
        match replay_event(self.run, event_id).await {
            Ok(EventOutcome::Replayed {
                secrets_removed, ..
            }) => {
                count_replayed(
                    summary,
                    candidate,
                    !secrets_removed.is_empty(),
                    self.sample_size,
                );
                Ok(Verdict::Moved)
            }
            Ok(EventOutcome::Skipped(why)) => {
                summary.skip(event_id, why);
                Ok(Verdict::Keep)
            }
            Err(error) => Err(format!(
                "event {event_id} could not be replayed and is unchanged ({error}); its message stays in the dead-letter queue"
            )),
        }
    }

    async fn deliver_unrecorded(
        &self,
        envelope: EventEnvelope,
        summary: &mut ReplaySummary,
    ) -> Result<Verdict, String> {
        summary.fresh_deliveries += 1;
        if self.request.dry_run {
            return Ok(Verdict::Keep);
        }
        let event_id = envelope.event_id;
        self.limiter.until_ready().await;
        deliver_fresh(self.run, envelope).await.map_err(|error| {
            summary.fresh_deliveries -= 1;
            format!("event {event_id} could not be delivered ({error}); its message stays in the dead-letter queue")
        })?;
        Ok(Verdict::Moved)
    }
}

/// Why a message was dead-lettered: cxrelay's own header, else RabbitMQ's, else `unknown`.
fn dead_reason(properties: &BasicProperties) -> String {
    let header = |name: &str| -> Option<String> {
        match properties.headers().as_ref()?.inner().get(name)? {
            AMQPValue::LongString(value) => Some(value.to_string()),
            AMQPValue::ShortString(value) => Some(value.to_string()),
            _ => None,
        }
    };
    header(DEAD_REASON_HEADER)
        .or_else(|| header(FIRST_DEATH_REASON_HEADER))
        .unwrap_or_else(|| "unknown".to_owned())
}
