//! `cxrelay probe <url>`: one GET, success on a 2xx answer. The container image has no curl or
//! shell; Compose health checks run this instead (`cxrelay probe http://127.0.0.1:8081/healthz`).

use std::time::Duration;

use anyhow::{bail, Context};

/// Longest a probe waits for the answer: a health check must answer at once.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// GETs `url`; an error when it does not answer 2xx within [`TIMEOUT`].
pub async fn run(url: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .context("cannot build the HTTP client")?;
    let response = http
        .get(url)
        .send()
        .await
        .with_context(|| format!("no answer from {url}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("{url} answered {status}");
    }
    Ok(())
}
