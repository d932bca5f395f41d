//! cxrelay's worker: consumes the work queues, carries each event out against Genesys (and, in
//! later work, Cognigy), recording every call in Postgres before making it and acking only after
//! the outcome is committed.

pub mod app;
pub mod attempt;
pub mod call;
pub mod cognigy;
pub mod consumer;
pub mod context;
pub mod crm;
pub mod genesys;
pub mod handlers;
pub mod outcome;
pub mod process;
pub mod record;
pub mod resolution;
pub mod sequencer;
pub mod sessions;
pub mod verdict;

pub use app::Worker;
