//! `cxrelay genesys install-trigger`: the one-time Process Automation trigger that starts a
//! Genesys workflow when a customer leaves a conversation (contracts.md, Genesys operation 6).
//! Genesys cannot call cxrelay directly on that event: the workflow does, with a data action.

use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Context};
use cxrelay_core::config::Settings;
use cxrelay_worker::call::CallResult;
use cxrelay_worker::genesys::GenesysClient;
use cxrelay_worker::http_client::genesys_client;
use cxrelay_worker::outcome::Outcome;
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

/// The event: a customer left a conversation. `{id}` stays literal: it stands for every
/// conversation, and Genesys refuses a topic naming one.
pub const END_TOPIC: &str = "v2.detail.events.conversation.{id}.customer.end";
/// The trigger's name unless the operator picks one; a second run with the same name changes
/// nothing, so the command can be run again safely.
pub const DEFAULT_NAME: &str = "cxrelay conversation end";
/// Where triggers are listed and created.
pub const TRIGGERS_PATH: &str = "/api/v2/processautomation/triggers";
/// What the OAuth client's role needs to list triggers (any of view or edit will do).
const VIEW_PERMISSION: &str = "processautomation:trigger:view";
/// What the OAuth client's role needs to create one.
const ADD_PERMISSION: &str = "processautomation:trigger:add";
/// Genesys drops an event it could not hand to the workflow within this time instead of
/// starting the workflow late: cxrelay acts on a conversation end within a minute or not at all.
const EVENT_TTL_SECONDS: u32 = 60;
/// Triggers per listing page: the largest page Genesys serves.
const PAGE_SIZE: u32 = 200;
/// Listing pages read before giving up: no real org has 10,000 triggers on one topic, and a
/// paging loop must end.
const MAX_PAGES: usize = 50;
/// What the operator does after the trigger exists.
const NEXT_STEP: &str =
    "next: the workflow must call cxrelay's POST /v1/genesys/conversation-events \
with a Web Services Data Action (send the event's conversationId, eventTime, mediaType and \
disconnectType; authenticate with an X-API-Key header)";

/// Media types a conversation-end event carries in `mediaType` (Genesys SDKs, 2025).
const MEDIA_TYPES: &[&str] = &[
    "MESSAGE",
    "VOICE",
    "CHAT",
    "EMAIL",
    "CALLBACK",
    "COBROWSE",
    "VIDEO",
    "SCREENSHARE",
    "INTERNALMESSAGE",
];

/// A Genesys media type, spelled as the event carries it: a trigger matching `message` would
/// never fire, so the spelling is checked here rather than discovered in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType(&'static str);

impl Default for MediaType {
    /// Messaging, the channel cxrelay's bots serve.
    fn default() -> Self {
        Self("MESSAGE")
    }
}

impl FromStr for MediaType {
    type Err = String;

    /// Any letter case; stored upper-case.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        MEDIA_TYPES
            .iter()
            .find(|known| known.eq_ignore_ascii_case(value.trim()))
            .map(|known| Self(known))
            .ok_or_else(|| {
                format!(
                    "'{value}' is not a Genesys media type (one of {})",
                    MEDIA_TYPES.join(", ")
                )
            })
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The trigger to install.
#[derive(Debug, Clone)]
pub struct TriggerRequest {
    /// The Architect workflow the trigger starts.
    pub workflow_id: Uuid,
    /// The trigger's name, also how an existing one is recognised.
    pub name: String,
    /// Only conversations of this media type start the workflow.
    pub media_type: MediaType,
}

impl TriggerRequest {
    /// The body of `POST /api/v2/processautomation/triggers`, exactly as contracts.md gives it;
    /// `TopLevelPrimitives` hands the event's fields to the workflow as input variables.
    pub fn body(&self) -> Value {
        json!({
            "topicName": END_TOPIC,
            "name": self.name,
            "enabled": true,
            "target": {
                "type": "Workflow",
                "id": self.workflow_id.to_string(),
                "workflowTargetSettings": {"dataFormat": "TopLevelPrimitives"},
            },
            "matchCriteria": [
                {"jsonPath": "mediaType", "operator": "Equal", "value": self.media_type.0},
            ],
            "eventTTLSeconds": EVENT_TTL_SECONDS,
        })
    }
}

/// What the command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// The trigger was created.
    Created {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
    },
    /// A trigger of that name already listens to the topic: nothing was sent.
    AlreadyExists {
        /// The existing trigger's id.
        id: String,
        /// Its name.
        name: String,
    },
}

impl fmt::Display for Installed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Installed::Created { id, name } => {
                writeln!(f, "created the trigger '{name}' (id {id}) on {END_TOPIC}")?;
                f.write_str(NEXT_STEP)
            }
            Installed::AlreadyExists { id, name } => write!(
                f,
                "a trigger named '{name}' already exists (id {id}); nothing changed"
            ),
        }
    }
}

/// Genesys answered a call with an error, or not at all: one line an operator can act on.
#[derive(Debug)]
pub struct GenesysRefused {
    /// What was being done, e.g. "create the trigger".
    action: &'static str,
    /// The permission that operation needs, named when Genesys answers 403.
    permission: &'static str,
    /// The classified answer.
    result: CallResult,
}

impl fmt::Display for GenesysRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = self.action;
        let Some(status) = self.result.http_status else {
            let why = self.result.error_message.as_deref().unwrap_or("no answer");
            return write!(f, "Genesys did not answer when asked to {action}: {why}");
        };
        let code = self.result.error_code.as_deref().unwrap_or("-");
        write!(f, "Genesys refused to {action}: HTTP {status}, code {code}")?;
        if status == 403 {
            write!(
                f,
                "; the OAuth client's role needs the permission {}",
                self.permission
            )?;
        } else if let Some(message) = &self.result.error_message {
            write!(f, " ({message})")?;
        }
        if let Some(correlation) = &self.result.correlation_id {
            write!(f, " [ININ-Correlation-Id {correlation}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for GenesysRefused {}

/// Installs the trigger unless one of the same name already listens to the topic. Errors: a
/// [`ConfigError`] when the Genesys settings are incomplete, a [`GenesysRefused`] when Genesys
/// says no; neither carries a secret.
pub async fn install_trigger(
    settings: &Settings,
    request: &TriggerRequest,
) -> anyhow::Result<Installed> {
    // Unlike the worker, no fallback flow is needed here.
    let genesys = genesys_client(settings)?;
    if let Some(id) = find_trigger_named(&genesys, &request.name).await? {
        return Ok(Installed::AlreadyExists {
            id,
            name: request.name.clone(),
        });
    }
    let result = call(&genesys, Method::POST, TRIGGERS_PATH, Some(&request.body())).await?;
    let created = success_body(result, "create the trigger", ADD_PERMISSION)?;
    let Some(id) = created.get("id").and_then(Value::as_str) else {
        bail!(
            "Genesys accepted the trigger but answered without its id: \
             list the triggers before running this again"
        )
    };
    Ok(Installed::Created {
        id: id.to_owned(),
        name: request.name.clone(),
    })
}

/// The id of the trigger named `name` on [`END_TOPIC`], reading every page of the listing.
async fn find_trigger_named(genesys: &GenesysClient, name: &str) -> anyhow::Result<Option<String>> {
    // The braces of `{id}` are encoded: they are not allowed unescaped in a query.
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("topicName", END_TOPIC)
        .append_pair("pageSize", &PAGE_SIZE.to_string())
        .finish();
    let mut path = format!("{TRIGGERS_PATH}?{query}");
    for _ in 0..MAX_PAGES {
        let result = call(genesys, Method::GET, &path, None).await?;
        let page = success_body(result, "list the triggers", VIEW_PERMISSION)?;
        let entities = page.get("entities").and_then(Value::as_array);
        let named = entities
            .into_iter()
            .flatten()
            .find(|trigger| trigger.get("name").and_then(Value::as_str) == Some(name));
        if let Some(trigger) = named {
            let id = trigger
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            return Ok(Some(id.to_owned()));
        }
        // Only a next page of this same listing is followed: the token goes nowhere else.
        match page.get("nextUri").and_then(Value::as_str) {
            Some(next) if next.starts_with(&format!("{TRIGGERS_PATH}?")) => path = next.to_owned(),
            _ => return Ok(None),
        }
    }
    bail!(
        "Genesys listed more than {MAX_PAGES} pages of triggers on {END_TOPIC}; \
         stopped rather than risk a duplicate"
    )
}

/// One call; on 401 the token is dropped and the call made once more with a new one
/// (contracts.md).
async fn call(
    genesys: &GenesysClient,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> anyhow::Result<CallResult> {
    let token = genesys
        .token()
        .await
        .context("cannot get a Genesys access token")?;
    let result = genesys.call(method.clone(), path, body, &token).await;
    if result.outcome != Outcome::Auth {
        return Ok(result);
    }
    genesys.invalidate(&token);
    let token = genesys
        .token()
        .await
        .context("cannot get a Genesys access token")?;
    Ok(genesys.call(method, path, body, &token).await)
}

/// The body of a 2xx answer, or the answer as a [`GenesysRefused`].
fn success_body(
    result: CallResult,
    action: &'static str,
    permission: &'static str,
) -> anyhow::Result<Value> {
    match (result.outcome, &result.body) {
        (Outcome::Success, Some(body)) => Ok(body.clone()),
        _ => Err(GenesysRefused {
            action,
            permission,
            result,
        }
        .into()),
    }
}
