//! The worker's single step: one message from the queue to a committed outcome. Public so that
//! tests can drive it without a consumer.
//!
//! In order: decode (an undecodable message goes to the dead-letter queue with its reason);
//! ask the target's gate (a paused target or an open breaker sends the event back to the broker
//! untried); claim the event (a copy being carried out elsewhere waits in the broker); begin it
//! in Postgres (a stale copy is counted and dropped, a late one expires); run its handler
//! (a panic fails the event, not the worker); apply the retry policy; publish the retry, commit
//! the outcome, and only then acknowledge.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cxrelay_core::amqp::PublishError;
use cxrelay_core::db::{is_refused_value, refusal_summary};
use cxrelay_core::envelope::{EventEnvelope, QueueMessage};
use cxrelay_core::kinds::EventKind;
use cxrelay_core::metrics::{
    EVENTS_DEFERRED_TOTAL, EVENTS_FINISHED_TOTAL, EVENT_AGE_SECONDS, EVENT_REPEATS_TOTAL,
};
use futures::FutureExt;
use tracing::Instrument;

use crate::attempt::{Attempt, AttemptError};
use crate::context::WorkerContext;
use crate::genesys::TokenError;
use crate::handlers;
use crate::record::refused::DATABASE_REFUSED;
use crate::record::{self, Begun};
use crate::retry_policy::{decide_retry, next_retry_delay, RetryDecision};
use crate::target::Admission;
use crate::verdict::{Settlement, Verdict};

/// How long a copy of an event that is being carried out elsewhere waits before it looks again:
/// by then the other delivery has usually committed, and the copy is recognised as stale.
const IN_PROGRESS_WAIT: Duration = Duration::from_secs(1);

/// What to tell the broker about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The outcome is committed (or the message was moved elsewhere): remove the message.
    Ack,
    /// Nothing was settled: deliver it again.
    Requeue,
    /// The message can never be processed and could not be moved with its reason: reject it
    /// to the dead-letter exchange.
    DeadLetter,
}

/// Why a delivery could not be settled: it is delivered again.
#[derive(Debug, thiserror::Error)]
enum ProcessError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("scheduling the retry: {0}")]
    Retry(#[from] PublishError),
}

/// Decodes and carries out one message; the answer says how to settle it with the broker.
pub async fn process_message(ctx: &WorkerContext, data: &[u8]) -> Disposition {
    let envelope = match QueueMessage::from_bytes(data) {
        Ok(message) => message.into_envelope(),
        Err(error) => return dead_letter_undecodable(ctx, data, &error).await,
    };
    let span = tracing::info_span!(
        "event",
        event_id = %envelope.event_id,
        kind = %envelope.kind,
        request_id = envelope.request_id.as_deref().unwrap_or("-"),
        retries = envelope.attempt,
    );
    admitted(ctx, &envelope).instrument(span).await
}

async fn admitted(ctx: &WorkerContext, envelope: &EventEnvelope) -> Disposition {
    let gate = ctx.targets.gate(envelope.kind.target()).clone();
    let probe = match gate.admit().await {
        Admission::Go { probe } => probe,
        Admission::Defer { wait, reason } => return defer(ctx, envelope, wait, reason).await,
    };
    if probe {
        tracing::info!("this event probes the target for the half-open circuit breaker");
    }
    let disposition = claimed(ctx, envelope).await;
    if probe {
        gate.probe_finished();
    }
    disposition
}

async fn claimed(ctx: &WorkerContext, envelope: &EventEnvelope) -> Disposition {
    let event_id = envelope.event_id;
    let claim = ctx
        .db_health
        .retry("claim the event", || ctx.claims.try_claim(event_id))
        .await;
    match claim {
        Ok(true) => {}
        Ok(false) => return defer(ctx, envelope, IN_PROGRESS_WAIT, "in_progress").await,
        Err(error) => {
            tracing::error!(%error, "cannot claim the event: the message goes back to the queue");
            return Disposition::Requeue;
        }
    }
    let carried = carry_out(ctx, envelope).await;
    ctx.claims.release(event_id).await;
    match carried {
        Ok(()) => Disposition::Ack,
        Err(error) => {
            tracing::error!(%error, "could not record the outcome or schedule the retry: the message goes back to the queue");
            Disposition::Requeue
        }
    }
}

async fn carry_out(ctx: &WorkerContext, envelope: &EventEnvelope) -> Result<(), ProcessError> {
    let kind = envelope.kind;
    let deadline = ctx.settings.worker.deadlines.of(kind);
    let delivery = record::NewDelivery::of(envelope, deadline);
    let begun = match ctx
        .db_health
        .retry("begin the event", || {
            ctx.writes.begin_event(delivery.clone())
        })
        .await
    {
        Err(error) if is_refused_value(&error) => {
            ctx.db_health
                .retry("record the event the database refused", || {
                    record::refused::begin_refused(&ctx.db, &delivery, &error)
                })
                .await?
        }
        begun => begun?,
    };
    let (number, deadline_at) = match begun {
        Begun::Started {
            number,
            deadline_at,
        } => (number, deadline_at),
        Begun::Stale { status } => {
            tracing::info!(%status, "a copy of an event already carried out or moved on: not carried out again");
            metrics::counter!(EVENT_REPEATS_TOTAL, "kind" => kind.as_str()).increment(1);
            return Ok(());
        }
        Begun::Refused { detail } => {
            // An operator must act: the ingress should have refused the value, and the event
            // waits in the dead letters for a replay after the fix.
            tracing::error!(%detail, "the database refused a value of the event: recorded dead (database_refused), not carried out");
            count_finished(envelope, "dead", Some(DATABASE_REFUSED));
            return Ok(());
        }
    };
    let mut attempt = Attempt::new(ctx, envelope.event_id, number);
    let settlement = if Utc::now() >= deadline_at {
        Settlement::Expired {
            reason: "deadline_passed",
            detail: format!(
                "not started within the {} s deadline of {kind}",
                deadline.as_secs()
            ),
        }
    } else {
        let verdict = run_handler(&mut attempt, envelope).await?;
        settle(ctx, envelope, verdict, deadline_at)
    };
    report(kind, &settlement, attempt.calls.len());
    let retries = match &settlement {
        Settlement::Retrying { delay_ms, .. } => {
            // Published before the commit: if the commit is lost, the retry still comes (and
            // the claim, held until after the commit, keeps it from running early).
            schedule_retry(ctx, envelope, *delay_ms).await?;
            envelope.attempt + 1
        }
        _ => envelope.attempt,
    };
    let finish = record::Finish::of(
        envelope.event_id,
        number,
        &attempt.calls,
        &settlement,
        retries,
    );
    let finished = ctx
        .db_health
        .retry("record the outcome", || {
            ctx.writes.finish_event(finish.clone())
        })
        .await;
    match finished {
        Err(error) if is_refused_value(&error) => {
            tracing::error!(error = %refusal_summary(&error), "the database refused a value of the event's outcome: recorded dead (database_refused) without it");
            ctx.db_health
                .retry("record the outcome the database refused", || {
                    record::refused::finish_refused(&ctx.db, envelope.event_id, number, &error)
                })
                .await?;
            count_finished(envelope, "dead", Some(DATABASE_REFUSED));
        }
        finished => {
            finished?;
            count_finished(envelope, settlement.status(), settlement.reason());
        }
    }
    Ok(())
}

/// `cxrelay_events_finished_total{kind,status,reason}`, and for a final status
/// `cxrelay_event_age_seconds{kind,status}`.
fn count_finished(envelope: &EventEnvelope, status: &'static str, reason: Option<&'static str>) {
    let kind = envelope.kind.as_str();
    metrics::counter!(
        EVENTS_FINISHED_TOTAL,
        "kind" => kind,
        "status" => status,
        "reason" => reason.unwrap_or(""),
    )
    .increment(1);
    if status != "retrying" {
        let age = (Utc::now() - envelope.received_at)
            .to_std()
            .unwrap_or_default();
        metrics::histogram!(EVENT_AGE_SECONDS, "kind" => kind, "status" => status)
            .record(age.as_secs_f64());
    }
}

/// Runs the kind's handler. A panic becomes a dead event (`internal_error`), not a dead worker;
/// a token the login refused is dead `token_rejected`, an unreachable login a retry.
async fn run_handler(
    attempt: &mut Attempt<'_>,
    envelope: &EventEnvelope,
) -> Result<Verdict, ProcessError> {
    let handled = catch_panic(dispatch(attempt, envelope)).await;
    Ok(match handled {
        Ok(Ok(verdict)) => verdict,
        // A value the handler stores (a session, a transcript) that Postgres refuses would be
        // refused again at every delivery: the event is dead, not delivered for ever.
        Ok(Err(AttemptError::Database(error))) if is_refused_value(&error) => {
            tracing::error!(error = %refusal_summary(&error), "the database refused a value the handler stores: the event is dead (database_refused)");
            Verdict::dead(
                DATABASE_REFUSED,
                format!(
                    "Postgres refused a value the {} handler stores ({})",
                    envelope.kind,
                    refusal_summary(&error)
                ),
            )
        }
        Ok(Err(AttemptError::Database(error))) => return Err(error.into()),
        Ok(Err(AttemptError::Token(error @ TokenError::Rejected { .. }))) => {
            Verdict::dead("token_rejected", error.to_string())
        }
        Ok(Err(AttemptError::Token(error @ TokenError::Unavailable(_)))) => {
            Verdict::retry("unavailable", error.to_string(), None)
        }
        Err(message) => {
            tracing::error!(panic = %message, "the handler panicked: the event is dead, the worker goes on");
            Verdict::dead(
                "internal_error",
                format!("the {} handler failed: {message}", envelope.kind),
            )
        }
    })
}

/// Runs `future`, turning a panic inside it into its message: one event's bug must not take
/// down the worker and every event in flight with it.
async fn catch_panic<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(|panic| {
            panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned())
        })
}

async fn dispatch(
    attempt: &mut Attempt<'_>,
    envelope: &EventEnvelope,
) -> Result<Verdict, AttemptError> {
    let payload = &envelope.payload;
    match envelope.kind {
        EventKind::CognigyFallback => handlers::fallback::handle(attempt, payload).await,
        EventKind::CognigyBotFailure => handlers::bot_failure::handle(attempt, payload).await,
        EventKind::GenesysBotSession => handlers::bot_session::handle(attempt, payload).await,
        EventKind::CognigyFlowRun => handlers::flow_run::handle(attempt, payload).await,
        EventKind::GenesysVirtualAgent => handlers::virtual_agent::handle(attempt, payload).await,
        EventKind::GenesysConversationEnd => {
            handlers::conversation_end::handle(attempt, payload).await
        }
    }
}

/// Applies the retry policy to a handler's verdict.
fn settle(
    ctx: &WorkerContext,
    envelope: &EventEnvelope,
    verdict: Verdict,
    deadline_at: DateTime<Utc>,
) -> Settlement {
    match verdict {
        Verdict::Succeeded { result } => Settlement::Succeeded { result },
        Verdict::Dead { reason, detail } => Settlement::Dead { reason, detail },
        Verdict::Retry {
            reason,
            detail,
            at_least,
            dead_reason,
        } => {
            let worker = &ctx.settings.worker;
            let delay = next_retry_delay(
                envelope.attempt,
                &worker.retry_delays_ms,
                worker.retry_jitter,
                rand::random::<f64>(),
                at_least,
            )
            .map(|delay| ctx.topology.delay_at_least(delay));
            let remaining = (deadline_at - Utc::now()).to_std().unwrap_or_default();
            match decide_retry(delay, remaining) {
                RetryDecision::RetryIn(delay_ms) => Settlement::Retrying {
                    reason,
                    detail,
                    delay_ms,
                },
                RetryDecision::Exhausted => Settlement::Dead {
                    reason: dead_reason,
                    detail: format!("{detail} (gave up after {} retries)", envelope.attempt),
                },
                RetryDecision::PastDeadline => Settlement::Expired {
                    reason,
                    detail: format!("{detail} (the next retry would come after the deadline)"),
                },
            }
        }
    }
}

fn report(kind: EventKind, settlement: &Settlement, calls: usize) {
    match settlement {
        Settlement::Succeeded { .. } => tracing::info!(calls, "event succeeded"),
        Settlement::Retrying {
            reason,
            detail,
            delay_ms,
        } => tracing::info!(reason, detail, delay_ms, "event will be tried again"),
        Settlement::Dead { reason, detail } => tracing::warn!(reason, detail, "event is dead"),
        Settlement::Expired { reason, detail } => {
            tracing::warn!(%kind, reason, detail, "event expired")
        }
    }
}

/// Publishes the event, its retry count raised, into the delay queue of `delay_ms`.
async fn schedule_retry(
    ctx: &WorkerContext,
    envelope: &EventEnvelope,
    delay_ms: u64,
) -> Result<(), PublishError> {
    let mut next = envelope.clone();
    next.attempt += 1;
    publish_delayed(ctx, &next, delay_ms).await
}

/// Sends the message back to the broker untried, for `wait`: its retry count is unchanged, so
/// no retry is spent on a target that was known to be unavailable.
async fn defer(
    ctx: &WorkerContext,
    envelope: &EventEnvelope,
    wait: Duration,
    reason: &'static str,
) -> Disposition {
    let delay_ms = ctx
        .topology
        .delay_at_least(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX));
    match publish_delayed(ctx, envelope, delay_ms).await {
        Ok(()) => {
            tracing::debug!(reason, delay_ms, "deferred without a try");
            metrics::counter!(EVENTS_DEFERRED_TOTAL, "kind" => envelope.kind.as_str(), "reason" => reason)
                .increment(1);
            Disposition::Ack
        }
        Err(error) => {
            tracing::warn!(%error, reason, "could not defer the event: it goes back to the queue");
            Disposition::Requeue
        }
    }
}

async fn publish_delayed(
    ctx: &WorkerContext,
    envelope: &EventEnvelope,
    delay_ms: u64,
) -> Result<(), PublishError> {
    let body = QueueMessage::current(envelope.clone()).to_bytes();
    ctx.publisher
        .publish_confirmed_to(
            &ctx.topology.delay_exchange(delay_ms),
            envelope.kind.as_str(),
            &body,
            &envelope.event_id.to_string(),
        )
        .await
}

/// Moves a message that can never be decoded to the dead-letter queue with the reason in a
/// header, so operators see why; if that fails, the broker dead-letters it without one.
async fn dead_letter_undecodable(
    ctx: &WorkerContext,
    data: &[u8],
    error: &serde_json::Error,
) -> Disposition {
    let reason = format!("undecodable: {error}");
    tracing::error!(%reason, bytes = data.len(), "undecodable message: dead-lettering it");
    match ctx.publisher.publish_dead_letter(data, &reason).await {
        Ok(()) => Disposition::Ack,
        Err(_) => Disposition::DeadLetter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_gives_its_message_and_a_sound_one_its_value() {
        let failed = catch_panic(async {
            let fields: Vec<u8> = Vec::new();
            // An out-of-bounds index: the kind of bug a handler could have.
            fields[3]
        })
        .await;
        let message = failed.unwrap_err();
        assert!(message.contains("index out of bounds"), "{message}");
        let failed = catch_panic(async { panic!("handler bug {}", 7) }).await;
        assert_eq!(failed.unwrap_err(), "handler bug 7");
        assert_eq!(catch_panic(async { 42 }).await, Ok(42));
    }
}
