//! A simulator of the Genesys Cloud and NICE Cognigy.AI APIs as cxrelay calls them, served by
//! one listener and answering in the real shapes of `contracts.md`:
//!
//! - Genesys ([`genesys`]): the OAuth client-credentials grant on the login host; on the API
//!   host (bearer token required) flow executions, conversations and queue transfers,
//!   messaging (to a queue and agentless), conversation analytics with a configurable lag,
//!   and Process Automation triggers. Errors are Genesys error bodies, and every `/api/v2`
//!   answer carries `ININ-Correlation-Id` and the `inin-ratelimit-*` headers.
//! - Cognigy ([`cognigy`]): the Endpoint host (`POST /endpoint/{URLToken}`, an echoing
//!   Flow that remembers each session's inputs in order) and the management API under
//!   `/new/v2.0` (`X-API-Key` required): Endpoints, Snapshots, notify/inject and transcripts.
//!   Errors are RFC 7807 style problems.
//!
//! Tests start it in-process with [`start`] on port 0, seed state through the `/_sim/genesys`
//! and `/_sim/cognigy` routes (or [`SimConfig::seed`], or `cxrelay-sim --seed <file>`), read
//! what cxrelay sent with [`RunningSim::calls`] (or `GET /_sim/calls`: each call with its
//! arrival time in milliseconds and the status answered, URLTokens and API keys redacted) and
//! provoke failures through the `/_sim` control routes: expired tokens; one-shot faults
//! ([`faults`]: the next N requests to a path or under a prefix answer an error status, late
//! or both); standing chaos ([`chaos`]: a share of a platform's requests answer errors or time
//! out, seeded for reproducible runs, until ended; `errorRate` 1 is a dead target); and the
//! analytics lag (`POST /_sim/settings`). Injected errors take the shape of the platform the
//! path belongs to ([`injection`]). `sim/README.md` lists every route with a curl example.

pub mod app;
pub mod call_log;
pub mod chaos;
pub mod cognigy;
pub mod contract;
pub mod control;
pub mod faults;
pub mod genesys;
pub mod holds;
pub mod injection;
pub mod recording;
pub mod redaction;
pub mod runtime_settings;
pub mod seed;
pub mod state;
pub mod timestamps;
pub mod tokens;

pub use app::{router, run_until_stopped, start, RunningSim};
pub use faults::FaultSpec;
pub use recording::RecordedCall;
pub use seed::Seed;
pub use state::{SimConfig, SimState, DEFAULT_COGNIGY_API_KEY};
