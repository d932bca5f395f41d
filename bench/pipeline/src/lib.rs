//! The pipeline benchmarks of cxrelay (issue 7): intake beside its HTTP ceiling and broker
//! floor, a backlog drain beside a one-event-per-transaction baseline, rate fidelity, and peak
//! memory. Each benchmark is a binary of this crate, run by its script (`scripts/bench-intake`,
//! `scripts/bench-drain`, `scripts/bench-rate`, `scripts/bench-memory`); this library holds what
//! they share. They are benchmarks, not tests: they print figures and assert nothing timed.

pub mod baseline;
pub mod bodies;
pub mod broker;
pub mod cpu;
pub mod database;
pub mod drain;
pub mod environment;
pub mod intake;
pub mod load;
pub mod machine;
pub mod pipeline;
pub mod processes;
pub mod rate;
pub mod report;
pub mod sim_calls;
