//! Durable publishing: persistent, mandatory, confirmed by the broker; reconnects by itself.
//!
//! One channel in confirm mode carries every request's publish at once (pipelined); each request
//! awaits its own confirm. A supervisor task owns the connection: it (re)connects with backoff,
//! declares the topology, and swaps the live channel in; a request that finds no live channel
//! gets [`PublishError::Unavailable`] at once rather than waiting for the broker.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::error_watch::ErrorWatch;
use super::{BrokerNodes, NodeConnection, Topology};
use crate::metrics::PUBLISH_CONFIRM_SECONDS;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Confirmation, Connection};
use secrecy::SecretString;
use tokio::sync::Notify;

/// First wait before reconnecting after the broker went away.
const RECONNECT_MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between reconnection attempts, so a returning broker is found within seconds.
const RECONNECT_MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long [`Publisher::close`] waits for a connection attempt under way to end.
const CLOSE_PATIENCE: Duration = Duration::from_secs(3);
/// AMQP delivery mode 2: the broker writes the message to disk before it confirms it.
const PERSISTENT: u8 = 2;
/// Header of a dead-lettered message saying why it could not be processed.
pub const DEAD_REASON_HEADER: &str = "x-cxrelay-dead-reason";

/// Why an event could not be made durable; every variant means "answer 503, nothing accepted".
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// There is no live connection to the broker right now.
    #[error("the broker is unavailable")]
    Unavailable,
    /// The broker refused the message (nack), e.g. a queue's limit or an internal error.
    #[error("the broker did not accept the message")]
    Nacked,
    /// No queue is bound for the routing key: a topology error, never a silent drop.
    #[error("no queue is bound for routing key {0}")]
    Unroutable(String),
    /// The confirm did not arrive in time (broker overloaded or blocked by an alarm).
    #[error("the broker did not confirm within {0:?}")]
    ConfirmTimeout(Duration),
    /// The channel or connection failed during the publish.
    #[error("broker error: {0}")]
    Broker(#[from] lapin::Error),
}

/// A cheap-to-clone handle on the shared publishing channel.
#[derive(Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

struct Inner {
    nodes: BrokerNodes,
    /// The node the live connection is to.
    node: RwLock<Option<usize>>,
    name: String,
    topology: Topology,
    confirm_timeout: Duration,
    channel: RwLock<Option<Channel>>,
    /// Wakes the supervisor when the connection or channel is found broken, or to close.
    lost: Notify,
    /// Set by [`Publisher::close`]: the supervisor closes the connection and stops.
    closing: AtomicBool,
    /// Becomes true once the supervisor has stopped.
    stopped: tokio::sync::watch::Sender<bool>,
}

impl Publisher {
    /// Starts the supervisor that keeps a confirmed channel to `url` open; the connection is
    /// named `name` in the broker's management UI.
    pub fn start(
        url: SecretString,
        name: &str,
        topology: Topology,
        confirm_timeout: Duration,
    ) -> Self {
        let publisher = Self {
            inner: Arc::new(Inner {
                nodes: BrokerNodes::new(&url),
                node: RwLock::new(None),
                name: name.to_owned(),
                topology,
                confirm_timeout,
                channel: RwLock::new(None),
                lost: Notify::new(),
                closing: AtomicBool::new(false),
                stopped: tokio::sync::watch::Sender::new(false),
            }),
        };
        tokio::spawn(supervise(Arc::clone(&publisher.inner)));
        publisher
    }

    /// Closes the broker connection and stops reconnecting, waiting (a few seconds at most)
    /// for a connection attempt under way to end: a command that exits when its work is done
    /// leaves the broker cleanly instead of having its connection cut by the runtime's end.
    pub async fn close(&self) {
        self.inner.closing.store(true, Ordering::SeqCst);
        self.inner.lost.notify_one();
        let mut stopped = self.inner.stopped.subscribe();
        let _ = tokio::time::timeout(CLOSE_PATIENCE, stopped.wait_for(|done| *done)).await;
    }

    /// True while a live channel is available.
    pub fn is_connected(&self) -> bool {
        self.live_channel().is_some()
    }

    /// The broker node (`host:port`) the live channel is on, if there is one.
    pub fn node(&self) -> Option<String> {
        if !self.is_connected() {
            return None;
        }
        let node = *self
            .inner
            .node
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        node.map(|node| self.inner.nodes.name(node).to_owned())
    }

    /// Every broker node `AMQP_URL` lists (`host:port`), in this publisher's order.
    pub fn nodes(&self) -> Vec<String> {
        self.inner.nodes.names().to_vec()
    }

    /// Publishes `body` persistent and mandatory to the events exchange under `routing_key`, and
    /// returns only once the broker confirmed it.
    pub async fn publish_confirmed(
        &self,
        routing_key: &str,
        body: &[u8],
        message_id: &str,
    ) -> Result<(), PublishError> {
        let exchange = self.inner.topology.events_exchange();
        self.publish_confirmed_to(&exchange, routing_key, body, message_id)
            .await
    }

    /// Like [`Publisher::publish_confirmed`], to any exchange (a retry delay tier).
    pub async fn publish_confirmed_to(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        message_id: &str,
    ) -> Result<(), PublishError> {
        let properties = BasicProperties::default().with_message_id(message_id.into());
        self.publish_with(exchange, routing_key, body, properties)
            .await
    }

    /// Publishes `body` with the `properties` it came with (headers kept, made persistent) to
    /// the dead-letter exchange: a dead letter that must stay in the dead-letter queue goes
    /// back there as it was.
    pub async fn republish_dead_letter(
        &self,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<(), PublishError> {
        let exchange = self.inner.topology.dead_letter_exchange();
        self.publish_with(&exchange, "", body, properties).await
    }

    /// Publishes a message that can never be processed to the dead-letter exchange, with why
    /// in the header [`DEAD_REASON_HEADER`].
    pub async fn publish_dead_letter(&self, body: &[u8], reason: &str) -> Result<(), PublishError> {
        let mut headers = FieldTable::default();
        headers.insert(
            DEAD_REASON_HEADER.into(),
            AMQPValue::LongString(reason.into()),
        );
        let properties = BasicProperties::default().with_headers(headers);
        let exchange = self.inner.topology.dead_letter_exchange();
        self.publish_with(&exchange, "", body, properties).await
    }

    async fn publish_with(
        &self,
        exchange: &str,
        routing_key: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<(), PublishError> {
        let channel = self.live_channel().ok_or(PublishError::Unavailable)?;
        let properties = properties
            .with_delivery_mode(PERSISTENT)
            .with_content_type("application/json".into());
        let options = BasicPublishOptions {
            // Unroutable messages come back to us instead of being dropped by the exchange.
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let started = std::time::Instant::now();
        let confirm = channel
            .basic_publish(
                exchange.into(),
                routing_key.into(),
                options,
                body,
                properties,
            )
            .await
            .map_err(|e| self.channel_failed(e))?;
        let confirmation = tokio::time::timeout(self.inner.confirm_timeout, confirm)
            .await
            .map_err(|_| {
                // A node that does not confirm in time (paused, overloaded, cut off from its
                // cluster's majority) is left for the next one; the message's fate is unknown,
                // and the caller's retry with the same key is the same event.
                self.inner.lost.notify_one();
                PublishError::ConfirmTimeout(self.inner.confirm_timeout)
            })?
            .map_err(|e| self.channel_failed(e))?;
        metrics::histogram!(PUBLISH_CONFIRM_SECONDS, "kind" => routing_key.to_owned())
            .record(started.elapsed().as_secs_f64());
        match confirmation {
            Confirmation::Ack(None) => Ok(()),
            Confirmation::Ack(Some(_returned)) => {
                Err(PublishError::Unroutable(routing_key.to_owned()))
            }
            Confirmation::Nack(_) | Confirmation::NotRequested => Err(PublishError::Nacked),
        }
    }

    fn live_channel(&self) -> Option<Channel> {
        let guard = self
            .inner
            .channel
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.as_ref().filter(|c| c.status().connected()).cloned()
    }

    fn channel_failed(&self, error: lapin::Error) -> PublishError {
        self.inner.lost.notify_one();
        PublishError::Broker(error)
    }
}

impl Inner {
    fn set_channel(&self, channel: Option<Channel>, node: Option<usize>) {
        *self
            .node
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = node;
        let mut guard = self
            .channel
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = channel;
    }
}

async fn supervise(inner: Arc<Inner>) {
    let closing = |inner: &Inner| inner.closing.load(Ordering::SeqCst);
    let mut backoff = RECONNECT_MIN_BACKOFF;
    let mut replacing = false;
    while !closing(&inner) {
        match open(&inner, replacing).await {
            Ok(link) => {
                let Link {
                    connection,
                    channel,
                    watch,
                    node,
                } = link;
                let node_name = inner.nodes.name(node).to_owned();
                if !closing(&inner) {
                    tracing::info!(node = %node_name, "connected to the broker; publishing with confirms");
                    backoff = RECONNECT_MIN_BACKOFF;
                    inner.set_channel(Some(channel.clone()), Some(node));
                    inner.lost.notified().await;
                    inner.set_channel(None, None);
                }
                // This connection has nothing more to say: its errors from here on are our
                // own closing of it.
                drop(watch);
                if closing(&inner) {
                    // The channel first: closing the connection under an open channel makes
                    // lapin report the channel's state as an error.
                    let _ = channel.close(200, "done".into()).await;
                    let _ = connection.close(200, "done".into()).await;
                    break;
                }
                tracing::warn!(node = %node_name, "lost the broker connection; reconnecting, to the next node first");
                inner.nodes.lost(node);
                replacing = true;
                // Best effort: the connection may already be gone.
                let _ = connection.close(320, "reconnecting".into()).await;
            }
            Err(error) => {
                if closing(&inner) {
                    break;
                }
                tracing::warn!(%error, retry_in = ?backoff, nodes = ?inner.nodes.names(), "cannot reach any broker node");
                // A close during the wait ends it at once.
                let _ = tokio::time::timeout(backoff, inner.lost.notified()).await;
                backoff = (backoff * 2).min(RECONNECT_MAX_BACKOFF);
            }
        }
    }
    inner.stopped.send_replace(true);
}

/// A live connection with its confirmed channel, and the watch that reports its failure.
struct Link {
    connection: Connection,
    channel: Channel,
    watch: ErrorWatch,
    /// The node it is to.
    node: usize,
}

async fn open(inner: &Arc<Inner>, replacing: bool) -> Result<Link, lapin::Error> {
    let NodeConnection { connection, node } = inner.nodes.connect(&inner.name, replacing).await?;
    match prepare(inner, connection, node).await {
        Ok(link) => Ok(link),
        Err(error) => {
            // A node that takes a connection but not the topology (a minority that lost its
            // quorum) is as good as gone: the next try starts at the next node.
            inner.nodes.lost(node);
            Err(error)
        }
    }
}

async fn prepare(
    inner: &Arc<Inner>,
    connection: Connection,
    node: usize,
) -> Result<Link, lapin::Error> {
    let weak = Arc::downgrade(inner);
    let watch = ErrorWatch::start(&connection, move |error| {
        let Some(inner) = weak.upgrade() else {
            return;
        };
        // Errors while closing on purpose are the close itself, not news.
        if !inner.closing.load(Ordering::SeqCst) {
            tracing::warn!(%error, "broker connection error");
        }
        inner.lost.notify_one();
    });
    let channel = connection.create_channel().await?;
    inner.topology.declare(&channel).await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    Ok(Link {
        connection,
        channel,
        watch,
        node,
    })
}
