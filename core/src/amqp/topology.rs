//! Names and declaration of every exchange and queue; idempotent, run by both binaries at start.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

use crate::kinds::{EventKind, Target};

/// Deliveries of one message (each requeue or lost consumer counts) before RabbitMQ gives up and
/// dead-letters it: a message that crashes every worker that takes it must not loop forever.
pub const DELIVERY_LIMIT: i64 = 20;

/// Delay queues per configured retry delay: the delay itself and two steps either way within
/// the jitter (e.g. 0.8, 0.9, 1.0, 1.1 and 1.2 times it at ±20 %). A queue's messages all wait
/// the same time, so jitter is had by choosing among queues, never by a per-message TTL that
/// a longer message ahead in the same queue would hold up.
const JITTER_STEPS: [f64; 5] = [-1.0, -0.5, 0.0, 0.5, 1.0];

/// The names of cxrelay's exchanges and queues under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    prefix: String,
    /// Delay queues (retry tiers with their jitter steps), in milliseconds, shortest first.
    delays_ms: Vec<u64>,
}

impl Topology {
    /// The topology under `prefix` (`CXRELAY_AMQP__PREFIX`) with the default retry schedule.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            delays_ms: Vec::new(),
        }
        .with_delays(
            &crate::config::DEFAULT_RETRY_DELAYS_MS,
            crate::config::DEFAULT_RETRY_JITTER,
        )
    }

    /// The same names with delay queues for these retry delays, each spread by `jitter`.
    pub fn with_delays(mut self, delays_ms: &[u64], jitter: f64) -> Self {
        let mut delays: Vec<u64> = delays_ms
            .iter()
            .flat_map(|delay| {
                JITTER_STEPS.iter().map(move |step| {
                    // Rounded to whole milliseconds: queue names and TTLs are integers.
                    ((*delay as f64) * (1.0 + jitter * step)).round().max(1.0) as u64
                })
            })
            .collect();
        delays.sort_unstable();
        delays.dedup();
        self.delays_ms = delays;
        self
    }

    /// The prefix of every name.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Every delay queue's delay, shortest first.
    pub fn delays_ms(&self) -> &[u64] {
        &self.delays_ms
    }

    /// The delay queue to wait at least `delay_ms` in: the shortest that is long enough, or
    /// the longest there is.
    pub fn delay_at_least(&self, delay_ms: u64) -> u64 {
        self.delays_ms
            .iter()
            .copied()
            .find(|tier| *tier >= delay_ms)
            .or_else(|| self.delays_ms.last().copied())
            .unwrap_or(delay_ms)
    }

    /// Exchange of a retry tier: publish a message there with its kind as routing key, and it
    /// comes back to the events exchange under that key after `delay_ms`.
    pub fn delay_exchange(&self, delay_ms: u64) -> String {
        format!("{}.delay.{delay_ms}ms", self.prefix)
    }

    /// Queue of a retry tier, where messages wait out their delay.
    pub fn delay_queue(&self, delay_ms: u64) -> String {
        format!("{}.delay.{delay_ms}ms", self.prefix)
    }

    /// Exchange the ingress publishes to, routing by event kind.
    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    /// Work queue of one target system.
    pub fn work_queue(&self, target: Target) -> String {
        format!("{}.{}", self.prefix, target.as_str())
    }

    /// Queue of `cognigy.flow_run` turns: one active consumer at a time, so turns of a session
    /// are taken in the order they were accepted whatever the number of worker replicas.
    pub fn session_queue(&self) -> String {
        format!("{}.cognigy.sessions", self.prefix)
    }

    /// The queue an event of `kind` is routed to.
    pub fn queue_for(&self, kind: EventKind) -> String {
        match kind {
            EventKind::CognigyFlowRun => self.session_queue(),
            other => self.work_queue(other.target()),
        }
    }

    /// Exchange that receives what the work queues dead-letter.
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dead-letter", self.prefix)
    }

    /// Queue holding what could not be processed or recorded.
    pub fn dead_letter_queue(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    /// Every queue name, for clean-up by tests and operators.
    pub fn queues(&self) -> Vec<String> {
        let mut queues: Vec<String> = Target::ALL.iter().map(|t| self.work_queue(*t)).collect();
        queues.push(self.session_queue());
        queues.push(self.dead_letter_queue());
        queues.extend(self.delays_ms.iter().map(|d| self.delay_queue(*d)));
        queues
    }

    /// Every exchange name.
    pub fn exchanges(&self) -> Vec<String> {
        let mut exchanges = vec![self.events_exchange(), self.dead_letter_exchange()];
        exchanges.extend(self.delays_ms.iter().map(|d| self.delay_exchange(*d)));
        exchanges
    }

    /// Declares everything. Idempotent while the arguments stay the same; RabbitMQ refuses a
    /// re-declaration with other arguments (PRECONDITION_FAILED), which is the error we want.
    pub async fn declare(&self, channel: &Channel) -> Result<(), lapin::Error> {
        let durable_exchange = ExchangeDeclareOptions {
            // Survives a broker restart, as do the persistent messages routed through it.
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        // Direct: each kind's routing key is bound to exactly one target queue, so a kind with
        // no binding is unroutable and the mandatory publish reports it.
        channel
            .exchange_declare(
                self.events_exchange().into(),
                ExchangeKind::Direct,
                durable_exchange,
                FieldTable::default(),
            )
            .await?;
        // Fanout: whatever a work queue dead-letters lands in the one dead-letter queue,
        // whatever its routing key.
        channel
            .exchange_declare(
                self.dead_letter_exchange().into(),
                ExchangeKind::Fanout,
                durable_exchange,
                FieldTable::default(),
            )
            .await?;

        let durable_queue = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(
                self.dead_letter_queue().into(),
                durable_queue,
                quorum_args(),
            )
            .await?;
        channel
            .queue_bind(
                self.dead_letter_queue().into(),
                self.dead_letter_exchange().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        for target in Target::ALL {
            channel
                .queue_declare(
                    self.work_queue(target).into(),
                    durable_queue,
                    self.work_queue_args(),
                )
                .await?;
        }
        let mut session_args = self.work_queue_args();
        // One consumer at a time takes from this queue (the others stand by and take over if it
        // goes away): delivery order, hence acceptance order, is kept across replicas.
        session_args.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
        channel
            .queue_declare(self.session_queue().into(), durable_queue, session_args)
            .await?;
        for delay in &self.delays_ms {
            self.declare_delay_tier(channel, *delay).await?;
        }
        for kind in EventKind::ALL {
            channel
                .queue_bind(
                    self.queue_for(kind).into(),
                    self.events_exchange().into(),
                    kind.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }
}

impl Topology {
    /// A retry tier: a fanout exchange into a queue whose messages expire after `delay_ms` and
    /// are then dead-lettered, with their routing key (the kind), back to the events exchange.
    /// Messages wait in the broker, durably, not in a worker's memory.
    async fn declare_delay_tier(
        &self,
        channel: &Channel,
        delay_ms: u64,
    ) -> Result<(), lapin::Error> {
        let exchange = self.delay_exchange(delay_ms);
        let queue = self.delay_queue(delay_ms);
        channel
            .exchange_declare(
                exchange.as_str().into(),
                ExchangeKind::Fanout,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let mut args = quorum_args();
        // Every message of the tier waits the same time, so expiry at the head is exact.
        args.insert(
            "x-message-ttl".into(),
            AMQPValue::LongLongInt(i64::try_from(delay_ms).unwrap_or(i64::MAX)),
        );
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(self.events_exchange().into()),
        );
        // Expired messages move back to work only once the work queue confirmed them.
        args.insert(
            "x-dead-letter-strategy".into(),
            AMQPValue::LongString("at-least-once".into()),
        );
        args.insert(
            "x-overflow".into(),
            AMQPValue::LongString("reject-publish".into()),
        );
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                args,
            )
            .await?;
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
    }

    /// Arguments of a queue that holds work: quorum, dead-lettering safely, delivery-limited.
    fn work_queue_args(&self) -> FieldTable {
        let mut args = quorum_args();
        // Rejected and over-limit messages go to the dead-letter exchange, not to nowhere.
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(self.dead_letter_exchange().into()),
        );
        // At-least-once dead-lettering (RabbitMQ 3.10+): a message leaves the work queue only
        // once the dead-letter queue has confirmed it, so dead-lettering loses nothing.
        args.insert(
            "x-dead-letter-strategy".into(),
            AMQPValue::LongString("at-least-once".into()),
        );
        // Required by at-least-once dead-lettering; with no length limit set it never rejects
        // a publish.
        args.insert(
            "x-overflow".into(),
            AMQPValue::LongString("reject-publish".into()),
        );
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(DELIVERY_LIMIT),
        );
        args
    }
}

/// Quorum queues: replicated (Raft) on a cluster, durable, and able to count deliveries.
fn quorum_args() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_retry_delay_gets_five_jitter_steps_and_lookups_round_up() {
        let topology = Topology::new("t").with_delays(&[1_000, 5_000], 0.2);
        assert_eq!(
            topology.delays_ms(),
            &[800, 900, 1_000, 1_100, 1_200, 4_000, 4_500, 5_000, 5_500, 6_000]
        );
        assert_eq!(topology.delay_at_least(1), 800);
        assert_eq!(topology.delay_at_least(1_150), 1_200);
        assert_eq!(topology.delay_at_least(60_000), 6_000);
        let no_jitter = Topology::new("t").with_delays(&[1_000, 1_000], 0.0);
        assert_eq!(no_jitter.delays_ms(), &[1_000]);
    }

    #[test]
    fn every_name_carries_the_prefix() {
        let topology = Topology::new("t1");
        assert_eq!(topology.work_queue(Target::Genesys), "t1.genesys");
        assert_eq!(topology.events_exchange(), "t1.events");
        assert!(topology
            .queues()
            .iter()
            .chain(topology.exchanges().iter())
            .all(|name| name.starts_with("t1.")));
    }
}
