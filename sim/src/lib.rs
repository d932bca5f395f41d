//! A simulator of the Genesys Cloud API as cxrelay calls it: the OAuth client-credentials grant
//! on the login host and the flow-execution routes on the API host, served by one listener and
//! answering in the real shapes of `contracts.md`.
//!
//! Tests start it in-process with [`start`] on port 0, read what cxrelay sent with
//! [`RunningSim::calls`] (or `GET /_sim/calls`) and provoke failures through the `/_sim` control
//! routes: expired tokens, injected error statuses and slow answers.
//!
//! Each simulated platform is one module of routes over the shared [`SimState`]; Cognigy will
//! be a sibling of [`genesys`].

pub mod app;
pub mod control;
pub mod faults;
pub mod genesys;
pub mod recording;
pub mod state;
pub mod tokens;

pub use app::{router, run_until_stopped, start, RunningSim};
pub use faults::FaultSpec;
pub use recording::RecordedCall;
pub use state::{SimConfig, SimState};
