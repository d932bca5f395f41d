//! The OAuth client's role: which permission each simulated `/api/v2` route needs (from the
//! Genesys SDKs' "Requires ANY permissions" and contracts.md), and the permissions a test has
//! taken away (`POST /_sim/settings {"missingPermissions": [...]}`). A call needing a missing
//! permission is answered as Genesys answers it: 403 `missing.permissions`, naming it.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::GenesysError;
use crate::state::SimState;

/// Route (as registered) and method → the permission the call needs.
pub const REQUIRED_PERMISSIONS: &[(&str, &str, &str)] = &[
    ("POST", "/api/v2/flows/executions", "architect:flow:launch"),
    ("GET", "/api/v2/flows/{flow_id}", "architect:flow:view"),
    (
        "GET",
        "/api/v2/routing/queues/{queue_id}",
        "routing:queue:view",
    ),
    (
        "GET",
        "/api/v2/conversations/{conversation_id}",
        "conversation:communication:view",
    ),
    (
        "POST",
        "/api/v2/conversations/{conversation_id}/participants/{participant_id}/replace/queue",
        "conversation:communication:blindTransfer",
    ),
    (
        "POST",
        "/api/v2/conversations/calls/{conversation_id}/participants/{participant_id}/replace",
        "conversation:communication:blindTransfer",
    ),
    (
        "POST",
        "/api/v2/conversations/messages",
        "conversation:message:create",
    ),
    (
        "POST",
        "/api/v2/conversations/messages/agentless",
        "conversation:message:create",
    ),
    (
        "GET",
        "/api/v2/analytics/conversations/{conversation_id}/details",
        "analytics:conversationDetail:view",
    ),
    (
        "POST",
        "/api/v2/analytics/conversations/details/query",
        "analytics:conversationDetail:view",
    ),
    (
        "GET",
        "/api/v2/processautomation/triggers",
        "processautomation:trigger:view",
    ),
    (
        "GET",
        "/api/v2/processautomation/triggers/{id}",
        "processautomation:trigger:view",
    ),
    (
        "POST",
        "/api/v2/processautomation/triggers",
        "processautomation:trigger:add",
    ),
];

/// The permission a call to `route` (the matched route pattern) with `method` needs, if any.
pub fn required_permission(method: &Method, route: &str) -> Option<&'static str> {
    REQUIRED_PERMISSIONS
        .iter()
        .find(|(m, r, _)| *r == route && method.as_str() == *m)
        .map(|(_, _, permission)| *permission)
}

/// Genesys's answer to a call the role lacks `permission` for.
pub fn missing_permission(permission: &str) -> GenesysError {
    GenesysError::new(
        StatusCode::FORBIDDEN,
        "missing.permissions",
        format!(
            "Unable to perform the requested action. You are missing the following permission(s): [{permission}]"
        ),
    )
}

/// Middleware (inside the bearer check): refuses a call whose permission the role lacks.
pub async fn require_permission(
    State(state): State<SimState>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let needed = matched
        .as_ref()
        .and_then(|route| required_permission(request.method(), route.as_str()));
    match needed {
        Some(permission) if state.settings().lacks_permission(permission) => {
            missing_permission(permission).into_response()
        }
        _ => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_cxrelay_uses_names_its_permission() {
        assert_eq!(
            required_permission(&Method::POST, "/api/v2/flows/executions"),
            Some("architect:flow:launch")
        );
        assert_eq!(
            required_permission(&Method::GET, "/api/v2/flows/{flow_id}"),
            Some("architect:flow:view")
        );
        assert_eq!(
            required_permission(&Method::GET, "/api/v2/flows/executions/{id}"),
            None
        );
        let error = missing_permission("routing:queue:view");
        assert_eq!(error.status(), StatusCode::FORBIDDEN);
        assert_eq!(error.code(), "missing.permissions");
        assert!(error.message().contains("[routing:queue:view]"));
    }
}
