//! RabbitMQ: connecting with the tokio executor, and the topology both binaries declare.

mod connect;
mod topology;

pub use connect::connect;
pub use topology::{Topology, DELIVERY_LIMIT};
