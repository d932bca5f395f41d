//! Genesys Cloud: OAuth tokens, the authenticated JSON call, and the operations cxrelay uses.

mod client;
mod flows;
mod token;

pub use client::GenesysClient;
pub use flows::{execution_request, LAUNCH_FLOW};
pub use token::{AccessToken, TokenError, TokenProvider};
