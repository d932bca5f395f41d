//! Property-based fuzzing of everything a request body or header goes through before it is an
//! event: the body decoder (JSON and form, with its depth and length limits), each kind's
//! parser, and the `Idempotency-Key` check. Properties: nothing panics; what is accepted keeps
//! the documented limits; what is refused names a field and a rule.
//!
//! `cargo test -p cxrelay-ingress --test fuzz` runs a few hundred cases per target (seconds);
//! `PROPTEST_CASES=200000 cargo test --release -p cxrelay-ingress --test fuzz` runs long.
//! A failure found is kept by proptest under `proptest-regressions/` (commit it) and becomes a
//! named test in `regressions.rs`.

#![allow(clippy::unwrap_used)]

mod decode;
mod form;
mod idempotency_key;
mod kinds;
mod limits;
mod regressions;
mod strategies;
