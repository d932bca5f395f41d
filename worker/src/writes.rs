//! The worker's database writes, batched across events: every in-flight event asks for its
//! write ([`Writes::begin_event`], [`Writes::start_call`], [`Writes::finish_event`]) and waits
//! for it alone, while the writes of one step asked for at about the same time go to Postgres
//! as one transaction ([`crate::record::batched`]). The order of each event's own steps is
//! unchanged: the attempt row is committed before its call, the outcome before the ack.
//!
//! A batch the database refuses for a reason other than an outage is written again one event
//! at a time, so one bad row fails only its own event. An outage fails every write of the
//! batch with an error that [`crate::db_health`] waits out, as it would a single write's.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use cxrelay_core::batch::{Batcher, BatcherStopped};
use cxrelay_core::db::copy_error;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db_health::is_transient;
use crate::record::{self, batched, Begun, CallRow, Finish, NewDelivery, StartCall};

/// Most writes of one step in one transaction. Large enough that a 256-event prefetch settles
/// in a few batches, small enough that one batch's statements stay well under Postgres's
/// parameter and memory limits and a slow batch holds few events.
const MAX_BATCH: usize = 256;

/// Batches of one step in flight at once: while one waits for its commit (the WAL flush), the
/// next is already being written, which keeps the disk's flushes and the worker busy together.
/// Three steps times this stays well inside the default pool of 10 connections.
const CONCURRENT_BATCHES: usize = 2;

type Answer<T> = Result<T, sqlx::Error>;

/// Batched writers of the three steps of a delivery.
#[derive(Clone)]
pub struct Writes {
    begin: Batcher<NewDelivery, Answer<Begun>>,
    start: Batcher<StartCall, Answer<CallRow>>,
    finish: Batcher<Finish, Answer<()>>,
}

impl Writes {
    /// Starts the batchers on `db`. Must be called inside a Tokio runtime.
    pub fn start(db: &PgPool) -> Self {
        Self {
            begin: batcher(
                "begin",
                "event starts",
                db,
                |d: &NewDelivery| d.event_id,
                |db, items| async move { batched::begin_events(&db, &items).await },
                |db, item| async move { record::begin_event(&db, &item).await },
            ),
            start: batcher(
                "start",
                "attempt rows",
                db,
                // Rows of different calls of one event are distinct; no event has two calls
                // under way at once.
                |c: &StartCall| c.event_id,
                |db, items| async move { batched::start_calls(&db, &items).await },
                |db, item| async move { record::start_call(&db, &item).await },
            ),
            finish: batcher(
                "finish",
                "outcomes",
                db,
                |f: &Finish| f.event_id,
                |db, items| async move {
                    let count = items.len();
                    batched::finish_events(&db, &items)
                        .await
                        .map(|()| vec![(); count])
                },
                |db, item| async move { record::finish_event(&db, &item).await },
            ),
        }
    }

    /// [`record::begin_event`], in a batch.
    pub async fn begin_event(&self, delivery: NewDelivery) -> Answer<Begun> {
        self.begin.call(delivery).await.map_err(stopped)?
    }

    /// [`record::start_call`], in a batch: committed when this returns.
    pub async fn start_call(&self, call: StartCall) -> Answer<CallRow> {
        self.start.call(call).await.map_err(stopped)?
    }

    /// [`record::finish_event`], in a batch: committed when this returns.
    pub async fn finish_event(&self, finish: Finish) -> Answer<()> {
        self.finish.call(finish).await.map_err(stopped)?
    }
}

/// A batcher that stopped (a batch panicked) is not an outage: the delivery is handed back to
/// the broker rather than waited on.
fn stopped(error: BatcherStopped) -> sqlx::Error {
    sqlx::Error::Configuration(Box::new(error))
}

/// A batcher of one step: `batch` writes many of its writes in one transaction, `single` one;
/// `key` is the event a write belongs to; `name` and `what` name it in errors and logs.
fn batcher<I, O, B, BF, S, SF>(
    name: &'static str,
    what: &'static str,
    db: &PgPool,
    key: fn(&I) -> Uuid,
    batch: B,
    single: S,
) -> Batcher<I, Answer<O>>
where
    I: Clone + Send + Sync + 'static,
    O: Send + 'static,
    B: Fn(PgPool, Arc<Vec<I>>) -> BF + Copy + Send + Sync + 'static,
    BF: Future<Output = Answer<Vec<O>>> + Send,
    S: Fn(PgPool, I) -> SF + Copy + Send + Sync + 'static,
    SF: Future<Output = Answer<O>> + Send,
{
    let db = db.clone();
    Batcher::start(name, MAX_BATCH, CONCURRENT_BATCHES, move |items| {
        let db = db.clone();
        async move {
            write_batch(
                what,
                items,
                key,
                |items| batch(db.clone(), items),
                |item| single(db.clone(), item),
            )
            .await
        }
    })
}

/// Writes `items` as one batch when there are several writes of distinct events, and one by
/// one otherwise or when the batch is refused for a reason other than an outage.
async fn write_batch<I, O, K, B, BF, S, SF>(
    what: &'static str,
    items: Vec<I>,
    key: K,
    batch: B,
    single: S,
) -> Vec<Answer<O>>
where
    I: Clone,
    K: Fn(&I) -> Uuid,
    B: FnOnce(Arc<Vec<I>>) -> BF,
    BF: Future<Output = Answer<Vec<O>>>,
    S: Fn(I) -> SF,
    SF: Future<Output = Answer<O>>,
{
    let count = items.len();
    let mut seen = HashSet::with_capacity(count);
    let distinct = items.iter().all(|item| seen.insert(key(item)));
    // Shared with the batch, not copied: the one-by-one writes after a refused batch need them.
    let items = Arc::new(items);
    if count > 1 && distinct {
        match batch(Arc::clone(&items)).await {
            Ok(answers) => return answers.into_iter().map(Ok).collect(),
            Err(error) if is_transient(&error) => {
                return (0..count).map(|_| Err(copy_error(&error))).collect();
            }
            Err(error) => {
                tracing::warn!(%error, what, count, "the database refused a batch: writing its rows one by one");
            }
        }
    }
    let mut answers = Vec::with_capacity(count);
    for item in items.iter() {
        answers.push(single(item.clone()).await);
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_batcher_is_not_an_outage() {
        assert!(!is_transient(&stopped(BatcherStopped("finish"))));
    }
}
