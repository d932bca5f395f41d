//! The simulator over HTTP, started in-process on port 0 as other crates' tests start it.

// Helpers outside `#[test]` functions are test code too: a panic there is the failure report.
#![allow(clippy::unwrap_used)]

mod analytics;
mod chaos;
mod chaos_rates;
mod chaos_timeouts;
mod cognigy_endpoint;
mod cognigy_helpers;
mod cognigy_management;
mod control;
mod conversations;
mod faults;
mod flows;
mod helpers;
mod messages;
mod oauth;
mod org_setup;
mod seeding;
mod triggers;
