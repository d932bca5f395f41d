//! The worker's single step: one message from the queue to a committed outcome. Public so that
//! tests can drive it without a consumer.

use cxrelay_core::amqp::PublishError;
use cxrelay_core::envelope::{EventEnvelope, QueueMessage};
use cxrelay_core::kinds::EventKind;
use cxrelay_core::metrics::EVENTS_FINISHED_TOTAL;
use tracing::Instrument;

use crate::attempt::{Attempt, AttemptError};
use crate::context::WorkerContext;
use crate::genesys::TokenError;
use crate::handlers;
use crate::record;
use crate::verdict::Verdict;

/// What to tell the broker about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The outcome is committed: remove the message.
    Ack,
    /// Nothing was committed (database down): deliver it again.
    Requeue,
    /// The message can never be processed (undecodable): to the dead-letter queue.
    DeadLetter,
}

/// Decodes and carries out one message; the answer says how to settle it with the broker.
pub async fn process_message(ctx: &WorkerContext, data: &[u8]) -> Disposition {
    let envelope = match QueueMessage::from_bytes(data) {
        Ok(message) => message.into_envelope(),
        Err(error) => {
            tracing::error!(%error, bytes = data.len(), "undecodable message: dead-lettering it");
            return Disposition::DeadLetter;
        }
    };
    let span = tracing::info_span!(
        "event",
        event_id = %envelope.event_id,
        kind = %envelope.kind,
        request_id = envelope.request_id.as_deref().unwrap_or("-"),
    );
    match process_envelope(ctx, &envelope).instrument(span).await {
        Ok(()) => Disposition::Ack,
        Err(error) => {
            tracing::error!(event_id = %envelope.event_id, %error, "could not record the outcome or schedule the retry: the message goes back to the queue");
            Disposition::Requeue
        }
    }
}

/// Why a delivery could not be settled: it is delivered again.
#[derive(Debug, thiserror::Error)]
enum ProcessError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("scheduling the retry: {0}")]
    Retry(#[from] PublishError),
}

async fn process_envelope(
    ctx: &WorkerContext,
    envelope: &EventEnvelope,
) -> Result<(), ProcessError> {
    let Some(number) = record::begin_event(&ctx.db, envelope).await? else {
        tracing::info!("event already has its final state: acknowledging the redelivery");
        return Ok(());
    };
    let mut attempt = Attempt::new(ctx, envelope.event_id, number);
    let payload = &envelope.payload;
    let handled = match envelope.kind {
        EventKind::CognigyFallback => handlers::fallback::handle(&mut attempt, payload).await,
        EventKind::CognigyBotFailure => handlers::bot_failure::handle(&mut attempt, payload).await,
        EventKind::GenesysBotSession => handlers::bot_session::handle(&mut attempt, payload).await,
        EventKind::CognigyFlowRun => handlers::flow_run::handle(&mut attempt, payload).await,
        EventKind::GenesysVirtualAgent => {
            handlers::virtual_agent::handle(&mut attempt, payload).await
        }
        EventKind::GenesysConversationEnd => {
            handlers::conversation_end::handle(&mut attempt, payload).await
        }
    };
    let verdict = match handled {
        Ok(verdict) => verdict,
        Err(AttemptError::Database(error)) => return Err(error.into()),
        Err(AttemptError::Token(error @ TokenError::Rejected { .. })) => {
            Verdict::dead("token_rejected", error.to_string())
        }
        Err(AttemptError::Token(error @ TokenError::Unavailable(_))) => {
            Verdict::dead("unavailable", error.to_string())
        }
    };
    match &verdict {
        Verdict::Succeeded { .. } => tracing::info!(calls = attempt.calls.len(), "event succeeded"),
        Verdict::Dead { reason, detail } => tracing::warn!(reason, detail, "event is dead"),
        Verdict::Retry {
            reason,
            detail,
            delay_ms,
        } => {
            tracing::info!(reason, detail, delay_ms, "event will be tried again")
        }
    }
    record::finish_event(&ctx.db, envelope.event_id, &attempt.calls, &verdict).await?;
    // The retrying state is committed first: if the publish below fails, the redelivery finds
    // the event unfinished and carries it out again; nothing is lost either way.
    if let Verdict::Retry { delay_ms, .. } = &verdict {
        schedule_retry(ctx, envelope, *delay_ms).await?;
    }
    let (status, reason) = match &verdict {
        Verdict::Succeeded { .. } => ("succeeded", ""),
        Verdict::Retry { reason, .. } => ("retrying", *reason),
        Verdict::Dead { reason, .. } => ("dead", *reason),
    };
    metrics::counter!(
        EVENTS_FINISHED_TOTAL,
        "kind" => envelope.kind.as_str(),
        "status" => status,
        "reason" => reason,
    )
    .increment(1);
    Ok(())
}

/// Publishes the event, its attempt count raised, into the shortest retry tier of at least
/// `delay_ms` (the longest tier when none is that long).
async fn schedule_retry(
    ctx: &WorkerContext,
    envelope: &EventEnvelope,
    delay_ms: u64,
) -> Result<(), PublishError> {
    let tiers = ctx.topology.delays_ms();
    let tier = tiers
        .iter()
        .copied()
        .find(|tier| *tier >= delay_ms)
        .or_else(|| tiers.last().copied())
        .unwrap_or(delay_ms);
    let mut next = envelope.clone();
    next.attempt += 1;
    let body = QueueMessage::current(next).to_bytes();
    ctx.publisher
        .publish_confirmed_to(
            &ctx.topology.delay_exchange(tier),
            envelope.kind.as_str(),
            &body,
            &envelope.event_id.to_string(),
        )
        .await
}
