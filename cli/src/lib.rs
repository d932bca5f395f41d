//! The operator commands of `cxrelay`, as a library so that tests drive them without a process.

pub mod check;
pub mod dead_letters;
pub mod genesys_trigger;
pub mod migrate;
pub mod probe;
pub mod progress;
pub mod replay;
pub mod retention;
pub mod selection_args;
pub mod table;
