//! `cognigy.flow_run`: one turn of a Cognigy flow for any backend, on an Endpoint that must be
//! active and, when asked, serving the expected snapshot; sessions expire when idle.

use chrono::Utc;
use cxrelay_core::kinds::{FlowRunEvent, Target};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::attempt::{Attempt, AttemptError};
use crate::cognigy::{EndpointStatus, CHECK_ENDPOINT};
use crate::handlers::turn::{endpoint, run_turn, TurnInput};
use crate::handlers::{decode, failed};
use crate::outcome::Outcome;
use crate::sessions;
use crate::verdict::Verdict;

/// Checks the Endpoint, renews an expired session, runs the turn.
pub async fn handle(attempt: &mut Attempt<'_>, payload: &Value) -> Result<Verdict, AttemptError> {
    let event: FlowRunEvent = match decode(payload) {
        Ok(event) => event,
        Err(verdict) => return Ok(verdict),
    };
    let settings = attempt.ctx.settings.clone();
    let (name, endpoint) = match endpoint(&settings.cognigy.endpoints, Some(&event.endpoint)) {
        Ok(found) => found,
        Err(verdict) => return Ok(verdict),
    };
    let status = match endpoint_status(attempt, &endpoint.id).await? {
        Ok(status) => status,
        Err(verdict) => return Ok(verdict),
    };
    if !status.active {
        return Ok(Verdict::dead(
            "endpoint_inactive",
            format!("Cognigy Endpoint {name} ({}) is not active", endpoint.id),
        ));
    }
    if let Some(expected) = &event.expected_snapshot {
        if *expected != status.entrypoint {
            return Ok(Verdict::dead(
                "snapshot_not_live",
                format!(
                    "expected snapshot {expected} is not live: Endpoint {name} serves {}",
                    status.entrypoint
                ),
            ));
        }
    }
    let (session_id, previous) = session_for(attempt, event.session_id.as_deref()).await?;
    let input = TurnInput {
        endpoint_name: &name,
        endpoint,
        user_id: &event.user_id,
        session_id: &session_id,
        text: event.text.as_deref(),
        data: event.data.clone(),
        conversation_id: None,
    };
    Ok(match run_turn(attempt, input).await? {
        Ok(messages) => Verdict::Succeeded {
            result: json!({
                "sessionId": session_id,
                "endpoint": name,
                "sessionRenewed": previous.is_some(),
                "previousSessionId": previous,
                "snapshot": status.entrypoint,
                "messages": messages,
            }),
        },
        Err(verdict) => verdict,
    })
}

/// The sessionId to use: the caller's while its session lives; a new one (and the expired one
/// named) when it expired; a new one when none was given.
async fn session_for(
    attempt: &Attempt<'_>,
    requested: Option<&str>,
) -> Result<(String, Option<String>), AttemptError> {
    let Some(requested) = requested else {
        return Ok((Uuid::new_v4().to_string(), None));
    };
    let (db, health) = (&attempt.ctx.db, &attempt.ctx.db_health);
    let stored = health
        .retry("read the session", || sessions::find_cognigy(db, requested))
        .await?;
    let Some(stored) = stored else {
        return Ok((requested.to_owned(), None));
    };
    let idle = stored.expires_at.is_some_and(|at| at < Utc::now());
    if stored.status == "expired" || idle {
        health
            .retry("expire the session", || sessions::expire(db, stored.id))
            .await?;
        return Ok((Uuid::new_v4().to_string(), Some(requested.to_owned())));
    }
    Ok((requested.to_owned(), None))
}

/// The Endpoint's state: cached, or read (and recorded) from the management API; dead
/// `not_configured` when that API is not configured.
async fn endpoint_status(
    attempt: &mut Attempt<'_>,
    endpoint_id: &str,
) -> Result<Result<EndpointStatus, Verdict>, AttemptError> {
    if let Some(status) = attempt.ctx.endpoint_status.get(endpoint_id) {
        return Ok(Ok(status));
    }
    let cognigy = attempt.ctx.cognigy.clone();
    // Without the management API there is no call to make, so no attempt row to record.
    let missing = cognigy.missing_management_settings();
    if !missing.is_empty() {
        return Ok(Err(Verdict::dead(
            "not_configured",
            format!(
                "checking Cognigy Endpoint {endpoint_id} needs the Cognigy management API: set {}",
                missing.join(" and ")
            ),
        )));
    }
    let call = attempt
        .recorded(Target::Cognigy.as_str(), CHECK_ENDPOINT, || {
            cognigy.get_endpoint(endpoint_id)
        })
        .await?;
    if call.outcome != Outcome::Success {
        return Ok(Err(failed(&call, "reading the Cognigy Endpoint", None)));
    }
    let Some(status) = call.body.as_ref().and_then(EndpointStatus::from_body) else {
        return Ok(Err(Verdict::dead(
            "unexpected_response",
            "the Endpoint answer has no active/entrypoint",
        )));
    };
    attempt.ctx.endpoint_status.put(endpoint_id, status.clone());
    Ok(Ok(status))
}
