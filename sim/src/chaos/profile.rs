//! A chaos profile as `POST /_sim/chaos` takes it, parsed into what the simulator applies; the
//! error of a body that does not fit names the field to fix.

use serde::{Deserialize, Serialize};

use super::scope::Scope;

/// Statuses a chaos error answers with when the body names none: the 5xx a gateway in front
/// of either platform answers when the service behind it fails.
pub const DEFAULT_ERROR_STATUSES: [u16; 4] = [500, 502, 503, 504];

/// Longest chaos timeout. Longer than any client timeout cxrelay uses (Genesys data actions
/// give up after 10 s, Cognigy nodes after 15 s); the cap keeps a typo from holding
/// connections, and the test that started them, for hours.
pub const MAX_TIMEOUT_MS: u64 = 300_000;

/// Slack on `errorRate + timeoutRate <= 1`, so rates meant to add up to 1 (0.7 + 0.3) are not
/// refused for a rounding error in the last bit.
const RATE_SUM_SLACK: f64 = 1e-9;

/// The body of `POST /_sim/chaos`, before it is checked.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChaosRequest {
    /// `genesys`, `cognigy` or `all`.
    #[serde(default)]
    pub scope: Option<String>,
    /// Share of matching requests answered with an error, 0..1.
    #[serde(default)]
    pub error_rate: f64,
    /// Statuses the errors answer with, drawn uniformly (default [`DEFAULT_ERROR_STATUSES`]).
    #[serde(default)]
    pub error_statuses: Option<Vec<i64>>,
    /// `Retry-After` seconds of the errors (a 429 always has one, 1 s by default).
    #[serde(default)]
    pub retry_after_secs: Option<i64>,
    /// Share of matching requests whose answer is held `timeoutMs`, 0..1.
    #[serde(default)]
    pub timeout_rate: f64,
    /// How long a timed-out answer is held.
    #[serde(default)]
    pub timeout_ms: Option<i64>,
    /// `answerLost` (default) or `requestLost`, see [`TimeoutMode`].
    #[serde(default)]
    pub timeout_mode: Option<String>,
    /// Whether the Genesys login host (`/oauth/token`) is in scope too.
    #[serde(default)]
    pub include_login: bool,
    /// Seed of the decisions; absent: a random one.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// What a chaos timeout does besides holding the answer.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum TimeoutMode {
    /// The platform handles the request at once (its effects happen: a flow is launched, a
    /// message stored) and the answer is held: the client times out on a call that worked,
    /// and a retry duplicates it. The harder case for a relay, hence the default.
    AnswerLost,
    /// The request never reaches the platform: held, then a 504 in the platform's shape, no
    /// effect at all (a gateway that lost its upstream; a hanging dead target).
    RequestLost,
}

/// A checked profile, as `GET /_sim/chaos` shows it.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChaosProfile {
    /// Share of requests answered with an error.
    pub error_rate: f64,
    /// Statuses of the errors, each 400-599, at least one.
    pub error_statuses: Vec<u16>,
    /// `Retry-After` of the errors, if set.
    pub retry_after_secs: Option<u64>,
    /// Share of requests whose answer is held.
    pub timeout_rate: f64,
    /// How long a held answer is held (0 when `timeout_rate` is 0 and none was given).
    pub timeout_ms: u64,
    /// What a timeout does besides holding.
    pub timeout_mode: TimeoutMode,
    /// Whether `/oauth/token` is in the Genesys scope.
    pub include_login: bool,
    /// The seed, if the decisions are reproducible.
    pub seed: Option<u64>,
}

impl ChaosRequest {
    /// The scope and the profile the body asks for, or what to fix.
    pub fn parse(self) -> Result<(Scope, ChaosProfile), String> {
        let scope = Scope::parse(
            self.scope
                .as_deref()
                .ok_or("scope is required: genesys, cognigy or all")?,
        )?;
        let error_rate = rate("errorRate", self.error_rate)?;
        let timeout_rate = rate("timeoutRate", self.timeout_rate)?;
        if error_rate + timeout_rate > 1.0 + RATE_SUM_SLACK {
            return Err(format!(
                "errorRate + timeoutRate must be at most 1 (each request gets one outcome), \
                 got {error_rate} + {timeout_rate}"
            ));
        }
        let error_statuses = match self.error_statuses {
            None => DEFAULT_ERROR_STATUSES.to_vec(),
            Some(statuses) => error_statuses(&statuses)?,
        };
        let retry_after_secs = self
            .retry_after_secs
            .map(|secs| {
                u64::try_from(secs)
                    .map_err(|_| format!("retryAfterSecs must be 0 or more, got {secs}"))
            })
            .transpose()?;
        let timeout_ms = timeout_ms(timeout_rate, self.timeout_ms)?;
        let timeout_mode = match self.timeout_mode.as_deref() {
            None | Some("answerLost") => TimeoutMode::AnswerLost,
            Some("requestLost") => TimeoutMode::RequestLost,
            Some(other) => {
                return Err(format!(
                    "timeoutMode must be answerLost or requestLost, got {other:?}"
                ))
            }
        };
        if self.include_login && scope == Scope::Cognigy {
            return Err("includeLogin applies to the genesys or all scope only".to_owned());
        }
        let profile = ChaosProfile {
            error_rate,
            error_statuses,
            retry_after_secs,
            timeout_rate,
            timeout_ms,
            timeout_mode,
            include_login: self.include_login,
            seed: self.seed,
        };
        Ok((scope, profile))
    }
}

fn rate(field: &str, value: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{field} must be between 0 and 1, got {value}"))
    }
}

fn error_statuses(statuses: &[i64]) -> Result<Vec<u16>, String> {
    if statuses.is_empty() {
        return Err("errorStatuses must name at least one status (or be left out)".to_owned());
    }
    statuses
        .iter()
        .map(|&status| {
            u16::try_from(status)
                .ok()
                .filter(|status| (400..=599).contains(status))
                .ok_or_else(|| format!("errorStatuses must be 400-599, got {status}"))
        })
        .collect()
}

fn timeout_ms(timeout_rate: f64, timeout_ms: Option<i64>) -> Result<u64, String> {
    let Some(ms) = timeout_ms else {
        return if timeout_rate > 0.0 {
            Err("timeoutMs is required when timeoutRate is above 0".to_owned())
        } else {
            Ok(0)
        };
    };
    match u64::try_from(ms) {
        Ok(ms) if ms > MAX_TIMEOUT_MS => Err(format!(
            "timeoutMs must be at most {MAX_TIMEOUT_MS}, got {ms}"
        )),
        Ok(0) | Err(_) if timeout_rate > 0.0 => Err(format!(
            "timeoutMs must be above 0 when timeoutRate is above 0, got {ms}"
        )),
        Ok(ms) => Ok(ms),
        Err(_) => Err(format!("timeoutMs must be 0 or more, got {ms}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::scope::Platform;
    use serde_json::json;

    fn parse(body: serde_json::Value) -> Result<(Scope, ChaosProfile), String> {
        serde_json::from_value::<ChaosRequest>(body)
            .map_err(|e| e.to_string())?
            .parse()
    }

    #[test]
    fn the_example_body_parses_with_its_values() {
        let (scope, profile) = parse(json!({
            "scope": "genesys", "errorRate": 0.2, "errorStatuses": [500, 502, 503],
            "timeoutRate": 0.05, "timeoutMs": 15000, "seed": 42,
        }))
        .unwrap();
        assert_eq!(scope, Scope::Genesys);
        assert_eq!(profile.error_statuses, [500, 502, 503]);
        assert_eq!(profile.timeout_ms, 15_000);
        assert_eq!(profile.timeout_mode, TimeoutMode::AnswerLost);
        assert_eq!(profile.seed, Some(42));
        assert!(!profile.include_login);
    }

    #[test]
    fn a_full_outage_needs_only_scope_and_rate_and_gets_the_default_statuses() {
        let (scope, profile) = parse(json!({"scope": "all", "errorRate": 1.0})).unwrap();
        assert_eq!(scope.platforms(), [Platform::Genesys, Platform::Cognigy]);
        assert_eq!(profile.error_statuses, DEFAULT_ERROR_STATUSES);
        assert_eq!(profile.timeout_ms, 0);
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (json!({"errorRate": 0.1}), "scope is required"),
            (json!({"scope": "nice"}), "scope must be"),
            (json!({"scope": "genesys", "errorRate": 1.5}), "errorRate"),
            (
                json!({"scope": "genesys", "timeoutRate": -0.1}),
                "timeoutRate",
            ),
            (
                json!({"scope": "genesys", "errorRate": 0.6, "timeoutRate": 0.5, "timeoutMs": 1}),
                "errorRate + timeoutRate",
            ),
            (
                json!({"scope": "genesys", "errorStatuses": [200]}),
                "errorStatuses",
            ),
            (
                json!({"scope": "genesys", "errorStatuses": [70000]}),
                "errorStatuses",
            ),
            (
                json!({"scope": "genesys", "errorStatuses": []}),
                "errorStatuses",
            ),
            (
                json!({"scope": "genesys", "timeoutRate": 0.1}),
                "timeoutMs is required",
            ),
            (
                json!({"scope": "genesys", "timeoutRate": 0.1, "timeoutMs": 0}),
                "timeoutMs",
            ),
            (json!({"scope": "genesys", "timeoutMs": -1}), "timeoutMs"),
            (
                json!({"scope": "genesys", "timeoutMs": 300_001}),
                "timeoutMs",
            ),
            (
                json!({"scope": "genesys", "timeoutMode": "lost"}),
                "timeoutMode",
            ),
            (
                json!({"scope": "genesys", "retryAfterSecs": -3}),
                "retryAfterSecs",
            ),
            (
                json!({"scope": "cognigy", "includeLogin": true}),
                "includeLogin",
            ),
            (json!({"scope": "genesys", "errorrate": 0.1}), "errorrate"),
        ];
        for (body, expected) in cases {
            let error = parse(body.clone()).unwrap_err();
            assert!(error.contains(expected), "{body}: {error}");
        }
    }

    #[test]
    fn rates_that_add_up_to_one_in_floating_point_are_accepted() {
        for (error_rate, timeout_rate) in [(0.7, 0.3), (0.1, 0.9), (0.0, 1.0)] {
            let body = json!({"scope": "genesys", "errorRate": error_rate,
                              "timeoutRate": timeout_rate, "timeoutMs": 5});
            assert!(parse(body).is_ok(), "{error_rate} + {timeout_rate}");
        }
    }

    #[test]
    fn request_lost_timeouts_and_a_long_retry_after_are_kept() {
        let (_, profile) = parse(json!({
            "scope": "GENESYS", "errorRate": 0.5, "errorStatuses": [429], "retryAfterSecs": 180,
            "timeoutRate": 0.5, "timeoutMs": 100, "timeoutMode": "requestLost",
            "includeLogin": true,
        }))
        .unwrap();
        assert_eq!(profile.retry_after_secs, Some(180));
        assert_eq!(profile.timeout_mode, TimeoutMode::RequestLost);
        assert!(profile.include_login);
    }
}
