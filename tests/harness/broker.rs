//! The test's view of RabbitMQ: queue depths and clean-up of its prefix.

use cxrelay_core::amqp::Topology;
use lapin::options::{ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use secrecy::SecretString;

/// AMQP's port, for a broker URL that names none.
pub const DEFAULT_PORT: u16 = 5672;

/// The broker URL; `scripts/test` sets it.
pub fn amqp_url() -> String {
    std::env::var("CXRELAY_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// Messages ready in `queue` (passive declare: never creates it).
pub async fn queue_depth(queue: &str) -> u32 {
    let connection = cxrelay_core::amqp::connect(&SecretString::from(amqp_url()), "cxrelay-test")
        .await
        .expect("connect to RabbitMQ with CXRELAY_TEST_AMQP_URL");
    let channel = connection.create_channel().await.expect("open a channel");
    let options = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let queue = channel
        .queue_declare(queue.into(), options, FieldTable::default())
        .await
        .expect("the queue exists");
    let _ = connection.close(200, "done".into()).await;
    queue.message_count()
}

/// Deletes every queue and exchange of `topology`.
pub async fn delete_topology(topology: &Topology) {
    let Ok(connection) =
        cxrelay_core::amqp::connect(&SecretString::from(amqp_url()), "cxrelay-test-cleanup").await
    else {
        return;
    };
    if let Ok(channel) = connection.create_channel().await {
        for queue in topology.queues() {
            let _ = channel
                .queue_delete(queue.into(), QueueDeleteOptions::default())
                .await;
        }
        for exchange in topology.exchanges() {
            let _ = channel
                .exchange_delete(exchange.into(), ExchangeDeleteOptions::default())
                .await;
        }
    }
    let _ = connection.close(200, "done".into()).await;
}

/// Takes every message out of `queue` and returns the event ids they carry, in queue order.
pub async fn drain_event_ids(queue: &str) -> Vec<String> {
    drain_envelopes(queue)
        .await
        .into_iter()
        .map(|envelope| envelope.event_id.to_string())
        .collect()
}

/// Takes every message out of `queue` and returns the envelopes they carry, in queue order.
/// Consumes rather than gets: the session queue (single active consumer) refuses `basic.get`.
pub async fn drain_envelopes(queue: &str) -> Vec<cxrelay_core::envelope::EventEnvelope> {
    use futures::StreamExt;
    use lapin::options::{BasicAckOptions, BasicCancelOptions, BasicConsumeOptions};
    let ready = queue_depth(queue).await as usize;
    let connection = cxrelay_core::amqp::connect(&SecretString::from(amqp_url()), "cxrelay-test")
        .await
        .expect("connect to RabbitMQ with CXRELAY_TEST_AMQP_URL");
    let channel = connection.create_channel().await.expect("open a channel");
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "cxrelay-test-drain".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("basic.consume");
    let mut envelopes = Vec::new();
    while envelopes.len() < ready {
        let delivery = tokio::time::timeout(crate::app::PATIENCE, consumer.next())
            .await
            .expect("the ready messages are delivered")
            .expect("the consumer is open")
            .expect("a delivery");
        let envelope = cxrelay_core::envelope::QueueMessage::from_bytes(&delivery.data)
            .expect("a queued message decodes")
            .into_envelope();
        envelopes.push(envelope);
        delivery.ack(BasicAckOptions::default()).await.expect("ack");
    }
    let _ = channel
        .basic_cancel("cxrelay-test-drain".into(), BasicCancelOptions::default())
        .await;
    let _ = connection.close(200, "done".into()).await;
    envelopes
}

/// Puts `envelope` straight into `queue` (persistent), as a broker redelivery would bring it
/// back: for tests of what a second delivery of an event does.
pub async fn publish_envelope(queue: &str, envelope: cxrelay_core::envelope::EventEnvelope) {
    use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
    use lapin::BasicProperties;
    let connection = cxrelay_core::amqp::connect(&SecretString::from(amqp_url()), "cxrelay-test")
        .await
        .expect("connect to RabbitMQ with CXRELAY_TEST_AMQP_URL");
    let channel = connection.create_channel().await.expect("open a channel");
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .expect("confirm mode");
    let message_id = envelope.event_id.to_string();
    let body = cxrelay_core::envelope::QueueMessage::current(envelope).to_bytes();
    let properties = BasicProperties::default()
        .with_delivery_mode(2)
        .with_message_id(message_id.into());
    channel
        .basic_publish(
            "".into(),
            queue.into(),
            BasicPublishOptions::default(),
            &body,
            properties,
        )
        .await
        .expect("basic.publish")
        .await
        .expect("the broker confirms");
    let _ = connection.close(200, "done".into()).await;
}
