//! What the contract says beyond what utoipa derives: discriminated unions of complete
//! objects, rules spanning several properties, every header the service sends or reads,
//! the closed set of problem codes, the servers, and the wizard's metadata.
//!
//! The passes here are [`Modify`] implementations applied by [`super::ApiDoc`]; the
//! helpers are used by the DTOs that need a hand-made schema.

use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{Discriminator, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};

/// A variant of a discriminated union as one complete object: the variant's own object
/// schema with the discriminating property (one value) added and required first.
pub fn tagged_variant(
    mut schema: RefOr<Schema>,
    property: &str,
    tag: &str,
    description: &str,
) -> RefOr<Schema> {
    if let RefOr::T(Schema::Object(object)) = &mut schema {
        let tag_schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some([tag]))
            .build();
        object.properties.insert(property.into(), tag_schema.into());
        object.required.retain(|r| r != property);
        object.required.insert(0, property.into());
        object.description = Some(description.to_owned());
    }
    schema
}

/// A `oneOf` of the named components, discriminated by `property` (`tag` → component).
pub fn discriminated_union(property: &str, variants: &[(&str, &str)]) -> OneOfBuilder {
    let mut one_of = OneOfBuilder::new();
    for (_, component) in variants {
        one_of = one_of.item(Ref::from_schema_name(*component));
    }
    let mapping = variants
        .iter()
        .map(|(tag, component)| (*tag, format!("#/components/schemas/{component}")));
    one_of.discriminator(Some(Discriminator::with_mapping(property, mapping)))
}

/// Adds rules that span several properties (JSON Schema `if`/`then`, which utoipa's model
/// lacks) to an object schema, as its one `allOf` keyword (one key keeps the output
/// deterministic: extensions are a hash map).
pub fn with_conditional_rules(schema: &mut RefOr<Schema>, rules: serde_json::Value) {
    if let RefOr::T(Schema::Object(object)) = schema {
        let mut extensions = Extensions::default();
        extensions.insert("allOf".into(), rules);
        object.extensions = Some(extensions);
    }
}

/// Every code `Problem.code` and `errors[].code` may carry: the closed set of the error
/// table ([`super::error_codes`]), as an enum.
pub struct ProblemCode;

impl utoipa::PartialSchema for ProblemCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(super::error_codes().into_iter().map(|c| c.as_str())))
            .description(Some(
                "A stable problem code; the contract's description tables each with its \
French and English meaning.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for ProblemCode {}

/// Declares every header the service sends or reads that utoipa's derives cannot see:
/// `Accept-Language` on every operation; `x-request-id` on every response (the
/// `render_problems` middleware adds it); `Content-Language` on every problem; `Retry-After`
/// on 429 and 503; `WWW-Authenticate` on 401; `ETag` (and `idempotent-replayed` where a
/// retry replays) on every answer carrying an order (`OrderReply`).
pub struct Headers;

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

/// Operations answering with an `OrderReply` (`ETag`), and whether a retry with the same
/// `Idempotency-Key` replays the first answer (`idempotent-replayed`).
const ORDER_REPLIES: &[(&str, &str, bool)] = &[
    ("/orders", "post", true),
    ("/orders/{id}", "get", false),
    ("/orders/{id}", "patch", false),
    ("/orders/{id}", "delete", false),
    ("/orders/{id}/commander", "post", true),
];

impl utoipa::Modify for Headers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{HttpMethod, ParameterBuilder, ParameterIn};
        let accept_language = ParameterBuilder::new()
            .name("Accept-Language")
            .parameter_in(ParameterIn::Header)
            .required(utoipa::openapi::Required::False)
            .description(Some(
                "`en` for English messages (`title`, `detail`, `errors[].message`, `invalid[]`); \
French otherwise (the default).",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .examples(["en", "fr-FR,fr;q=0.9,en;q=0.8"]),
            ))
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", HttpMethod::Get, item.get.as_mut()),
                ("post", HttpMethod::Post, item.post.as_mut()),
                ("put", HttpMethod::Put, item.put.as_mut()),
                ("patch", HttpMethod::Patch, item.patch.as_mut()),
                ("delete", HttpMethod::Delete, item.delete.as_mut()),
            ];
            for (method, _, operation) in operations {
                let Some(operation) = operation else { continue };
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .push(accept_language.clone());
                let order_reply = ORDER_REPLIES
                    .iter()
                    .find(|(p, m, _)| p == path && *m == method);
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let headers = &mut response.headers;
                    headers.insert(
                        "x-request-id".into(),
                        string_header(
                            "The request's id, also in the problem body and in every log line.",
                        ),
                    );
                    let code: u16 = status.parse().unwrap_or(0);
                    if code >= 400 {
                        headers.insert(
                            "Content-Language".into(),
                            string_header("The language of the problem's texts: `fr` or `en`."),
                        );
                    }
                    if code == 429 || code == 503 {
                        headers.insert(
                            "Retry-After".into(),
                            utoipa::openapi::header::HeaderBuilder::new()
                                .schema(
                                    ObjectBuilder::new()
                                        .schema_type(Type::Integer)
                                        .minimum(Some(0)),
                                )
                                .description(Some("Seconds to wait before retrying."))
                                .build(),
                        );
                    }
                    if code == 401 {
                        headers.insert(
                            "WWW-Authenticate".into(),
                            string_header("`Bearer realm=\"certorder\"`, with `error` when a token was refused."),
                        );
                    }
                    if code == 412 {
                        headers.insert(
                            "ETag".into(),
                            string_header("The order's current version (`\"<version>\"`): read it again, or retry with it in `If-Match`."),
                        );
                    }
                    if code == 405 {
                        headers.insert(
                            "Allow".into(),
                            string_header("The methods the path accepts."),
                        );
                    }
                    if path == "/orders/{id}/formulaire.pdf" && code == 200 {
                        headers.insert(
                            "Cache-Control".into(),
                            string_header("`private, no-cache`."),
                        );
                    }
                    if let Some((_, _, replays)) =
                        order_reply.filter(|_| (200..300).contains(&code))
                    {
                        headers.entry("ETag".into()).or_insert_with(|| {
                            string_header("`\"<version>\"`: the order's version, for `If-Match`.")
                        });
                        if *replays {
                            headers.insert(
                                "idempotent-replayed".into(),
                                string_header("`true` when this answer replays the first one given to the same `Idempotency-Key` and body."),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// `servers[]`: the server that serves this document, and the development default.
pub struct Servers;

impl utoipa::Modify for Servers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::server::ServerBuilder;
        openapi.servers = Some(vec![
            ServerBuilder::new()
                .url("/")
                .description(Some(
                    "The server that serves this contract (`GET /openapi.json`)",
                ))
                .build(),
            ServerBuilder::new()
                .url("http://127.0.0.1:8080")
                .description(Some("`cargo run`, development"))
                .build(),
        ]);
    }
}
