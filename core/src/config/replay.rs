//! Settings of replays (`CXRELAY_REPLAY__*`), used by `cxrelay replay` and by the admin API.

use serde::Deserialize;

use super::ConfigError;

/// How fast replayed events go back to the queues.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ReplaySettings {
    /// Events put back per second when the operator names no rate. About the Genesys API's
    /// default rate: a replay then neither floods the work queue ahead of live events nor
    /// outruns what the workers can carry out.
    pub rate_per_sec: u32,
    /// The highest rate an operator may ask for (`--rate`, `ratePerSec`).
    pub max_rate_per_sec: u32,
    /// Events a dry run lists as its sample.
    pub sample_size: u32,
}

impl Default for ReplaySettings {
    fn default() -> Self {
        Self {
            rate_per_sec: 5,
            max_rate_per_sec: 500,
            sample_size: 10,
        }
    }
}

impl ReplaySettings {
    /// Checks the settings; the error names the setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.max_rate_per_sec == 0 {
            return Err(ConfigError::invalid(
                "replay.max_rate_per_sec",
                "must be at least 1",
            ));
        }
        if self.rate_per_sec == 0 || self.rate_per_sec > self.max_rate_per_sec {
            return Err(ConfigError::invalid(
                "replay.rate_per_sec",
                "must be from 1 to replay.max_rate_per_sec",
            ));
        }
        Ok(())
    }
}
