//! Consuming one work queue: bounded prefetch, reconnecting when the broker goes away, pausing
//! consumption while the queue's target is unavailable or the database is down, and on
//! shutdown finishing (within a bound) or handing back what is in flight.

use std::sync::Arc;
use std::time::Duration;

use cxrelay_core::amqp::{BrokerNodes, NodeConnection, Topology};
use cxrelay_core::envelope::QueueMessage;
use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    BasicRejectOptions,
};
use lapin::types::FieldTable;
use lapin::Channel;
use tokio::sync::watch;

use crate::broker_link::BrokerLink;
use crate::context::WorkerContext;
use crate::process::{process_message, Disposition};
use crate::sequencer::Sequencer;

/// First wait before reconnecting.
const RECONNECT_MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between reconnection attempts.
const RECONNECT_MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How the consumer reaches the broker and what it consumes.
pub struct ConsumerConfig {
    /// The broker's nodes, shared by the process's consumers.
    pub nodes: BrokerNodes,
    /// Names under the configured prefix.
    pub topology: Topology,
    /// The queue consumed.
    pub queue: String,
    /// Turns of one session in delivery order (the session queue); otherwise all concurrent.
    pub ordered: bool,
    /// Unacked deliveries at once; also the number of events processed concurrently.
    pub prefetch: u16,
    /// True while the queue's target may be called (its gate's `consuming`).
    pub target_open: watch::Receiver<bool>,
    /// True while the database answers.
    pub database_up: watch::Receiver<bool>,
    /// On shutdown, how long in-flight events may take before they are handed back.
    pub grace: Duration,
}

/// Why consumption stopped.
enum Stop {
    /// The process is stopping.
    Shutdown,
    /// The target is unavailable or the database down; consume again once it is over.
    Pause,
}

/// Consumes until `shutdown` fires, then settles or hands back in-flight events and returns.
/// `link` tells readiness which node it consumes on.
pub async fn run(
    ctx: WorkerContext,
    mut config: ConsumerConfig,
    shutdown: watch::Receiver<()>,
    link: BrokerLink,
) {
    let mut backoff = RECONNECT_MIN_BACKOFF;
    let mut replacing = false;
    loop {
        let result = consume_once(&ctx, &mut config, shutdown.clone(), &link, replacing).await;
        link.set(None);
        replacing = true;
        if stopping(&shutdown) {
            tracing::info!(queue = %config.queue, "consumer stopped");
            return;
        }
        match result {
            Ok(()) => {
                tracing::warn!(queue = %config.queue, "the broker closed the consumer; reconnecting");
                backoff = RECONNECT_MIN_BACKOFF;
            }
            Err(error) => {
                tracing::warn!(%error, retry_in = ?backoff, "cannot consume from the broker")
            }
        }
        let mut stop = shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(backoff) => {},
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(RECONNECT_MAX_BACKOFF);
    }
}

/// True once shutdown was asked for (the sender is dropped then).
fn stopping(shutdown: &watch::Receiver<()>) -> bool {
    shutdown.has_changed().unwrap_or(true)
}

async fn consume_once(
    ctx: &WorkerContext,
    config: &mut ConsumerConfig,
    shutdown: watch::Receiver<()>,
    link: &BrokerLink,
    replacing: bool,
) -> Result<(), lapin::Error> {
    let NodeConnection { connection, node } =
        config.nodes.connect("cxrelay-worker", replacing).await?;
    let result = consume_on(ctx, config, &connection, shutdown.clone(), link, node).await;
    if !stopping(&shutdown) {
        // Whatever ended it (the node went away, refused the topology, closed the channel),
        // the next connection tries the next node first. Redelivered messages are recognised
        // by the events' claims and rows.
        config.nodes.lost(node);
    }
    let _ = connection.close(200, "worker stopping".into()).await;
    result
}

async fn consume_on(
    ctx: &WorkerContext,
    config: &mut ConsumerConfig,
    connection: &lapin::Connection,
    shutdown: watch::Receiver<()>,
    link: &BrokerLink,
    node: usize,
) -> Result<(), lapin::Error> {
    let channel = connection.create_channel().await?;
    config.topology.declare(&channel).await?;
    // The broker hands out at most `prefetch` unacked messages: memory and concurrency stay
    // bounded however long the backlog is.
    channel
        .basic_qos(config.prefetch, BasicQosOptions::default())
        .await?;
    link.set(Some(config.nodes.name(node).to_owned()));
    tracing::info!(queue = %config.queue, node = config.nodes.name(node), "connected to the broker");
    let result = consume_while_open(ctx, config, &channel, shutdown).await;
    // Whatever is still unacked goes back to the queue with the channel.
    let _ = channel.close(200, "worker stopping".into()).await;
    result
}

/// Consumes whenever the target and the database allow, until shutdown or the channel ends.
async fn consume_while_open(
    ctx: &WorkerContext,
    config: &mut ConsumerConfig,
    channel: &Channel,
    shutdown: watch::Receiver<()>,
) -> Result<(), lapin::Error> {
    loop {
        if !wait_until_allowed(config, shutdown.clone()).await {
            return Ok(());
        }
        let queue = config.queue.clone();
        let consumer = channel
            .basic_consume(
                queue.as_str().into(),
                // Empty: the broker names the consumer; the tag it chose cancels it below.
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let tag = consumer.tag();
        tracing::info!(%queue, prefetch = config.prefetch, "consuming");
        let sequencer = Arc::new(Sequencer::default());
        let ordered = config.ordered;
        let handling = shutdown.clone();
        let processing = consumer
            // Sequential: turns are queued in delivery order before any of them runs.
            .map(|delivery| {
                let turn = match (&delivery, ordered) {
                    (Ok(delivery), true) => sequencer.enqueue(session_of(&delivery.data)),
                    _ => sequencer.enqueue(None),
                };
                (delivery, turn)
            })
            .for_each_concurrent(usize::from(config.prefetch), |(delivery, mut turn)| {
                let handling = handling.clone();
                async move {
                    turn.wait().await;
                    match delivery {
                        // Taken from the buffer after shutdown began: hand it back untried.
                        Ok(delivery) if stopping(&handling) => {
                            let _ = delivery
                                .nack(BasicNackOptions {
                                    requeue: true,
                                    ..BasicNackOptions::default()
                                })
                                .await;
                        }
                        // On a task of its own: the runtime spreads the events over its
                        // threads instead of polling them all on the consumer's. In a JoinSet,
                        // which aborts the task when dropped: a consumer stopped from outside
                        // leaves no delivery running behind it.
                        Ok(delivery) => {
                            let ctx = ctx.clone();
                            let mut task = tokio::task::JoinSet::new();
                            task.spawn(async move { settle(&ctx, delivery).await });
                            if let Some(Err(error)) = task.join_next().await {
                                // The delivery goes back to the queue with the channel.
                                tracing::error!(%error, "a delivery's task failed");
                            }
                        }
                        Err(error) => tracing::warn!(%error, "consumer error"),
                    }
                    drop(turn);
                }
            });
        tokio::pin!(processing);
        let stop = tokio::select! {
            () = &mut processing => None,
            stop = stop_signal(config, shutdown.clone()) => Some(stop),
        };
        let Some(stop) = stop else {
            // The stream ended by itself: the broker cancelled us or the channel failed.
            return Ok(());
        };
        // No new deliveries; the buffered ones still come through the stream, which then ends.
        let _ = channel
            .basic_cancel(tag, BasicCancelOptions::default())
            .await;
        match stop {
            Stop::Pause => {
                tracing::warn!(%queue, "not consuming while the target is unavailable or the database is down");
                (&mut processing).await;
            }
            Stop::Shutdown => {
                if tokio::time::timeout(config.grace, &mut processing)
                    .await
                    .is_err()
                {
                    tracing::warn!(%queue, grace = ?config.grace,
                        "in-flight events did not finish in time: handing them back to the broker");
                }
                return Ok(());
            }
        }
    }
}

/// Waits until the target is open and the database up; false if shutdown came first.
async fn wait_until_allowed(
    config: &mut ConsumerConfig,
    mut shutdown: watch::Receiver<()>,
) -> bool {
    let target = &mut config.target_open;
    let database = &mut config.database_up;
    loop {
        if stopping(&shutdown) {
            return false;
        }
        if *target.borrow_and_update() && *database.borrow_and_update() {
            return true;
        }
        tokio::select! {
            _ = target.changed() => {}
            _ = database.changed() => {}
            _ = shutdown.changed() => return false,
        }
    }
}

/// Resolves when consumption must stop, and says why.
async fn stop_signal(config: &ConsumerConfig, mut shutdown: watch::Receiver<()>) -> Stop {
    let mut target = config.target_open.clone();
    let mut database = config.database_up.clone();
    tokio::select! {
        _ = shutdown.changed() => Stop::Shutdown,
        _ = target.wait_for(|open| !*open) => Stop::Pause,
        _ = database.wait_for(|up| !*up) => Stop::Pause,
    }
}

/// The session a flow-run turn belongs to: its Endpoint and sessionId. A turn without a
/// sessionId starts a new session and waits for nobody.
fn session_of(data: &[u8]) -> Option<String> {
    let envelope = QueueMessage::from_bytes(data).ok()?.into_envelope();
    let payload = &envelope.payload;
    let session = payload.get("sessionId")?.as_str()?;
    let endpoint = payload
        .get("endpoint")
        .and_then(|e| e.as_str())
        .unwrap_or("");
    Some(format!("{endpoint}/{session}"))
}

async fn settle(ctx: &WorkerContext, delivery: Delivery) {
    let disposition = process_message(ctx, &delivery.data).await;
    let settled = match disposition {
        Disposition::Ack => delivery.ack(BasicAckOptions::default()).await,
        Disposition::Requeue => {
            delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                })
                .await
        }
        Disposition::DeadLetter => delivery.reject(BasicRejectOptions { requeue: false }).await,
    };
    if let Err(error) = settled {
        // The broker will redeliver; a finished event is then recognised and not redone.
        tracing::warn!(%error, ?disposition, "could not settle a delivery");
    }
}
