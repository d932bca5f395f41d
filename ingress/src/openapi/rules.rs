//! What a derived request schema cannot say by itself: which properties are aliases of which,
//! and the rules that join several fields (one of two names required, a limit that depends on
//! the channel). Each request schema is its derived fields plus these, under `allOf`.

use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::RefOr;
use utoipa::PartialSchema;

/// Extension naming the property an alias stands for (`"x-alias-of": "intentScore"`): a parser
/// reads the field under whichever of its names is given, and refuses it given under two.
pub const ALIAS_EXTENSION: &str = "x-alias-of";

/// `name` is present and of type `kind` (so not null).
pub fn present(name: &str, kind: Type) -> ObjectBuilder {
    ObjectBuilder::new()
        .property(name, ObjectBuilder::new().schema_type(kind))
        .required(name)
}

/// A request schema under construction: the derived fields of `F`, then rules.
pub struct RequestSchema {
    fields: Schema,
    rules: Vec<RefOr<Schema>>,
    description: &'static str,
}

impl RequestSchema {
    /// Starts from the derived schema of `F`, described by `description`.
    pub fn of<F: PartialSchema>(description: &'static str) -> Self {
        let fields = match F::schema() {
            RefOr::T(schema) => schema,
            RefOr::Ref(_) => Schema::default(),
        };
        Self {
            fields,
            rules: Vec::new(),
            description,
        }
    }

    /// Marks each `(alias, property)`: the alias property stands for the other one.
    pub fn aliases(mut self, aliases: &[(&str, &str)]) -> Self {
        if let Schema::Object(object) = &mut self.fields {
            for (alias, property) in aliases {
                if let Some(RefOr::T(Schema::Object(alias_schema))) =
                    object.properties.get_mut(*alias)
                {
                    alias_schema
                        .extensions
                        .get_or_insert_with(Default::default)
                        .insert(ALIAS_EXTENSION.to_owned(), (*property).into());
                }
            }
        }
        self
    }

    /// At least one of `alternatives` must hold.
    pub fn any_of(mut self, alternatives: Vec<ObjectBuilder>, description: &str) -> Self {
        let mut any = AnyOfBuilder::new().description(Some(description));
        for alternative in alternatives {
            any = any.item(alternative.schema_type(SchemaType::AnyValue));
        }
        self.rules.push(Schema::AnyOf(any.build()).into());
        self
    }

    /// Exactly one of `alternatives` must hold.
    pub fn one_of(mut self, alternatives: Vec<ObjectBuilder>, description: &str) -> Self {
        let mut one = OneOfBuilder::new().description(Some(description));
        for alternative in alternatives {
            one = one.item(alternative.schema_type(SchemaType::AnyValue));
        }
        self.rules.push(Schema::OneOf(one.build()).into());
        self
    }

    /// `property` is one of `others`, or else `then` holds: JSON Schema's `if`/`then` told
    /// with `anyOf`, since the condition is an enum (`others`: the values the rule spares).
    pub fn unless(
        mut self,
        property: &str,
        others: &[&str],
        then: ObjectBuilder,
        description: &str,
    ) -> Self {
        let spared = ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .property(
                property,
                ObjectBuilder::new()
                    .schema_type(SchemaType::AnyValue)
                    .enum_values(Some(others.iter().copied())),
            );
        let rule = AnyOfBuilder::new()
            .description(Some(description))
            .item(spared)
            .item(then.schema_type(SchemaType::AnyValue));
        self.rules.push(Schema::AnyOf(rule.build()).into());
        self
    }

    /// The finished schema: the fields alone, or the fields and the rules under `allOf`.
    pub fn build(self) -> RefOr<Schema> {
        if self.rules.is_empty() {
            let mut fields = self.fields;
            if let Schema::Object(object) = &mut fields {
                object.description = Some(self.description.to_owned());
            }
            return fields.into();
        }
        let mut all = AllOfBuilder::new()
            .description(Some(self.description))
            .item(self.fields);
        for rule in self.rules {
            all = all.item(rule);
        }
        Schema::AllOf(all.build()).into()
    }
}
