//! One delivery of one event: every downstream call it makes is recorded before it is made.

use std::future::Future;
use std::time::Instant;

use chrono::Utc;
use cxrelay_core::kinds::Target;
use cxrelay_core::metrics::DOWNSTREAM_CALL_SECONDS;
use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use crate::call::CallResult;
use crate::context::WorkerContext;
use crate::genesys::TokenError;
use crate::outcome::Outcome;
use crate::record;

/// What can stop a delivery before it reaches a verdict.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// Postgres refused a query (not an outage: those are waited out): the message is not
    /// acked, so it comes back.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// No Genesys token could be had.
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// The calls of one delivery, kept for the final transaction.
pub struct Attempt<'a> {
    /// What the handlers share.
    pub ctx: &'a WorkerContext,
    /// The event carried out.
    pub event_id: Uuid,
    number: i32,
    /// Every call made so far, with the key of its attempt row.
    pub calls: Vec<(record::CallRow, CallResult)>,
}

impl<'a> Attempt<'a> {
    /// Delivery `number` of `event_id`.
    pub fn new(ctx: &'a WorkerContext, event_id: Uuid, number: i32) -> Self {
        Self {
            ctx,
            event_id,
            number,
            calls: Vec::new(),
        }
    }

    /// Which delivery of the event this is (1 for the first).
    pub fn number(&self) -> i32 {
        self.number
    }

    /// Commits the attempt row of `operation`, waits out the target's pause and rate limiter,
    /// then makes the call `make` returns (only then: no call without its row), and keeps the
    /// result for the final transaction.
    pub async fn recorded<F, Fut>(
        &mut self,
        target: &str,
        operation: &str,
        make: F,
    ) -> Result<CallResult, AttemptError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = CallResult>,
    {
        let call_seq = i32::try_from(self.calls.len() + 1).unwrap_or(i32::MAX);
        let gate = self.ctx.targets.by_name(target).cloned();
        let ctx = self.ctx;
        let event_id = self.event_id;
        let number = self.number;
        // The row's start is chosen once: a run repeated after the database went away then
        // meets the row a lost commit wrote (the partition key is part of its unique key).
        let started_at = Utc::now();
        let waiting = Instant::now();
        // The row is committed before the call; while the database is away the call waits.
        let start = record::StartCall {
            event_id,
            attempt: number,
            call_seq,
            target: target.to_owned(),
            operation: operation.to_owned(),
            started_at,
        };
        let row = ctx
            .db_health
            .retry("record an attempt", || ctx.writes.start_call(start.clone()))
            .await?;
        // The pause and the rate limiter come after the row's commit, right before the call:
        // the limiter then spaces the calls as they leave, not as their rows commit, whose
        // latency varies enough to bunch calls it had spaced.
        if let Some(gate) = &gate {
            gate.before_call().await;
        }
        // Counted from the row's start, so that its finished_at (started_at plus this and the
        // latency) is when the call ended, however long the row's commit waited.
        let waited = waiting.elapsed();
        let mut result = make().await;
        result.waited = waited;
        if let Some(gate) = &gate {
            gate.after_call(&result);
        }
        observe(operation, &result);
        self.calls.push((row, result.clone()));
        Ok(result)
    }

    /// Makes the call at `index` of [`Attempt::calls`] the one the event's final state reports
    /// (its `last_http_status`, `last_error_code`, the audit row's correlation id), which is the
    /// last one in the list: for a handler whose later calls are incidental to the outcome, such
    /// as the fallback's notify after the flow launch. The attempt rows keep their call order.
    pub fn report_call(&mut self, index: usize) {
        if index < self.calls.len() {
            let call = self.calls.remove(index);
            self.calls.push(call);
        }
    }

    /// A Genesys API call: recorded, made, and on 401 made once more with a new token.
    pub async fn genesys_call(
        &mut self,
        operation: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<CallResult, AttemptError> {
        let genesys = self.ctx.genesys.clone();
        let token = genesys.token().await?;
        let result = self
            .recorded(Target::Genesys.as_str(), operation, || {
                genesys.call(method.clone(), path, body, &token)
            })
            .await?;
        if result.outcome != Outcome::Auth {
            return Ok(result);
        }
        tracing::info!(
            operation,
            "Genesys answered 401: fetching a new token and trying once more"
        );
        genesys.invalidate(&token);
        let token = genesys.token().await?;
        self.recorded(Target::Genesys.as_str(), operation, || {
            genesys.call(method, path, body, &token)
        })
        .await
    }
}

/// `cxrelay_downstream_call_seconds{operation,status,outcome}`.
fn observe(operation: &str, call: &CallResult) {
    let status = call
        .http_status
        .map_or_else(|| "none".to_owned(), |s| s.to_string());
    metrics::histogram!(
        DOWNSTREAM_CALL_SECONDS,
        "operation" => operation.to_owned(),
        "status" => status,
        "outcome" => call.outcome.as_str(),
    )
    .record(call.latency.as_secs_f64());
}
