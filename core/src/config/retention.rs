//! Retention settings (`CXRELAY_RETENTION__*`): how long the call history and the events are
//! kept, and how often the worker enforces it.

use serde::Deserialize;

use super::ConfigError;

/// How long rows are kept. `attempts` and `audit_log` go a whole day's partition at a time, so
/// a row is removed between `*_days` and `*_days + 1` days after it was written.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RetentionSettings {
    /// Days an attempt row (one downstream call) is kept.
    pub attempts_days: u32,
    /// Days an audit row is kept.
    pub audit_days: u32,
    /// Days an event in a final state (succeeded, dead, expired) is kept after it finished.
    /// Events not final are never removed. At least `attempts_days`: an event outlives its
    /// calls, since each attempt row refers to its event.
    pub events_days: u32,
    /// Seconds between the worker's retention passes (the first runs when the worker starts).
    pub interval_secs: u64,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            attempts_days: 30,
            audit_days: 30,
            events_days: 90,
            interval_secs: 3_600,
        }
    }
}

impl RetentionSettings {
    /// Checks the settings; the error names the setting.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (key, days) in [
            ("retention.attempts_days", self.attempts_days),
            ("retention.audit_days", self.audit_days),
            ("retention.events_days", self.events_days),
        ] {
            if days == 0 {
                return Err(ConfigError::invalid(key, "must be at least 1 day"));
            }
        }
        if self.events_days < self.attempts_days {
            return Err(ConfigError::invalid(
                "retention.events_days",
                format!(
                    "must be at least retention.attempts_days ({}): an event outlives its attempts",
                    self.attempts_days
                ),
            ));
        }
        if self.interval_secs == 0 {
            return Err(ConfigError::invalid(
                "retention.interval_secs",
                "must be at least 1 second",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
// figment's Jail fixes the closure's error type; its size is not ours to choose.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn each_retention_comes_from_its_environment_variable() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CXRELAY_RETENTION__ATTEMPTS_DAYS", "7");
            jail.set_env("CXRELAY_RETENTION__AUDIT_DAYS", "14");
            jail.set_env("CXRELAY_RETENTION__EVENTS_DAYS", "21");
            jail.set_env("CXRELAY_RETENTION__INTERVAL_SECS", "600");
            let settings = crate::config::load(None).unwrap().retention;
            assert_eq!(
                settings,
                RetentionSettings {
                    attempts_days: 7,
                    audit_days: 14,
                    events_days: 21,
                    interval_secs: 600,
                }
            );
            Ok(())
        });
    }

    #[test]
    fn the_defaults_keep_calls_30_days_and_final_events_90() {
        let settings = RetentionSettings::default();
        assert_eq!(settings.attempts_days, 30);
        assert_eq!(settings.audit_days, 30);
        assert_eq!(settings.events_days, 90);
        assert!(settings.check().is_ok());
    }

    #[test]
    fn events_may_not_go_before_their_attempts() {
        let settings = RetentionSettings {
            events_days: 7,
            ..RetentionSettings::default()
        };
        let err = settings.check().unwrap_err();
        assert_eq!(err.env, "CXRELAY_RETENTION__EVENTS_DAYS");
    }

    #[test]
    fn a_retention_of_zero_days_is_refused() {
        let settings = RetentionSettings {
            audit_days: 0,
            ..RetentionSettings::default()
        };
        assert_eq!(
            settings.check().unwrap_err().env,
            "CXRELAY_RETENTION__AUDIT_DAYS"
        );
    }
}
