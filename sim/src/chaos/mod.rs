//! Standing chaos: a probabilistic profile per platform that answers a share of requests with
//! errors in the platform's shape and holds a share of answers past the client's timeout, until
//! it is ended. Where a one-shot fault (`/_sim/faults`) scripts one failure, chaos is weather:
//! "20 % 5xx and 5 % timeouts on Genesys", or `errorRate` 1 for a dead target.
//!
//! - [`scope`]: the platforms and the paths of each a profile covers;
//! - [`profile`]: the body of `POST /_sim/chaos`, checked;
//! - [`decision`]: the pure choice for one request, seeded for reproducible runs;
//! - [`book`]: the active profiles and their counts;
//! - [`routes`]: `GET`/`POST`/`DELETE /_sim/chaos`.
//!
//! The middleware applying it, after pending faults, is [`crate::injection::inject`].

pub mod book;
pub mod decision;
pub mod profile;
pub mod routes;
pub mod scope;

pub use book::{ChaosBook, ChaosCounts, ChaosView};
pub use decision::Decision;
pub use profile::{ChaosProfile, ChaosRequest, TimeoutMode};
pub use scope::{Platform, Scope};
