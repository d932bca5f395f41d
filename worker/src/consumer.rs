//! Consuming a work queue with bounded prefetch, reconnecting when the broker goes away, and
//! draining in-flight events on shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cxrelay_core::amqp::{self, Topology};
use cxrelay_core::envelope::QueueMessage;
use futures::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
};
use lapin::types::FieldTable;
use secrecy::SecretString;
use tokio::sync::watch;

use crate::context::WorkerContext;
use crate::process::{process_message, Disposition};
use crate::sequencer::Sequencer;

/// First wait before reconnecting.
const RECONNECT_MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between reconnection attempts.
const RECONNECT_MAX_BACKOFF: Duration = Duration::from_secs(2);

/// How the consumer reaches the broker.
pub struct ConsumerConfig {
    /// Broker URL.
    pub url: SecretString,
    /// Names under the configured prefix.
    pub topology: Topology,
    /// The queue consumed.
    pub queue: String,
    /// Turns of one session in delivery order (the session queue); otherwise all concurrent.
    pub ordered: bool,
    /// Unacked deliveries at once; also the number of events processed concurrently.
    pub prefetch: u16,
}

/// Consumes until `shutdown` fires, then waits for in-flight events to be settled.
/// `connected` tells readiness whether a consumer is live.
pub async fn run(
    ctx: WorkerContext,
    config: ConsumerConfig,
    shutdown: watch::Receiver<()>,
    connected: Arc<AtomicBool>,
) {
    let mut backoff = RECONNECT_MIN_BACKOFF;
    loop {
        let result = consume_once(&ctx, &config, shutdown.clone(), &connected).await;
        connected.store(false, Ordering::SeqCst);
        if shutdown.has_changed().unwrap_or(true) {
            tracing::info!("consumer stopped");
            return;
        }
        match result {
            Ok(()) => {
                tracing::warn!("the broker closed the consumer; reconnecting");
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

async fn consume_once(
    ctx: &WorkerContext,
    config: &ConsumerConfig,
    mut shutdown: watch::Receiver<()>,
    connected: &AtomicBool,
) -> Result<(), lapin::Error> {
    let connection = amqp::connect(&config.url, "cxrelay-worker").await?;
    let channel = connection.create_channel().await?;
    config.topology.declare(&channel).await?;
    // The broker hands out at most `prefetch` unacked messages: memory and concurrency stay
    // bounded however long the backlog is.
    channel
        .basic_qos(config.prefetch, BasicQosOptions::default())
        .await?;
    let queue = &config.queue;
    let consumer = channel
        .basic_consume(
            queue,
            "",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    connected.store(true, Ordering::SeqCst);
    tracing::info!(%queue, prefetch = config.prefetch, "consuming");
    let stop = async move {
        let _ = shutdown.changed().await;
    };
    let sequencer = Arc::new(Sequencer::default());
    consumer
        .take_until(stop)
        // Sequential: turns are queued in delivery order before any of them runs.
        .map(|delivery| {
            let turn = match (&delivery, config.ordered) {
                (Ok(delivery), true) => sequencer.enqueue(session_of(&delivery.data)),
                _ => sequencer.enqueue(None),
            };
            (delivery, turn)
        })
        .for_each_concurrent(
            usize::from(config.prefetch),
            |(delivery, mut turn)| async move {
                turn.wait().await;
                match delivery {
                    Ok(delivery) => settle(ctx, delivery).await,
                    Err(error) => tracing::warn!(%error, "consumer error"),
                }
                drop(turn);
            },
        )
        .await;
    // In-flight events are settled; unfetched prefetched messages return to the queue.
    let _ = channel.close(200, "worker stopping").await;
    let _ = connection.close(200, "worker stopping").await;
    Ok(())
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
        // The broker will redeliver; a finished event is then acked without a second call.
        tracing::warn!(%error, ?disposition, "could not settle a delivery");
    }
}
