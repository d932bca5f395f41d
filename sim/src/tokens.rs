//! OAuth access tokens the simulated login host has issued, with their expiry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::state::lock;

/// What an API call's bearer token is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    /// Issued here and not yet expired.
    Valid,
    /// Issued here, but its lifetime is over (or `/_sim/tokens/expire` ended it).
    Expired,
    /// Never issued here.
    Unknown,
}

/// Issued tokens. Expired ones stay known, so a call with one is told `bad.credentials` (refresh)
/// rather than `authentication.required` (a token that never existed).
#[derive(Debug, Default)]
pub struct TokenStore {
    expiries: Mutex<HashMap<String, Instant>>,
}

impl TokenStore {
    /// Issues a new random token that expires after `expires_in`.
    pub fn issue(&self, expires_in: Duration) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let expires_at = Instant::now() + expires_in;
        lock(&self.expiries).insert(token.clone(), expires_at);
        token
    }

    /// Whether `token` was issued here and is still valid.
    pub fn check(&self, token: &str) -> TokenStatus {
        match lock(&self.expiries).get(token) {
            Some(expires_at) if Instant::now() < *expires_at => TokenStatus::Valid,
            Some(_) => TokenStatus::Expired,
            None => TokenStatus::Unknown,
        }
    }

    /// Ends the lifetime of every token issued so far; tokens issued later are unaffected.
    pub fn expire_all(&self) {
        let now = Instant::now();
        for expires_at in lock(&self.expiries).values_mut() {
            *expires_at = (*expires_at).min(now);
        }
    }

    /// Every token issued so far, expired ones included: what a test looks for where no token
    /// may appear (cxrelay's logs and tables).
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.expiries).keys().cloned().collect()
    }

    /// How many tokens have been issued.
    pub fn issued(&self) -> usize {
        lock(&self.expiries).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_is_valid_until_expired_and_then_stays_known() {
        let store = TokenStore::default();
        let token = store.issue(Duration::from_secs(60));
        assert_eq!(store.check(&token), TokenStatus::Valid);
        store.expire_all();
        assert_eq!(store.check(&token), TokenStatus::Expired);
        assert_eq!(store.check("never-issued"), TokenStatus::Unknown);
        let fresh = store.issue(Duration::from_secs(60));
        assert_eq!(store.check(&fresh), TokenStatus::Valid);
        assert_eq!(store.issued(), 2);
        let mut issued = store.issued_tokens();
        issued.sort();
        let mut expected = vec![token, fresh];
        expected.sort();
        assert_eq!(issued, expected);
    }

    #[test]
    fn a_zero_lifetime_token_is_born_expired() {
        let store = TokenStore::default();
        let token = store.issue(Duration::ZERO);
        assert_eq!(store.check(&token), TokenStatus::Expired);
    }
}
