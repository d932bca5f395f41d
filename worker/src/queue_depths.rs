//! Queue depths as metrics: how much work waits in each work queue, in the delay queues (the
//! retry backlog) and in the dead-letter queue, read from the broker every few seconds.

use std::time::Duration;

use cxrelay_core::amqp::{self, Topology};
use cxrelay_core::metrics::QUEUE_DEPTH;

use crate::broker_link::BrokerLink;
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use secrecy::SecretString;
use tokio::sync::watch;

/// How often depths are read: often enough for a dashboard, rare enough to cost the broker
/// nothing (one passive declare per queue).
const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Reads every queue's depth into `cxrelay_queue_depth{queue}` until `stop` fires; the delay
/// queues are summed under `queue="<prefix>.delay"` as well. A broker that cannot be reached
/// is tried again at the next tick. Nothing is read until every consumer is `connected`, which
/// it is once it has declared the topology: a passive declare of a queue not declared yet is
/// refused by the broker (`NOT_FOUND`), which lapin reports as an error of the channel.
pub async fn poll(
    url: SecretString,
    topology: Topology,
    connected: Vec<BrokerLink>,
    mut stop: watch::Receiver<()>,
) {
    let mut ticker = tokio::time::interval(POLL_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connection: Option<lapin::Connection> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => return,
        }
        if !connected.iter().all(BrokerLink::is_up) {
            continue;
        }
        if !connection.as_ref().is_some_and(|c| c.status().connected()) {
            connection = amqp::connect(&url, "cxrelay-worker-depths").await.ok();
        }
        let Some(conn) = &connection else {
            continue;
        };
        if let Err(error) = read_depths(conn, &topology).await {
            tracing::debug!(%error, "cannot read queue depths");
            connection = None;
        }
    }
}

async fn read_depths(
    connection: &lapin::Connection,
    topology: &Topology,
) -> Result<(), lapin::Error> {
    let channel = connection.create_channel().await?;
    let passive = QueueDeclareOptions {
        // Only asks: a queue that does not exist (yet) is an error, never created here.
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let delay_queues: Vec<String> = topology
        .delays_ms()
        .iter()
        .map(|delay| topology.delay_queue(*delay))
        .collect();
    let mut delayed = 0_u64;
    for queue in topology.queues() {
        let declared = channel
            .queue_declare(queue.as_str().into(), passive, FieldTable::default())
            .await?;
        let depth = declared.message_count();
        if delay_queues.contains(&queue) {
            delayed += u64::from(depth);
        }
        metrics::gauge!(QUEUE_DEPTH, "queue" => queue).set(f64::from(depth));
    }
    metrics::gauge!(QUEUE_DEPTH, "queue" => format!("{}.delay", topology.prefix()))
        .set(delayed as f64);
    let _ = channel.close(200, "depths read".into()).await;
    Ok(())
}
