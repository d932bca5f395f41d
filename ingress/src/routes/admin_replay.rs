//! `POST /admin/v1/replay`: the admin API face of [`Replayer`]; `cxrelay replay` is the other.
//!
//! Request (JSON; exactly one of `eventIds`, `filter`, `fromDlq: true`):
//! `{"reason": "why (required)", "eventIds": ["<uuid>", ...] | "filter": {"kind", "reason",
//! "target", "httpStatus", "since", "until"} | "fromDlq": true, "dryRun": false, "force":
//! false, "ratePerSec": 5, "limit": 1000}`; `since`/`until` are RFC 3339 times or ages (`2h`).
//! Answer 200: the run's [`ReplaySummary`](cxrelay_core::replay::ReplaySummary); 422 naming the
//! field for a bad request; 401 without a valid admin token; 403 when none is configured.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::{Extension, Json};
use chrono::Utc;
use cxrelay_core::dead_letters::{parse_time_bound, DeadLetterFilter};
use cxrelay_core::kinds::{EventKind, Target};
use cxrelay_core::replay::{
    Actor, NoProgress, ReplayError, ReplayRequest, ReplaySummary, Selection,
};
use cxrelay_core::storable::{first_nul, NUL_RULE};
use cxrelay_core::validation::{FieldError, ALIAS_CONFLICT_RULE};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::admin_auth::AdminIdentity;
use crate::openapi::{
    AdminDisabled, AdminUnauthorized, BadRequest, PayloadTooLarge, Problem, Unavailable,
};
use crate::problem::ApiError;
use crate::state::AppState;

/// Fields a replay request may have; any other is refused, so a typo is not silently ignored.
const REQUEST_FIELDS: &[&str] = &[
    "reason",
    "eventIds",
    "filter",
    "fromDlq",
    "dryRun",
    "force",
    "ratePerSec",
    "limit",
];
/// Length of a UUID written 8-4-4-4-12.
const HYPHENATED_UUID_LEN: usize = 36;

/// Fields of `filter` (`reasonClass` is accepted for `reason`).
const FILTER_FIELDS: &[&str] = &[
    "kind",
    "reason",
    "reasonClass",
    "target",
    "httpStatus",
    "since",
    "until",
];

/// Runs the replay the body asks for, as the token's holder.
#[utoipa::path(
    post,
    path = "/admin/v1/replay",
    operation_id = "replay",
    tag = "replay",
    summary = "Replay events: by id, by a filter over dead letters, or the dead-letter queue",
    description = "The same replay as `cxrelay replay`, as the admin token's holder (its name is \
        the audit log's actor). The run goes on to the end even if the client hangs up; for \
        thousands of events use `limit` or the CLI.",
    request_body(
        content = crate::openapi::ReplayRequest,
        content_type = "application/json",
        examples(("readme" = (
            summary = "A dry run over the fallbacks that died unavailable in the last 2 hours (README)",
            value = json!({"reason": "Genesys outage INC-42 is over",
                "filter": {"kind": "cognigy.fallback", "reason": "unavailable", "since": "2h"},
                "dryRun": true})
        )))
    ),
    responses(
        (status = 200, description = "The run's summary (what `cxrelay replay --format json` \
            prints).", body = ReplaySummary,
            example = json!({"replayId": "01a2129a-4c1d-7e2f-8a3b-4c5d6e7f8a9b", "dryRun": true,
                "source": "events", "selected": 2, "replayed": 2, "freshDeliveries": 0,
                "skipped": {}, "skippedEvents": [], "undecodable": {}, "secretsRemoved": 0,
                "sample": [{"eventId": "01a21291-f34f-7615-86db-9159b2f5ae7a",
                    "kind": "cognigy.fallback", "status": "dead", "reason": "unavailable",
                    "lastHttpStatus": 503, "finishedAt": "2026-11-25T11:02:41.118Z",
                    "generation": 0}],
                "ratePerSec": 5, "stopped": null, "notAttempted": 0, "auditId": 42})),
        (status = 400, response = BadRequest),
        (status = 401, response = AdminUnauthorized),
        (status = 403, response = AdminDisabled),
        (status = 413, response = PayloadTooLarge),
        (status = 422, description = "A field breaks a rule: `field` names it (`reason`, \
            `eventIds[2]`, `filter.kind`, `ratePerSec`, ...).",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:cxrelay:problem:validation",
                "title": "Unprocessable Entity", "status": 422, "field": "filter.kind",
                "rule": "enum", "detail": "'fallback' is not a kind; one of cognigy.fallback, \
                cognigy.bot_failure, genesys.bot_session, cognigy.flow_run, \
                genesys.virtual_agent, genesys.conversation_end"})),
        (status = 503, response = Unavailable),
    )
)]
pub async fn replay(
    State(state): State<AppState>,
    Extension(AdminIdentity(name)): Extension<AdminIdentity>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ReplaySummary>, ApiError> {
    let body = body.map_err(|rejection| {
        ApiError::from_body_rejection(rejection, state.body_limits.max_bytes)
    })?;
    let raw: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    if let Some(field) = first_nul(&raw) {
        return Err(ApiError::Invalid(FieldError::new(
            field.clone(),
            NUL_RULE,
            format!("strings and keys must not contain the NUL character U+0000, which cxrelay cannot store ({field} does)"),
        )));
    }
    let request = parse_request(&raw, name)?;
    let replayer = state.replayer.clone();
    // Its own task: a client that hangs up does not cut a run short between two events, and
    // the run's audit row is always written.
    let run = tokio::spawn(async move { replayer.run(&request, &NoProgress).await });
    let summary = run
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|error| match error {
            ReplayError::Request(invalid) => ApiError::Invalid(FieldError::new(
                invalid.field,
                invalid.rule,
                invalid.to_string(),
            )),
            ReplayError::Publish(cause) => ApiError::Unavailable {
                retry_after: state.retry_after_secs,
                cause,
            },
            other => ApiError::Internal(other.into()),
        })?;
    Ok(Json(summary))
}

/// The request the body describes; the error names the field (`filter.kind`, `eventIds[2]`).
fn parse_request(raw: &Value, actor: String) -> Result<ReplayRequest, FieldError> {
    let body = object(raw, "$")?;
    refuse_unknown(body, REQUEST_FIELDS, "")?;
    let reason = string(body, "reason", "reason")?.unwrap_or_default();
    let from_dlq = boolean(body, "fromDlq")?;
    let ids = body.get("eventIds").filter(|v| !v.is_null());
    let filter = body.get("filter").filter(|v| !v.is_null());
    let selection = match (ids, filter, from_dlq) {
        (Some(ids), None, false) => Selection::EventIds(event_ids(ids)?),
        (None, Some(filter), false) => Selection::Filter(parse_filter(filter)?),
        (None, None, true) => Selection::DeadLetterQueue,
        (None, None, false) => {
            return Err(FieldError::new(
                "eventIds",
                "required",
                "give eventIds, a filter, or fromDlq: true",
            ))
        }
        _ => {
            return Err(FieldError::new(
                "eventIds",
                "exclusive",
                "give only one of eventIds, filter and fromDlq",
            ))
        }
    };
    Ok(ReplayRequest {
        selection,
        reason,
        actor: Actor {
            name: actor,
            via: "admin-api",
        },
        dry_run: boolean(body, "dryRun")?,
        force: boolean(body, "force")?,
        rate_per_sec: number(body, "ratePerSec", "ratePerSec")?,
        limit: number(body, "limit", "limit")?,
    })
}

fn parse_filter(raw: &Value) -> Result<DeadLetterFilter, FieldError> {
    let filter = object(raw, "filter")?;
    refuse_unknown(filter, FILTER_FIELDS, "filter.")?;
    let now = Utc::now();
    let time = |key: &str, field: &'static str| -> Result<_, FieldError> {
        string(filter, key, field)?
            .map(|text| parse_time_bound(&text, now).map_err(|e| FieldError::new(field, "time", e)))
            .transpose()
    };
    let kind = string(filter, "kind", "filter.kind")?
        .map(|kind| {
            serde_json::from_value::<EventKind>(Value::String(kind.clone())).map_err(|_| {
                let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                FieldError::new(
                    "filter.kind",
                    "enum",
                    format!("'{kind}' is not a kind; one of {}", known.join(", ")),
                )
            })
        })
        .transpose()?;
    let target = string(filter, "target", "filter.target")?
        .map(|target| {
            serde_json::from_value::<Target>(Value::String(target.clone())).map_err(|_| {
                FieldError::new(
                    "filter.target",
                    "enum",
                    format!("'{target}' is not a target; one of genesys, cognigy"),
                )
            })
        })
        .transpose()?;
    let reason = match (
        string(filter, "reason", "filter.reason")?,
        string(filter, "reasonClass", "filter.reasonClass")?,
    ) {
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "filter.reasonClass",
                ALIAS_CONFLICT_RULE,
                "filter.reason and filter.reasonClass are one criterion (aliases): give one",
            ))
        }
        (reason, class) => reason.or(class),
    };
    let http_status: Option<u16> = number(filter, "httpStatus", "filter.httpStatus")?;
    if let Some(status) = http_status.filter(|s| !(100..=599).contains(s)) {
        return Err(FieldError::new(
            "filter.httpStatus",
            "range",
            format!("{status} is not an HTTP status (100-599)"),
        ));
    }
    Ok(DeadLetterFilter {
        kind,
        reason,
        target,
        http_status,
        since: time("since", "filter.since")?,
        until: time("until", "filter.until")?,
    })
}

fn event_ids(raw: &Value) -> Result<Vec<Uuid>, FieldError> {
    let items = raw
        .as_array()
        .ok_or_else(|| FieldError::new("eventIds", "type", "eventIds must be an array of UUIDs"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_str()
                // Hyphenated only, as event ids are written everywhere else.
                .filter(|s| s.len() == HYPHENATED_UUID_LEN)
                .and_then(|s| Uuid::try_parse(s).ok())
                .ok_or_else(|| {
                    FieldError::new(
                        format!("eventIds[{i}]"),
                        "uuid",
                        "each event id must be a UUID",
                    )
                })
        })
        .collect()
}

fn object<'a>(raw: &'a Value, field: &'static str) -> Result<&'a Map<String, Value>, FieldError> {
    raw.as_object()
        .ok_or_else(|| FieldError::new(field, "type", format!("{field} must be a JSON object")))
}

fn refuse_unknown(
    object: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
) -> Result<(), FieldError> {
    match object.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(FieldError::new(
            format!("{prefix}{key}"),
            "unknown_field",
            format!("{prefix}{key} is not a field of a replay request"),
        )),
        None => Ok(()),
    }
}

fn string(
    object: &Map<String, Value>,
    key: &str,
    field: &'static str,
) -> Result<Option<String>, FieldError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(FieldError::new(
            field,
            "type",
            format!("{field} must be a string"),
        )),
    }
}

fn boolean(object: &Map<String, Value>, field: &'static str) -> Result<bool, FieldError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(FieldError::new(
            field,
            "type",
            format!("{field} must be true or false"),
        )),
    }
}

fn number<T: TryFrom<u64>>(
    object: &Map<String, Value>,
    key: &str,
    field: &'static str,
) -> Result<Option<T>, FieldError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            // JSON Schema counts `5.0` as the integer 5.
            .or_else(|| {
                value
                    .as_f64()
                    .filter(|n| n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(n))
                    .map(|n| n as u64)
            })
            .and_then(|n| T::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "type",
                    format!("{field} must be a whole number in range"),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_filter_request_becomes_the_replay_it_describes() {
        let request = parse_request(
            &json!({"reason": "outage over", "filter": {"kind": "cognigy.fallback",
                    "reasonClass": "unavailable", "httpStatus": 503, "since": "2h"},
                    "dryRun": true, "ratePerSec": 20}),
            "ops-bot".into(),
        )
        .unwrap();
        let Selection::Filter(filter) = &request.selection else {
            panic!("a filter selection");
        };
        assert_eq!(filter.kind, Some(EventKind::CognigyFallback));
        assert_eq!(filter.reason.as_deref(), Some("unavailable"));
        assert!(filter.since.is_some() && request.dry_run);
        assert_eq!(
            (request.rate_per_sec, request.actor.name.as_str()),
            (Some(20), "ops-bot")
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        let field = |body: Value| parse_request(&body, "a".into()).unwrap_err().field;
        assert_eq!(
            field(json!({"reason": "r", "filter": {"kind": "nope"}})),
            "filter.kind"
        );
        assert_eq!(
            field(json!({"reason": "r", "eventIds": ["x"]})),
            "eventIds[0]"
        );
        assert_eq!(field(json!({"reason": "r"})), "eventIds");
        assert_eq!(
            field(json!({"reason": "r", "fromDlq": true, "eventIds": []})),
            "eventIds"
        );
        assert_eq!(
            field(json!({"reason": "r", "filter": {"since": "soon"}})),
            "filter.since"
        );
        assert_eq!(
            field(json!({"reason": "r", "fromDlq": true, "dryrun": true})),
            "dryrun"
        );
        assert_eq!(field(json!({"reason": 5, "fromDlq": true})), "reason");
    }
}
