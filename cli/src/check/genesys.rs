//! The Genesys lines of `cxrelay check`: a token from the login host, then the org's set-up the
//! worker relies on, read with it: the fallback workflow (`GET /api/v2/flows/{flowId}`) and the
//! fallback and human queues (`GET /api/v2/routing/queues/{queueId}`). Reads only: nothing is
//! launched or changed. A refusal names the permission or the setting to fix.

use cxrelay_core::config::Settings;
use cxrelay_worker::call::CallResult;
use cxrelay_worker::genesys::{AccessToken, GenesysClient, TokenError};
use cxrelay_worker::http_client::genesys_client;
use cxrelay_worker::outcome::Outcome;
use reqwest::Method;
use serde_json::Value;

use super::report::Line;

/// The token line.
pub const TOKEN_CHECK: &str = "genesys token";
/// The fallback workflow line.
pub const FLOW_CHECK: &str = "genesys fallback flow";
/// The fallback queue line.
pub const FALLBACK_QUEUE_CHECK: &str = "genesys fallback queue";
/// The human queue line.
pub const HUMAN_QUEUE_CHECK: &str = "genesys human queue";

/// The only flow type Genesys launches with `POST /api/v2/flows/executions`.
const WORKFLOW: &str = "WORKFLOW";

/// One read of the org's set-up, and what its refusals mean.
struct Read {
    /// The line's name.
    check: &'static str,
    /// The API path read.
    path: String,
    /// What is read, e.g. "flow".
    what: &'static str,
    /// The permission the read needs.
    permission: &'static str,
    /// What else the worker's use of the thing needs, said with a 403.
    worker_needs: &'static str,
    /// The variable that names the thing.
    setting: &'static str,
}

/// Every Genesys line; `blocked` says why none can be tried (a problem with the Genesys
/// settings), `flow_blocked` why the flow cannot.
pub async fn lines(
    settings: &Settings,
    blocked: Option<&str>,
    flow_blocked: Option<&str>,
) -> Vec<Line> {
    let checks = [
        TOKEN_CHECK,
        FLOW_CHECK,
        FALLBACK_QUEUE_CHECK,
        HUMAN_QUEUE_CHECK,
    ];
    if let Some(why) = blocked {
        return checks.iter().map(|check| Line::skip(*check, why)).collect();
    }
    let client = match genesys_client(settings) {
        Ok(client) => client,
        Err(error) => {
            return checks
                .iter()
                .map(|check| Line::skip(*check, format!("{error}")))
                .collect()
        }
    };
    let login = settings
        .genesys
        .login_base_url
        .clone()
        .map(|url| url.to_string())
        .or_else(|| {
            settings
                .genesys
                .region
                .as_ref()
                .map(|r| format!("https://login.{r}/"))
        })
        .unwrap_or_default();
    let token = match client.token().await {
        Ok(token) => token,
        Err(error) => {
            let mut lines = vec![token_failure(&login, &error)];
            lines.extend(
                checks[1..]
                    .iter()
                    .map(|check| Line::skip(*check, "no Genesys token (see above)")),
            );
            return lines;
        }
    };
    let client_id = settings.genesys.client_id.as_deref().unwrap_or_default();
    let mut lines = vec![Line::ok(
        TOKEN_CHECK,
        format!("{login}oauth/token issued a token to the OAuth client {client_id}"),
    )];
    let genesys = &settings.genesys;
    lines.push(match (&genesys.fallback_flow_id, flow_blocked) {
        (_, Some(why)) => Line::skip(FLOW_CHECK, why),
        (None, None) => Line::skip(FLOW_CHECK, "CXRELAY_GENESYS__FALLBACK_FLOW_ID is not set"),
        (Some(id), None) => {
            let read = Read {
                check: FLOW_CHECK,
                path: format!("/api/v2/flows/{id}"),
                what: "flow",
                permission: "architect:flow:view",
                worker_needs: "launching it for cognigy.fallback also needs architect:flow:launch",
                setting: "CXRELAY_GENESYS__FALLBACK_FLOW_ID",
            };
            let result = get(&client, &token, &read.path).await;
            flow_line(&read, result)
        }
    });
    let queues = [
        (
            FALLBACK_QUEUE_CHECK,
            &genesys.fallback_queue_id,
            "CXRELAY_GENESYS__FALLBACK_QUEUE_ID",
            "transferring failed bot calls to it (cognigy.bot_failure) also needs conversation:communication:view and conversation:communication:blindTransfer",
            "not set: a cognigy.bot_failure event must then name its queueId, or it is dead (not_configured)",
        ),
        (
            HUMAN_QUEUE_CHECK,
            &genesys.human_queue_id,
            "CXRELAY_GENESYS__HUMAN_QUEUE_ID",
            "escalating to it (genesys.virtual_agent) also needs conversation:message:create",
            "not set: genesys.virtual_agent escalations are dead (not_configured)",
        ),
    ];
    for (check, id, setting, worker_needs, unset) in queues {
        let Some(id) = id else {
            lines.push(Line::skip(check, unset));
            continue;
        };
        let read = Read {
            check,
            path: format!("/api/v2/routing/queues/{id}"),
            what: "queue",
            permission: "routing:queue:view",
            worker_needs,
            setting,
        };
        let result = get(&client, &token, &read.path).await;
        lines.push(queue_line(&read, result, check == HUMAN_QUEUE_CHECK));
    }
    lines
}

/// `GET path`; on a 401 the token is dropped and the read made once more with a new one, as
/// the worker does.
async fn get(client: &GenesysClient, token: &AccessToken, path: &str) -> CallResult {
    let result = client.call(Method::GET, path, None, token).await;
    if result.outcome != Outcome::Auth {
        return result;
    }
    client.invalidate(token);
    match client.token().await {
        Ok(fresh) => client.call(Method::GET, path, None, &fresh).await,
        Err(_) => result,
    }
}

fn token_failure(login: &str, error: &TokenError) -> Line {
    match error {
        TokenError::Rejected { status, error } => {
            let fix = match error.as_str() {
                "unauthorized_client" => "give the OAuth client the Client Credentials grant type (Admin > Integrations > OAuth)".to_owned(),
                "invalid_request" | "unsupported_grant_type" => {
                    "check that the login host is Genesys's (the region's login.<domain>, or CXRELAY_GENESYS__LOGIN_BASE_URL)".to_owned()
                }
                _ => format!(
                    "CXRELAY_GENESYS__CLIENT_ID and CXRELAY_GENESYS__CLIENT_SECRET must be a Client Credentials OAuth client of the org whose login host is {login} (wrong secret, wrong region, or the client was deleted)"
                ),
            };
            let code = if error.is_empty() { "no error code" } else { error.as_str() };
            Line::fail(
                TOKEN_CHECK,
                format!("{status} {code} on POST {login}oauth/token: the login refused the client credentials"),
                fix,
            )
        }
        TokenError::Unavailable(why) => Line::fail(
            TOKEN_CHECK,
            format!("no token from {login}oauth/token: {why}"),
            "check CXRELAY_GENESYS__REGION (or CXRELAY_GENESYS__LOGIN_BASE_URL) and that this host reaches it (proxy, firewall)",
        ),
    }
}

/// The line of a read that did not succeed: what failed and what to fix, by status.
fn refusal(read: &Read, result: &CallResult) -> Line {
    let on = format!("on GET {}", read.path);
    let correlation = result
        .correlation_id
        .as_ref()
        .map(|id| format!(" [ININ-Correlation-Id {id}]"))
        .unwrap_or_default();
    let Some(status) = result.http_status else {
        let why = result.error_message.as_deref().unwrap_or("no answer");
        return Line::fail(
            read.check,
            format!("no answer {on}: {why}"),
            "check CXRELAY_GENESYS__REGION (or CXRELAY_GENESYS__API_BASE_URL) and that this host reaches it",
        );
    };
    let code = result.error_code.as_deref().unwrap_or("-");
    let message = result.error_message.as_deref().unwrap_or("");
    let (detail, fix) = match status {
        401 => (
            format!("401 {code} {on}, even with a new token"),
            "check that the OAuth client is active and belongs to the org of this region".to_owned(),
        ),
        403 => (
            format!("403 {on}: the OAuth client's role lacks {}", read.permission),
            format!(
                "give a role of the OAuth client the permission {} (Admin > Roles/Permissions); {}",
                read.permission, read.worker_needs
            ),
        ),
        404 => (
            format!("404 {on}: the org has no {} with this id (or none the OAuth client's divisions show)", read.what),
            format!("set {} to the {}'s id (in Genesys Admin or Architect)", read.setting, read.what),
        ),
        429 | 500..=599 => (
            format!("{status} {code} {on}: Genesys could not answer now ({message})"),
            "run the check again in a minute; if it persists, see status.mypurecloud.com".to_owned(),
        ),
        _ => (
            format!("{status} {code} {on}: {message}"),
            format!("correct {} (Genesys's message says what it refused)", read.setting),
        ),
    };
    Line::fail(read.check, format!("{detail}{correlation}"), fix)
}

fn body_of(result: &CallResult) -> Option<&Value> {
    (result.outcome == Outcome::Success)
        .then_some(result.body.as_ref())
        .flatten()
}

fn flow_line(read: &Read, result: CallResult) -> Line {
    let Some(flow) = body_of(&result) else {
        return refusal(read, &result);
    };
    let name = flow["name"].as_str().unwrap_or("(no name)");
    let flow_type = flow["type"].as_str().unwrap_or("(no type)");
    if !flow_type.eq_ignore_ascii_case(WORKFLOW) {
        return Line::fail(
            read.check,
            format!("'{name}' is a {flow_type} flow; only workflows can be launched"),
            format!(
                "set {} to the id of a workflow (Architect > Flows: Workflow)",
                read.setting
            ),
        );
    }
    let Some(version) = flow["publishedVersion"]["id"].as_str() else {
        return Line::fail(
            read.check,
            format!("the workflow '{name}' has never been published: launching it fails"),
            "publish the workflow in Architect",
        );
    };
    Line::ok(
        read.check,
        format!(
            "'{name}', a workflow, published version {version} ({})",
            read.worker_needs
        ),
    )
}

fn queue_line(read: &Read, result: CallResult, needs_agents: bool) -> Line {
    let Some(queue) = body_of(&result) else {
        return refusal(read, &result);
    };
    let name = queue["name"].as_str().unwrap_or("(no name)");
    let joined = queue["joinedMemberCount"].as_u64();
    let members = queue["memberCount"].as_u64();
    let found = match (joined, members) {
        (Some(joined), Some(members)) => format!("'{name}', {joined} of {members} members joined"),
        _ => format!("'{name}'"),
    };
    if needs_agents && joined == Some(0) {
        return Line::warn(
            read.check,
            format!("{found}: escalated customers would wait for an agent"),
            "have agents join the queue (or check that it is the queue of human agents)",
        );
    }
    Line::ok(read.check, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::Status;
    use std::time::Duration;

    fn answered(status: u16, code: &str, body: Option<Value>) -> CallResult {
        CallResult {
            outcome: cxrelay_worker::outcome::classify_status(status),
            http_status: Some(status),
            error_code: (status >= 400).then(|| code.to_owned()),
            error_message: (status >= 400).then(|| "refused".to_owned()),
            correlation_id: Some("c0ffee".to_owned()),
            latency: Duration::from_millis(5),
            body,
            retry_after: None,
            waited: Duration::ZERO,
        }
    }

    fn flow_read() -> Read {
        Read {
            check: FLOW_CHECK,
            path: "/api/v2/flows/f1".to_owned(),
            what: "flow",
            permission: "architect:flow:view",
            worker_needs: "launching it also needs architect:flow:launch",
            setting: "CXRELAY_GENESYS__FALLBACK_FLOW_ID",
        }
    }

    #[test]
    fn each_refusal_names_what_to_fix() {
        let read = flow_read();
        let line = refusal(&read, &answered(403, "missing.permissions", None)).to_string();
        assert!(
            line.contains(
                "403 on GET /api/v2/flows/f1: the OAuth client's role lacks architect:flow:view"
            ),
            "{line}"
        );
        assert!(line.contains("architect:flow:launch"), "{line}");
        assert!(line.contains("[ININ-Correlation-Id c0ffee]"), "{line}");
        let line = refusal(&read, &answered(404, "not.found", None)).to_string();
        assert!(line.contains("404 on GET /api/v2/flows/f1"), "{line}");
        assert!(
            line.contains("set CXRELAY_GENESYS__FALLBACK_FLOW_ID"),
            "{line}"
        );
    }

    #[test]
    fn a_flow_that_is_no_published_workflow_fails() {
        let read = flow_read();
        let call = serde_json::json!({"name": "IVR", "type": "INBOUNDCALL", "publishedVersion": {"id": "2.0"}});
        let line = flow_line(&read, answered(200, "", Some(call)));
        assert_eq!(line.status, Status::Fail);
        assert!(line.detail.contains("only workflows"), "{line}");
        let draft = serde_json::json!({"name": "handoff", "type": "WORKFLOW"});
        let line = flow_line(&read, answered(200, "", Some(draft)));
        assert!(line.detail.contains("never been published"), "{line}");
        let good = serde_json::json!({"name": "handoff", "type": "WORKFLOW", "publishedVersion": {"id": "3.0"}});
        assert_eq!(
            flow_line(&read, answered(200, "", Some(good))).status,
            Status::Ok
        );
    }
}
