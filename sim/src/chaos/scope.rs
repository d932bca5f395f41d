//! Which requests a chaos profile covers: the platforms, and the paths of each.

use serde::Serialize;

use crate::cognigy::is_cognigy_path;
use crate::genesys::headers::is_api_path;

/// The Genesys login host's only route; in a profile's scope only with `includeLogin`: a
/// failing login exercises another path of the relay (token refresh) than failing calls do,
/// so a test asks for it on purpose.
pub const LOGIN_PATH: &str = "/oauth/token";

/// Which platform a profile is for.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// The Genesys API host (`/api/v2...`), and its login host when a profile includes it.
    Genesys,
    /// The Cognigy Endpoint host (`/endpoint/...`) and management API (`/new/v2.0...`).
    Cognigy,
}

/// The platforms a request or a `DELETE` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Only Genesys.
    Genesys,
    /// Only Cognigy.
    Cognigy,
    /// Both.
    All,
}

impl Scope {
    /// `genesys`, `cognigy` or `all` (any case); the error names the field.
    pub fn parse(scope: &str) -> Result<Self, String> {
        match scope.to_ascii_lowercase().as_str() {
            "genesys" => Ok(Self::Genesys),
            "cognigy" => Ok(Self::Cognigy),
            "all" => Ok(Self::All),
            _ => Err(format!(
                "scope must be genesys, cognigy or all, got {scope:?}"
            )),
        }
    }

    /// The platforms in scope.
    pub fn platforms(self) -> &'static [Platform] {
        match self {
            Self::Genesys => &[Platform::Genesys],
            Self::Cognigy => &[Platform::Cognigy],
            Self::All => &[Platform::Genesys, Platform::Cognigy],
        }
    }
}

/// The platform a path belongs to, and whether it is the login host.
pub fn platform_of(path: &str) -> Option<(Platform, bool)> {
    if is_api_path(path) {
        Some((Platform::Genesys, false))
    } else if path == LOGIN_PATH {
        Some((Platform::Genesys, true))
    } else if is_cognigy_path(path) {
        Some((Platform::Cognigy, false))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_host_has_its_platform_and_control_routes_have_none() {
        assert_eq!(platform_of("/api/v2/x"), Some((Platform::Genesys, false)));
        assert_eq!(platform_of(LOGIN_PATH), Some((Platform::Genesys, true)));
        assert_eq!(
            platform_of("/endpoint/tok"),
            Some((Platform::Cognigy, false))
        );
        assert_eq!(
            platform_of("/new/v2.0/snapshots"),
            Some((Platform::Cognigy, false))
        );
        assert_eq!(platform_of("/_sim/calls"), None);
        assert_eq!(platform_of("/healthz"), None);
    }

    #[test]
    fn a_scope_is_read_in_any_case_and_an_unknown_one_is_named() {
        assert_eq!(Scope::parse("Cognigy"), Ok(Scope::Cognigy));
        assert!(Scope::parse("both").unwrap_err().contains("scope"));
    }
}
