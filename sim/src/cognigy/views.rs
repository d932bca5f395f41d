//! The management API's answers in the models of Cognigy's official client
//! (`@cognigy/rest-api-client`, `sim/contracts/cognigy.json`): an Endpoint is an
//! `IEndpoint_2_0`, a snapshot list an `IIndexSnapshotsRestReturnValue_2_0`. The client types
//! every field of them as required, so the simulator gives each one: what it models (id, name,
//! URLToken, Flow, locale, `active`, `entrypoint`) from its store, the rest as a new Endpoint
//! of Cognigy's would have them (analytics on, no masking, no handover, no transformer).

use serde_json::{json, Value};

use super::resources::{Endpoint, Snapshot};

/// Creation and change times of seeded resources, in Unix milliseconds (the client types them
/// as numbers; the unit is UNCONFIRMED): the simulator keeps none, so a fixed past instant.
const SEEDED_AT_MS: i64 = 1_767_225_600_000;

/// Who created and last changed seeded resources (a user id of 24 hex digits).
const SEEDED_BY: &str = "000000000000000000000000";

/// `GET /new/v2.0/endpoints/{endpointId}`.
pub fn endpoint(endpoint: &Endpoint) -> Value {
    json!({
        "_id": endpoint.id,
        "name": endpoint.name,
        "URLToken": endpoint.url_token,
        "channel": endpoint.channel,
        "flowId": endpoint.flow_id,
        "localeId": endpoint.locale_id,
        "active": endpoint.active,
        "entrypoint": endpoint.entrypoint,
        "createdAt": SEEDED_AT_MS,
        "createdBy": SEEDED_BY,
        "lastChanged": SEEDED_AT_MS,
        "lastChangedBy": SEEDED_BY,
        "foreignId": "",
        "nluConnectorId": "",
        "dashbotApikey": "",
        "dashbotPlatform": "universal",
        "useDashbotAnalytics": false,
        "useAnalytics": true,
        "useContactProfiles": true,
        "useConversations": true,
        "maskAnalytics": false,
        "maskLogging": false,
        "disableInputSanitization": false,
        "overrideSnapshotConnections": false,
        "settings": {},
        "transformer": {
            "transformer": "",
            "abortOnError": false,
            "inputTransformerEnabled": false,
            "outputTransformerEnabled": false,
            "notifyTransformerEnabled": false,
            "injectTransformerEnabled": false,
            "finalPingTransformerEnabled": false,
        },
        "translationSettings": {
            "translationEnabled": false,
            "flowLanguage": endpoint.locale_id,
            "inputLanguage": endpoint.locale_id,
            "alwaysRemoveNoTranslateMarker": false,
            "noTranslateMarker": "",
            "padPayloads": false,
            "setInputLanguageOnExecutionCount": 1,
        },
        "fileStorageSettings": {"storageProvider": "none"},
        "handoverSettings": {"provider": "none"},
    })
}

/// `GET /new/v2.0/snapshots`: every snapshot on one page.
pub fn snapshot_list(snapshots: &[Snapshot]) -> Value {
    let items: Vec<Value> = snapshots
        .iter()
        .map(|snapshot| {
            json!({
                "_id": snapshot.id,
                "name": snapshot.name,
                "description": snapshot.description,
                "hash": snapshot.hash,
                "createdAt": snapshot.created_at,
                "createdBy": SEEDED_BY,
                "isPackaged": false,
                "packageExpiresAt": 0,
            })
        })
        .collect();
    // One page: no cursor leads anywhere (the client types both as strings).
    json!({"items": items, "total": items.len(), "nextCursor": "", "previousCursor": ""})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::check::{check, Direction};
    use crate::contract::fixture::{TypeSpec, Vendor};

    fn findings(value: &Value, model: &str) -> Vec<String> {
        let ty = TypeSpec::Ref {
            model: model.to_owned(),
        };
        check(value, &ty, Vendor::Cognigy.fixture(), Direction::Response)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_endpoint_and_a_snapshot_list_are_exactly_the_clients_models() {
        let endpoint_value = endpoint(&Endpoint {
            id: "64f1a0c0ffee000000000001".into(),
            name: "support".into(),
            url_token: "t".into(),
            channel: super::super::resources::REST_CHANNEL.into(),
            flow_id: "f".into(),
            locale_id: "l".into(),
            active: true,
            entrypoint: "s".into(),
            flow_name: "Main".into(),
        });
        assert_eq!(
            findings(&endpoint_value, "IEndpoint_2_0"),
            Vec::<String>::new()
        );
        let list = snapshot_list(&[Snapshot {
            id: "s".into(),
            name: "n".into(),
            description: String::new(),
            hash: "h".into(),
            created_at: 1,
            project_id: None,
        }]);
        assert_eq!(
            findings(&list, "IIndexSnapshotsRestReturnValue_2_0"),
            Vec::<String>::new()
        );
    }
}
