//! The vendors' published models as the judge of the simulator and of cxrelay: the fixtures
//! `scripts/refresh-contracts` writes from the official SDKs ([`fixture`]), a checker of JSON
//! values against them ([`check`]), the judgement of one request or answer ([`judge`]), and the
//! middlewares that refuse what the vendor refuses and record every departure from the models
//! ([`layers`]) in the [`ContractLog`], which the test harness fails a test on.

pub mod check;
pub mod fixture;
pub mod judge;
pub mod layers;

use std::sync::Mutex;

use crate::state::lock;

/// Every departure from the vendors' models the simulator saw, in order: a request cxrelay
/// sent that is not an operation, lacks a required field or has one the model lacks, and an
/// answer of the simulator that is not exactly its model or the vendor's error body.
#[derive(Debug, Default)]
pub struct ContractLog {
    findings: Mutex<Vec<String>>,
}

impl ContractLog {
    /// Adds `findings` (each also a WARN line: the demo's simulator log shows them).
    pub fn record(&self, findings: Vec<String>) {
        if findings.is_empty() {
            return;
        }
        for finding in &findings {
            tracing::warn!(%finding, "departure from the vendor's published model");
        }
        lock(&self.findings).extend(findings);
    }

    /// A copy of every finding so far.
    pub fn snapshot(&self) -> Vec<String> {
        lock(&self.findings).clone()
    }
}
