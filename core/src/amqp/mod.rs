//! RabbitMQ: connecting with the tokio executor, and the topology both binaries declare.

mod connect;
mod error_watch;
mod nodes;
mod publisher;
mod topology;

pub use connect::connect;
pub use nodes::{node_name, BrokerNodes, NodeConnection};
pub use publisher::{PublishError, Publisher, DEAD_REASON_HEADER};
pub use topology::{Topology, DELIVERY_LIMIT};
