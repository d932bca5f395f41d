//! The vendors' models as `scripts/refresh-contracts` wrote them from the official SDKs
//! (`sim/contracts/*.json`), compiled in: the simulator and the tests judge every request and
//! answer by them, never by our own reading of the vendors.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

/// The Genesys Cloud fixture (PureCloudPlatformClientV2 and purecloud-platform-client-v2).
static GENESYS: LazyLock<Fixture> =
    LazyLock::new(|| Fixture::parse(include_str!("../../contracts/genesys.json")));

/// The Cognigy.AI fixture (@cognigy/rest-api-client).
static COGNIGY: LazyLock<Fixture> =
    LazyLock::new(|| Fixture::parse(include_str!("../../contracts/cognigy.json")));

/// Which vendor an API belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// Genesys Cloud's `/api/v2`.
    Genesys,
    /// Cognigy.AI's management API, `/new/v2.0`.
    Cognigy,
}

impl Vendor {
    /// The vendor's fixture.
    pub fn fixture(self) -> &'static Fixture {
        match self {
            Vendor::Genesys => &GENESYS,
            Vendor::Cognigy => &COGNIGY,
        }
    }

    /// The vendor whose API `path` is under, if any (the login host and the Cognigy Endpoint
    /// host are not in the SDKs).
    pub fn of_path(path: &str) -> Option<Self> {
        if path.starts_with("/api/v2/") {
            Some(Vendor::Genesys)
        } else if path.starts_with("/new/v2.0/") {
            Some(Vendor::Cognigy)
        } else {
            None
        }
    }
}

/// One vendor's operations and models.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fixture {
    /// What the fixture was made from (package and version).
    pub sources: BTreeMap<String, String>,
    /// The model of every error answer.
    pub error_model: String,
    /// The operations cxrelay or the simulator use.
    pub operations: Vec<Operation>,
    /// Every route of the vendor's API client, when the fixture lists them (Cognigy).
    #[serde(default)]
    pub routes: Vec<Route>,
    /// The models, by name.
    pub models: BTreeMap<String, Model>,
}

/// One API operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// The SDK's name for it.
    pub operation_id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, `{name}` for a parameter.
    pub path: String,
    /// The request body's model, if the operation takes one.
    pub request_model: Option<String>,
    /// The 2xx answer's model, if the SDK declares one.
    pub response_model: Option<String>,
    /// What the 2xx answer is when it is not a model (Cognigy's notify answers a string).
    #[serde(default)]
    pub response_type: Option<TypeSpec>,
}

/// A route of the vendor's API client (method and template).
#[derive(Debug, Deserialize)]
pub struct Route {
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template.
    pub path: String,
}

/// A model: its fields by JSON name.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// The fields.
    pub fields: BTreeMap<String, Field>,
    /// Fields beyond the named ones are allowed (a TypeScript index signature).
    #[serde(default)]
    pub additional_fields: bool,
}

/// One field of a model.
#[derive(Debug, Deserialize)]
pub struct Field {
    /// Whether the SDK requires it.
    pub required: bool,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: TypeSpec,
}

/// A JSON type, as the fixture writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum TypeSpec {
    /// A string, one of `enum` when given.
    String {
        /// The allowed values, as the SDK spells them.
        #[serde(default, rename = "enum")]
        values: Option<Vec<String>>,
    },
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An ISO 8601 date and time.
    DateTime,
    /// An ISO 8601 date.
    Date,
    /// Anything.
    Any,
    /// An array of `items`.
    Array {
        /// The type of each element.
        items: Box<TypeSpec>,
    },
    /// An object of `values` under any keys.
    Map {
        /// The type of each value.
        values: Box<TypeSpec>,
    },
    /// A model.
    Ref {
        /// Its name.
        model: String,
    },
}

impl Fixture {
    fn parse(text: &str) -> Self {
        // The fixture is generated and committed; a broken one is a build defect that every
        // test shows at once.
        serde_json::from_str(text)
            .unwrap_or_else(|error| panic!("a contract fixture is not valid: {error}"))
    }

    /// The operation `method` `path` is, if the fixture has it: of two templates that fit,
    /// the one with more literal segments (`/flows/executions` before `/flows/{flowId}`), as
    /// a router picks it.
    pub fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method) && template_matches(&op.path, path))
            .max_by_key(|op| literal_segments(&op.path))
    }

    /// Whether `method` `path` is a route of the vendor's API client (every operation is).
    pub fn has_route(&self, method: &str, path: &str) -> bool {
        self.operation(method, path).is_some()
            || self.routes.iter().any(|route| {
                route.method.eq_ignore_ascii_case(method) && template_matches(&route.path, path)
            })
    }
}

fn literal_segments(template: &str) -> usize {
    template
        .split('/')
        .filter(|segment| !segment.starts_with('{'))
        .count()
}

/// Whether `path` fits `template`: the same segments, a `{name}` standing for any one.
pub fn template_matches(template: &str, path: &str) -> bool {
    let mut wanted = template.trim_end_matches('/').split('/');
    let mut given = path.trim_end_matches('/').split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_fixtures_load_and_name_their_error_model() {
        for vendor in [Vendor::Genesys, Vendor::Cognigy] {
            let fixture = vendor.fixture();
            assert!(fixture.models.contains_key(&fixture.error_model));
            assert!(!fixture.operations.is_empty());
        }
    }

    #[test]
    fn templates_match_one_segment_per_parameter() {
        let t = "/api/v2/conversations/{conversationId}";
        assert!(template_matches(t, "/api/v2/conversations/abc"));
        assert!(!template_matches(
            t,
            "/api/v2/conversations/abc/participants"
        ));
        assert!(!template_matches(t, "/api/v2/conversations/"));
        assert!(!template_matches(t, "/api/v2/conversations"));
        let op = Vendor::Genesys
            .fixture()
            .operation("POST", "/api/v2/conversations/messages/agentless")
            .unwrap();
        assert_eq!(op.operation_id, "postConversationsMessagesAgentless");
        let op = Vendor::Genesys
            .fixture()
            .operation("GET", "/api/v2/flows/executions/x")
            .unwrap();
        assert_eq!(op.operation_id, "getFlowsExecution");
        let op = Vendor::Genesys
            .fixture()
            .operation("GET", "/api/v2/flows/f-1")
            .unwrap();
        assert_eq!(op.operation_id, "getFlow");
    }
}
