//! The Cognigy lines of `cxrelay check`: each configured Endpoint read from the management API
//! (`GET /new/v2.0/endpoints/{endpointId}`) with the configured API key: it exists, is active,
//! and its URLToken is the configured one. Cognigy is optional: without Endpoints or the
//! management API, the lines say what is not configured.

use std::time::Duration;

use cxrelay_core::config::{env_name, CognigyEndpoint, Settings};
use cxrelay_worker::call::CallResult;
use cxrelay_worker::cognigy::CognigyClient;
use cxrelay_worker::http_client::http_client;
use cxrelay_worker::outcome::Outcome;
use secrecy::ExposeSecret;

use super::report::Line;

/// Prefix of the Endpoint lines (`cognigy endpoint support`).
pub const CHECK: &str = "cognigy endpoint";

/// Every Cognigy line; `blocked` says why none can be tried (a problem with the Cognigy
/// settings).
pub async fn lines(settings: &Settings, blocked: Option<&str>) -> Vec<Line> {
    let cognigy = &settings.cognigy;
    if let Some(why) = blocked {
        return vec![Line::skip(CHECK, why)];
    }
    if cognigy.endpoints.is_empty() {
        return vec![Line::skip(
            CHECK,
            "no Endpoint configured (CXRELAY_COGNIGY__ENDPOINTS__<NAME>__ID, __URL_TOKEN, __BASE_URL): genesys.bot_session and cognigy.flow_run events have none to go to",
        )];
    }
    let http = match http_client(Duration::from_millis(cognigy.request_timeout_ms)) {
        Ok(http) => http,
        Err(error) => return vec![Line::skip(CHECK, format!("{error:#}"))],
    };
    let client = CognigyClient::new(http, cognigy.api_base_url.clone(), cognigy.api_key.clone());
    let mut lines = Vec::new();
    for (name, endpoint) in &cognigy.endpoints {
        let check = format!("{CHECK} {name}");
        if !client.has_management_api() {
            lines.push(Line::skip(
                check,
                format!(
                    "the management API is not configured ({}): Endpoints cannot be checked, and cognigy.flow_run events are dead (not_configured)",
                    client.missing_management_settings().join(", ")
                ),
            ));
            continue;
        }
        let result = client.get_endpoint(&endpoint.id).await;
        lines.push(endpoint_line(&check, name, endpoint, &result));
    }
    lines
}

fn endpoint_line(check: &str, name: &str, endpoint: &CognigyEndpoint, result: &CallResult) -> Line {
    let path = format!("/new/v2.0/endpoints/{}", endpoint.id);
    let id_setting = env_name(&format!("cognigy.endpoints.{name}.id"));
    let token_setting = env_name(&format!("cognigy.endpoints.{name}.url_token"));
    let body = (result.outcome == Outcome::Success)
        .then_some(result.body.as_ref())
        .flatten();
    let Some(found) = body else {
        let Some(status) = result.http_status else {
            let why = result.error_message.as_deref().unwrap_or("no answer");
            return Line::fail(
                check,
                format!("no answer on GET {path}: {why}"),
                "check CXRELAY_COGNIGY__API_BASE_URL (e.g. https://api-app.cognigy.ai) and that this host reaches it",
            );
        };
        let (detail, fix) = match status {
            401 => (
                format!("401 on GET {path}: the management API refused the API key"),
                "set CXRELAY_COGNIGY__API_KEY to a valid API key (Cognigy: My Profile > API Keys)".to_owned(),
            ),
            403 => (
                format!("403 on GET {path}: the API key's user may not read this Endpoint's project"),
                "give the API key's user a role in the Endpoint's project (project members), or use a key of a user who has one".to_owned(),
            ),
            404 => (
                format!("404 on GET {path}: the tenant has no Endpoint with this id"),
                format!("set {id_setting} to the Endpoint's _id (the id in the Endpoint editor's URL)"),
            ),
            _ => (
                format!(
                    "{status} on GET {path}: {}",
                    result.error_message.as_deref().unwrap_or("no message")
                ),
                "run the check again in a minute; if it persists, check the Cognigy tenant's status".to_owned(),
            ),
        };
        return Line::fail(check, detail, fix);
    };
    let shown_name = found["name"].as_str().unwrap_or(name);
    // Compared, never printed: the URLToken is the Endpoint's only credential.
    let token_matches = found["URLToken"].as_str() == Some(endpoint.url_token.expose_secret());
    if !token_matches {
        return Line::fail(
            check,
            format!("the Endpoint '{shown_name}' has another URLToken than the configured one: turns would go to another Endpoint, or nowhere"),
            format!("set {token_setting} to the last segment of the Endpoint's URL"),
        );
    }
    if found["active"].as_bool() == Some(false) {
        return Line::fail(
            check,
            format!("the Endpoint '{shown_name}' is disabled: flow runs to it are dead (endpoint_inactive)"),
            "enable the Endpoint in Cognigy (Endpoint editor: Enable Endpoint)",
        );
    }
    let entrypoint = found["entrypoint"].as_str().unwrap_or("(none)");
    Line::ok(
        check,
        format!(
            "'{shown_name}' is active, serves {entrypoint}, and its URLToken is the configured one"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;
    use serde_json::json;

    fn endpoint() -> CognigyEndpoint {
        CognigyEndpoint {
            id: "e1".to_owned(),
            url_token: SecretString::from("tok-secret-1"),
            base_url: "https://endpoint-app.cognigy.ai".parse().unwrap(),
        }
    }

    fn answered(status: u16, body: Option<serde_json::Value>) -> CallResult {
        CallResult {
            outcome: cxrelay_worker::outcome::classify_status(status),
            http_status: Some(status),
            error_code: None,
            error_message: None,
            correlation_id: None,
            latency: Duration::from_millis(1),
            body,
            retry_after: None,
            waited: Duration::ZERO,
        }
    }

    #[test]
    fn a_wrong_url_token_fails_without_printing_either_token() {
        let body = json!({"name": "support", "URLToken": "other-token", "active": true, "entrypoint": "s1"});
        let line = endpoint_line(
            "cognigy endpoint support",
            "support",
            &endpoint(),
            &answered(200, Some(body)),
        )
        .to_string();
        assert!(line.starts_with("FAIL"), "{line}");
        assert!(
            line.contains("CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__URL_TOKEN"),
            "{line}"
        );
        assert!(
            !line.contains("tok-secret-1") && !line.contains("other-token"),
            "{line}"
        );
    }

    #[test]
    fn refusals_name_the_key_the_project_or_the_id() {
        let line = |status| {
            endpoint_line("c", "support", &endpoint(), &answered(status, None)).to_string()
        };
        assert!(line(401).contains("CXRELAY_COGNIGY__API_KEY"));
        assert!(line(403).contains("project"));
        assert!(line(404).contains("CXRELAY_COGNIGY__ENDPOINTS__SUPPORT__ID"));
        let good = json!({"name": "support", "URLToken": "tok-secret-1", "active": true, "entrypoint": "s1"});
        let ok = endpoint_line("c", "support", &endpoint(), &answered(200, Some(good))).to_string();
        assert!(ok.starts_with("ok"), "{ok}");
    }
}
