//! Fault tests: the real `cxrelay-ingress` and `cxrelay-worker` binaries as processes on the
//! real broker and database, killed, stopped and cut off while they work. One pipeline runs at
//! a time (`ProcessPipeline::start` waits for its turn); `scripts/test` builds the binaries.

mod breaker;
mod broker_cut;
mod chaos;
mod database_cut;
mod rate;
mod secrets;
mod sigkill;
mod sigterm;
mod smoke;
