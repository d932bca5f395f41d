//! The benchmarks' side of RabbitMQ: declaring a run's topology, preloading a backlog as the
//! ingress would have published it, queue depths, and deleting the run's queues at the end.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use cxrelay_core::amqp::Topology;
use cxrelay_core::envelope::{EventEnvelope, QueueMessage};
use cxrelay_core::kinds::EventKind;
use futures::future::try_join_all;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeleteOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, PublisherConfirm};
use secrecy::SecretString;
use uuid::Uuid;

use crate::bodies;

/// The broker URL every benchmark uses unless told otherwise.
pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Publishes awaiting their confirms at once while preloading: enough to keep the broker busy,
/// few enough that a refusal is seen early.
const PRELOAD_WINDOW: usize = 2_000;

/// AMQP delivery mode 2 (persistent), as the ingress publishes.
const PERSISTENT: u8 = 2;

/// A connection and a channel of the benchmark's own.
pub struct Broker {
    connection: Connection,
    channel: Channel,
}

impl Broker {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let connection =
            cxrelay_core::amqp::connect(&SecretString::from(url.to_owned()), "cxrelay-bench")
                .await
                .context("cannot connect to RabbitMQ (CXRELAY_BENCH_AMQP_URL)")?;
        let channel = connection.create_channel().await?;
        Ok(Self {
            connection,
            channel,
        })
    }

    /// Declares every exchange and queue of `topology` (as the ingress and worker do at start).
    pub async fn declare(&self, topology: &Topology) -> anyhow::Result<()> {
        topology.declare(&self.channel).await?;
        Ok(())
    }

    /// Puts `count` fallback events of run `run` straight into the Genesys work queue, as the
    /// ingress would have published them (envelope version 1, persistent, confirmed), received
    /// now; returns how long that took.
    pub async fn preload_fallbacks(
        &self,
        topology: &Topology,
        run: &str,
        count: u64,
    ) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let channel = self.connection.create_channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        let queue = topology.queue_for(EventKind::CognigyFallback);
        let mut pending = Vec::with_capacity(PRELOAD_WINDOW);
        for n in 0..count {
            let envelope = EventEnvelope {
                event_id: Uuid::now_v7(),
                kind: EventKind::CognigyFallback,
                received_at: Utc::now(),
                request_id: Some(format!("bench-{run}-{n}")),
                idempotency_key: None,
                attempt: 0,
                generation: 0,
                source: Some("cognigy".to_owned()),
                key_name: Some(crate::environment::INBOUND_KEY_NAME.to_owned()),
                // No URLToken: each event makes the one Genesys call, so the drain measures
                // cxrelay rather than Cognigy's notify (and its own rate limit).
                payload: bodies::fallback(run, n, false),
            };
            let properties = BasicProperties::default()
                .with_delivery_mode(PERSISTENT)
                .with_content_type("application/json".into())
                .with_message_id(envelope.event_id.to_string().into());
            let body = QueueMessage::current(envelope).to_bytes();
            let confirm = channel
                .basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    &body,
                    properties,
                )
                .await?;
            pending.push(confirm);
            if pending.len() >= PRELOAD_WINDOW {
                settle(std::mem::take(&mut pending)).await?;
            }
        }
        settle(pending).await?;
        let _ = channel.close(200, "preloaded".into()).await;
        Ok(started.elapsed())
    }

    /// Messages ready in `queue`.
    pub async fn depth(&self, queue: &str) -> anyhow::Result<u32> {
        let options = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let queue = self
            .channel
            .queue_declare(queue.into(), options, FieldTable::default())
            .await?;
        Ok(queue.message_count())
    }

    /// Deletes every queue and exchange of `topology`; best effort.
    pub async fn delete(&self, topology: &Topology) {
        for queue in topology.queues() {
            let _ = self
                .channel
                .queue_delete(queue.into(), QueueDeleteOptions::default())
                .await;
        }
        for exchange in topology.exchanges() {
            let _ = self
                .channel
                .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
                .await;
        }
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = self.connection.close(200, "done".into()).await;
    }
}

async fn settle(pending: Vec<PublisherConfirm>) -> anyhow::Result<()> {
    for confirmation in try_join_all(pending).await? {
        if !matches!(confirmation, Confirmation::Ack(None)) {
            anyhow::bail!("the broker did not accept a preloaded event: {confirmation:?}");
        }
    }
    Ok(())
}
