//! The worker's single step: one message from the queue to a committed outcome. Public so that
//! tests can drive it without a consumer.

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
            tracing::error!(event_id = %envelope.event_id, %error, "could not record the outcome: the message goes back to the queue");
            Disposition::Requeue
        }
    }
}

async fn process_envelope(
    ctx: &WorkerContext,
    envelope: &EventEnvelope,
) -> Result<(), sqlx::Error> {
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
        other => Ok(Verdict::dead(
            "not_supported",
            format!("this worker does not carry out {other} events yet"),
        )),
    };
    let verdict = match handled {
        Ok(verdict) => verdict,
        Err(AttemptError::Database(error)) => return Err(error),
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
    }
    record::finish_event(&ctx.db, envelope.event_id, &attempt.calls, &verdict).await?;
    let (status, reason) = match &verdict {
        Verdict::Succeeded { .. } => ("succeeded", ""),
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
