//! The vendors' published models as the judge of every test: a test whose pipeline sent the
//! simulator a request that is not an operation of the vendor's API, lacks a required field or
//! has one the model lacks, or got an answer that is not exactly its model, fails when its
//! pipeline is dropped (the simulator's [`cxrelay_sim::contract`] layers found them).

use cxrelay_sim::RunningSim;

/// Panics listing every departure the simulator saw, unless the test is failing already (a
/// second panic would abort the test binary and hide the first).
pub fn assert_no_departures(sim: &RunningSim) {
    if std::thread::panicking() {
        return;
    }
    let findings = sim.contract_findings();
    assert!(
        findings.is_empty(),
        "the simulator saw {} departure(s) from the vendors' published models \
         (sim/contracts, scripts/refresh-contracts):\n{}",
        findings.len(),
        findings.join("\n")
    );
}
