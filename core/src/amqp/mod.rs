//! RabbitMQ: connecting with the tokio executor, and the topology both binaries declare.

mod connect;
mod publisher;
mod topology;

pub use connect::connect;
pub use publisher::{PublishError, Publisher};
pub use topology::{Topology, DELIVERY_LIMIT};
