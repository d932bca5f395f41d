//! The six webhook routes take `application/x-www-form-urlencoded` bodies as well as JSON (the
//! Cognigy HTTP Request node's default content type): each gets the form media type beside its
//! JSON one, with the same schema, since the form decodes into the same object.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::OpenApi;
use utoipa::Modify;

/// Media type of form bodies.
const FORM: &str = "application/x-www-form-urlencoded";
/// Media type of JSON bodies.
const JSON: &str = "application/json";

/// Adds the form media type to every webhook request body that has a JSON one.
pub struct FormBodies;

impl Modify for FormBodies {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            let Some(body) = item.post.as_mut().and_then(|op| op.request_body.as_mut()) else {
                continue;
            };
            let Some(schema) = body.content.get(JSON).and_then(|c| c.schema.clone()) else {
                continue;
            };
            let form = ContentBuilder::new()
                .schema(Some(schema))
                .example(Some(serde_json::Value::String(
                    "sessionId=demo-session-1&userId=demo-user-1&text=agent&data%5Bplan%5D=gold"
                        .to_owned(),
                )))
                .build();
            body.content.insert(FORM.to_owned(), form);
            body.description = Some(
                "JSON, or a form (`application/x-www-form-urlencoded`, nested keys as \
                 `data[plan]=gold`, `list[0]=a`), which decodes into the same object; numbers \
                 and booleans may be sent as strings."
                    .to_owned(),
            );
        }
    }
}
