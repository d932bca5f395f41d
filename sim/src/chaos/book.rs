//! The active chaos profiles, one per platform, each with its random source and what it did.

use std::collections::BTreeMap;
use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

use super::decision::{decide, Decision};
use super::profile::ChaosProfile;
use super::scope::{platform_of, Platform, Scope};
use crate::state::lock;

/// How many requests a profile decided, by outcome.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChaosCounts {
    /// Answered with an error.
    pub errors: u64,
    /// Held (timeouts).
    pub timeouts: u64,
    /// Left to the platform.
    pub passed: u64,
}

/// An active profile as `GET /_sim/chaos` shows it.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct ChaosView {
    /// The profile.
    #[serde(flatten)]
    pub profile: ChaosProfile,
    /// What it did so far.
    pub counts: ChaosCounts,
}

#[derive(Debug)]
struct Active {
    profile: ChaosProfile,
    rng: StdRng,
    counts: ChaosCounts,
}

/// The active profiles. One lock around all of them: a decision is one draw and one count, so
/// the lock is short, and it serializes draws, which is what makes a seeded sequence a
/// sequence.
#[derive(Debug, Default)]
pub struct ChaosBook {
    active: Mutex<BTreeMap<Platform, Active>>,
}

impl ChaosBook {
    /// Makes `profile` the active one of every platform in `scope`, replacing what was there
    /// (its counts start at zero, its seed from the start). With `all`, each platform gets its
    /// own source from the same seed, so one platform's traffic does not shift the other's
    /// sequence.
    pub fn set(&self, scope: Scope, profile: &ChaosProfile) {
        let mut active = lock(&self.active);
        for platform in scope.platforms() {
            let rng = match profile.seed {
                Some(seed) => StdRng::seed_from_u64(seed),
                None => StdRng::from_entropy(),
            };
            let entry = Active {
                profile: profile.clone(),
                rng,
                counts: ChaosCounts::default(),
            };
            active.insert(*platform, entry);
        }
    }

    /// Ends the profiles of `scope`.
    pub fn clear(&self, scope: Scope) {
        let mut active = lock(&self.active);
        for platform in scope.platforms() {
            active.remove(platform);
        }
    }

    /// The active profiles with their counts, by platform.
    pub fn active(&self) -> BTreeMap<Platform, ChaosView> {
        lock(&self.active)
            .iter()
            .map(|(platform, active)| {
                let view = ChaosView {
                    profile: active.profile.clone(),
                    counts: active.counts,
                };
                (*platform, view)
            })
            .collect()
    }

    /// The decision for a request to `path`, counted; `None` when no active profile covers it.
    pub fn draw(&self, path: &str) -> Option<Decision> {
        let (platform, login) = platform_of(path)?;
        let mut active = lock(&self.active);
        let active = active.get_mut(&platform)?;
        if login && !active.profile.include_login {
            return None;
        }
        let decision = decide(&active.profile, &mut active.rng);
        let counter = match decision {
            Decision::Error { .. } => &mut active.counts.errors,
            Decision::Timeout { .. } => &mut active.counts.timeouts,
            Decision::Pass => &mut active.counts.passed,
        };
        *counter += 1;
        Some(decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::profile::TimeoutMode;
    use crate::chaos::scope::LOGIN_PATH;

    fn outage() -> ChaosProfile {
        ChaosProfile {
            error_rate: 1.0,
            error_statuses: vec![503],
            retry_after_secs: None,
            timeout_rate: 0.0,
            timeout_ms: 0,
            timeout_mode: TimeoutMode::AnswerLost,
            include_login: false,
            seed: Some(1),
        }
    }

    fn is_error(decision: Option<Decision>) -> bool {
        matches!(decision, Some(Decision::Error { .. }))
    }

    #[test]
    fn a_genesys_profile_covers_the_api_host_but_not_login_cognigy_or_other_paths() {
        let book = ChaosBook::default();
        book.set(Scope::Genesys, &outage());
        assert!(is_error(book.draw("/api/v2/flows/executions")));
        assert!(is_error(book.draw("/api/v2/nope")));
        assert_eq!(book.draw(LOGIN_PATH), None);
        assert_eq!(book.draw("/endpoint/token"), None);
        assert_eq!(book.draw("/somewhere"), None);
        assert_eq!(book.active()[&Platform::Genesys].counts.errors, 2);
    }

    #[test]
    fn include_login_puts_the_token_route_in_scope() {
        let book = ChaosBook::default();
        book.set(
            Scope::Genesys,
            &ChaosProfile {
                include_login: true,
                ..outage()
            },
        );
        assert!(is_error(book.draw(LOGIN_PATH)));
    }

    #[test]
    fn all_sets_both_platforms_and_clearing_one_leaves_the_other() {
        let book = ChaosBook::default();
        book.set(Scope::All, &outage());
        assert!(is_error(book.draw("/endpoint/token")));
        assert!(is_error(book.draw("/new/v2.0/snapshots")));
        book.clear(Scope::Genesys);
        assert_eq!(book.draw("/api/v2/flows/executions"), None);
        assert!(is_error(book.draw("/endpoint/token")));
        assert_eq!(book.active().len(), 1);
        book.clear(Scope::All);
        assert!(book.active().is_empty());
    }

    #[test]
    fn setting_a_profile_again_restarts_its_counts_and_its_seeded_sequence() {
        let book = ChaosBook::default();
        let half = ChaosProfile {
            error_rate: 0.5,
            ..outage()
        };
        book.set(Scope::Genesys, &half);
        let first: Vec<_> = (0..50).map(|_| book.draw("/api/v2/x")).collect();
        book.set(Scope::Genesys, &half);
        assert_eq!(
            book.active()[&Platform::Genesys].counts,
            ChaosCounts::default()
        );
        let second: Vec<_> = (0..50).map(|_| book.draw("/api/v2/x")).collect();
        assert_eq!(first, second);
    }
}
