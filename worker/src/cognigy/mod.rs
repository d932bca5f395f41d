//! Cognigy.AI: Endpoint turns (the Flow), the management API (Endpoints, notify), and the
//! cached "is this Endpoint live on that snapshot" answer.

mod client;
mod endpoint_status;

pub use client::{CognigyClient, CHECK_ENDPOINT, NOTIFY, RUN_TURN};
pub use endpoint_status::{EndpointStatus, EndpointStatusCache};
