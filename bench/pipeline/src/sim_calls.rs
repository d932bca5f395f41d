//! The simulator's call log (`GET /_sim/calls`), read for the times the worker called Genesys.

use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The path of the call each fallback makes: launching the workflow.
pub const FLOW_LAUNCH_PATH: &str = "/api/v2/flows/executions";

/// The fields of a recorded call the benchmarks read.
#[derive(Debug, Deserialize)]
struct Call {
    method: String,
    path: String,
    at: DateTime<Utc>,
}

/// When each flow launch arrived at the simulator at `sim_url`, in arrival order.
pub async fn flow_launch_times(
    http: &reqwest::Client,
    sim_url: &str,
) -> anyhow::Result<Vec<DateTime<Utc>>> {
    let calls: Vec<Call> = http
        .get(format!("{sim_url}/_sim/calls"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(calls
        .into_iter()
        .filter(|call| call.method == "POST" && call.path == FLOW_LAUNCH_PATH)
        .map(|call| call.at)
        .collect())
}

/// Forgets the simulator's recorded calls (`DELETE /_sim/calls`), so a long drain does not
/// fill its memory.
pub async fn clear(http: &reqwest::Client, sim_url: &str) -> anyhow::Result<()> {
    http.delete(format!("{sim_url}/_sim/calls"))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}
