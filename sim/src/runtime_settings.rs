//! Settings a test may change while the simulator runs (`GET`/`POST /_sim/settings`).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::state::lock;

/// The settings as `/_sim/settings` shows and takes them; absent fields stay unchanged.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SettingsPatch {
    /// How long after a conversation's end analytics starts to know it, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics_lag_ms: Option<u64>,
    /// Permissions the OAuth client's role lacks: every Genesys call needing one of them is
    /// answered 403 `missing.permissions` ([`crate::genesys::permissions`]). A patch replaces
    /// the whole list; `[]` gives the role every permission again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_permissions: Option<BTreeSet<String>>,
}

/// The live settings.
#[derive(Debug, Default)]
pub struct RuntimeSettings {
    analytics_lag_ms: AtomicU64,
    missing_permissions: Mutex<BTreeSet<String>>,
}

impl RuntimeSettings {
    /// Settings starting from the configured analytics lag.
    pub fn new(analytics_lag_ms: u64) -> Self {
        Self {
            analytics_lag_ms: AtomicU64::new(analytics_lag_ms),
            missing_permissions: Mutex::default(),
        }
    }

    /// The analytics lag now in force.
    pub fn analytics_lag(&self) -> Duration {
        Duration::from_millis(self.analytics_lag_ms.load(Ordering::Relaxed))
    }

    /// Whether the OAuth client's role lacks `permission`.
    pub fn lacks_permission(&self, permission: &str) -> bool {
        lock(&self.missing_permissions).contains(permission)
    }

    /// Applies the fields `patch` sets.
    pub fn apply(&self, patch: &SettingsPatch) {
        if let Some(lag) = patch.analytics_lag_ms {
            self.analytics_lag_ms.store(lag, Ordering::Relaxed);
        }
        if let Some(missing) = &patch.missing_permissions {
            *lock(&self.missing_permissions) = missing.clone();
        }
    }

    /// Every setting, as `GET /_sim/settings` answers.
    pub fn current(&self) -> SettingsPatch {
        SettingsPatch {
            analytics_lag_ms: Some(self.analytics_lag_ms.load(Ordering::Relaxed)),
            missing_permissions: Some(lock(&self.missing_permissions).clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let settings = RuntimeSettings::new(250);
        settings.apply(&SettingsPatch::default());
        assert_eq!(settings.analytics_lag(), Duration::from_millis(250));
        settings.apply(&SettingsPatch {
            analytics_lag_ms: Some(0),
            ..SettingsPatch::default()
        });
        assert_eq!(settings.current().analytics_lag_ms, Some(0));
        assert!(!settings.lacks_permission("routing:queue:view"));
        settings.apply(&SettingsPatch {
            missing_permissions: Some(["routing:queue:view".to_owned()].into()),
            ..SettingsPatch::default()
        });
        assert!(settings.lacks_permission("routing:queue:view"));
        assert_eq!(settings.current().analytics_lag_ms, Some(0));
    }
}
