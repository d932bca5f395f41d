//! The operator commands of `cxrelay`, as a library so that tests drive them without a process.

pub mod genesys_trigger;
pub mod migrate;
