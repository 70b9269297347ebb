//! A strict JSON body extractor: `application/json` only, a size limit, unknown fields and
//! type errors reported with a JSON pointer to the field — all as problem+json, never the
//! plain-text answers of actix's own `Json`.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use crate::domain::shared::issue::{Code, FieldIssue};

/// The largest body accepted, set as app data by the server.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

pub struct ValidJson<T>(pub T);

/// The raw body, up to the limit (for endpoints whose body is optional).
pub struct RawBody(pub web::Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(64 * 1024, |l| l.0);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body
                .await
                .map_err(|_| ApiError::PayloadTooLarge { limit })?;
            if bytes.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            Ok(RawBody(bytes))
        })
    }
}

/// The request's media type, lowercased, without its parameters (`application/json`).
pub fn media_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
}

/// `application/json` or a `+json` suffix type.
pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<BodyLimit>().map_or(64 * 1024, |l| l.0);
        let content_type_ok = media_type(req).is_some_and(|m| is_json(&m));
        let declared_too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > limit);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType);
            }
            if declared_too_large {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let bytes = body
                .await
                .map_err(|_| ApiError::PayloadTooLarge { limit })?;
            if bytes.len() > limit {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            parse_json(&bytes).map(ValidJson)
        })
    }
}

/// Parses a JSON body: syntax errors are 400, a well-formed body that does not fit the
/// request's shape is 422 with the field's pointer.
///
/// Every request body of this API is a JSON object (serde would otherwise read a struct from
/// an array), and no string may hold a NUL character: PostgreSQL cannot store one in `text`
/// or `jsonb`, so it would fail deep down as a 500 instead of here as a 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedBody(e.to_string()))?;
    parse_json_value(value)
}

/// `parse_json`'s rules, for a body already read as a JSON value (a form made into one).
pub fn parse_json_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::Validation(vec![FieldIssue::new(
            "",
            Code::InvalidType,
            "Le corps de la requête doit être un objet JSON.",
            "The request body must be a JSON object.",
        )]));
    }
    if let Some(pointer) = find_nul(&value) {
        return Err(ApiError::Validation(vec![FieldIssue::new(
            pointer,
            Code::InvalidCharacter,
            "Le caractère NUL (\\u0000) n'est pas accepté.",
            "The NUL character (\\u0000) is not accepted.",
        )]));
    }
    if let Some(pointer) = find_non_string_tag(&value) {
        return Err(ApiError::Validation(vec![FieldIssue::new(
            pointer,
            Code::InvalidType,
            "« type » est un nom de variante (une chaîne), pas un nombre ni un objet.",
            "\"type\" names a variant (a string), not a number or an object.",
        )]));
    }
    serde_path_to_error::deserialize(Strict(value)).map_err(classify)
}

/// The pointer of the first `type` member that is not a string. In this API's requests
/// `type` is always the tag of an enum (`holder`, `partner`), and serde would read a number
/// there as the variant's index (`"type": 0` for `"none"`) — found by schemathesis.
fn find_non_string_tag(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_non_string_tag(v).map(|p| format!("/{i}{p}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k == "type" && !v.is_string() {
                return Some("/type".to_owned());
            }
            find_non_string_tag(v).map(|p| format!("/{}{p}", escape(k)))
        }),
        _ => None,
    }
}

/// A JSON value read as a request DTO, with one difference from `serde_json::Value`'s own
/// deserializer: a struct (or an enum's content) is read only from an object. serde's derived
/// structs also accept an array of their fields in order, so `"terms": ["CGU-2026-09"]` would
/// pass for `{"version": "CGU-2026-09"}` — not what the contract says (found by schemathesis).
/// Structs inside enum variants (tagged or not) are read by serde itself and keep its leniency.
struct Strict(serde_json::Value);

impl<'de> serde::de::IntoDeserializer<'de, serde_json::Error> for Strict {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

fn unexpected(value: &serde_json::Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    use serde_json::Value;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> serde::Deserializer<'de> for Strict {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        use serde::de::value::{MapDeserializer, SeqDeserializer};
        use serde_json::Value;
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => serde::Deserializer::deserialize_any(n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Strict));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(map) => {
                let mut map = MapDeserializer::new(map.into_iter().map(|(k, v)| (k, Strict(v))));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            serde_json::Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match &self.0 {
            serde_json::Value::Object(_) => self.deserialize_any(visitor),
            other => Err(serde::de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        use serde::de::value::{MapAccessDeserializer, MapDeserializer, StringDeserializer};
        use serde_json::Value;
        match self.0 {
            Value::String(s) => visitor.visit_enum(StringDeserializer::<serde_json::Error>::new(s)),
            Value::Object(map) if map.len() == 1 => visitor.visit_enum(MapAccessDeserializer::new(
                MapDeserializer::new(map.into_iter().map(|(k, v)| (k, Strict(v)))),
            )),
            other => Err(serde::de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// An optional JSON body: no body (zero bytes) or the JSON `null` means none. A body of only
/// white space is not JSON (400 `malformed_body`), as the contract says.
pub fn parse_optional_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<Option<T>, ApiError> {
    if bytes.is_empty() || bytes.trim_ascii() == b"null" {
        return Ok(None);
    }
    parse_json(bytes).map(Some)
}

/// The JSON pointer of the first string (or key) holding a NUL character.
fn find_nul(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
    match value {
        Value::String(s) if s.contains('\0') => Some(String::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_nul(v).map(|p| format!("/{i}{p}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                return Some(format!("/{}", escape(k)));
            }
            find_nul(v).map(|p| format!("/{}{p}", escape(k)))
        }),
        _ => None,
    }
}

fn classify(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = err.inner();
    let mut pointer = String::new();
    for segment in err.path().iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => {}
        }
    }
    let text = inner.to_string();
    let text = text.split(" at line ").next().unwrap_or(&text).to_owned();
    let (code, fr, en) = if let Some(rest) = text.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        if !pointer.ends_with(name) {
            pointer.push('/');
            pointer.push_str(name);
        }
        (
            Code::UnknownField,
            format!("Champ inconnu « {name} » : ce champ n'existe pas ici ({text})."),
            format!("Unknown field \"{name}\": this field does not exist here ({text})."),
        )
    } else if let Some(rest) = text.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        pointer.push('/');
        pointer.push_str(name);
        (
            Code::Required,
            format!("Le champ « {name} » est obligatoire."),
            format!("The field \"{name}\" is required."),
        )
    } else {
        (
            Code::InvalidType,
            format!("Valeur invalide : {text}."),
            format!("Invalid value: {text}."),
        )
    };
    ApiError::Validation(vec![FieldIssue::new(pointer, code, fr, en)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn issue(err: ApiError) -> FieldIssue {
        match err {
            ApiError::Validation(mut v) => v.remove(0),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_field_is_named_with_its_pointer() {
        let i = issue(
            parse_json::<Sample>(br#"{"name":"a","inner":{"count":1,"colour":2}}"#).unwrap_err(),
        );
        assert_eq!(i.code, "unknown_field");
        assert_eq!(i.pointer, "/inner/colour");
    }

    #[test]
    fn a_wrong_type_points_at_the_field() {
        let i = issue(parse_json::<Sample>(br#"{"name":"a","inner":{"count":"x"}}"#).unwrap_err());
        assert_eq!(i.code, "invalid_type");
        assert_eq!(i.pointer, "/inner/count");
    }

    #[test]
    fn a_missing_field_is_required() {
        let i = issue(parse_json::<Sample>(br#"{}"#).unwrap_err());
        assert_eq!((i.code.as_str(), i.pointer.as_str()), ("required", "/name"));
    }

    #[test]
    fn broken_or_deeply_nested_json_is_malformed_not_a_panic() {
        assert!(matches!(
            parse_json::<Sample>(b"{\"name\":"),
            Err(ApiError::MalformedBody(_))
        ));
        assert!(matches!(
            parse_json::<Sample>(&[0xff, 0xfe]),
            Err(ApiError::MalformedBody(_))
        ));
        let deep = "[".repeat(100_000);
        assert!(matches!(
            parse_json::<serde_json::Value>(deep.as_bytes()),
            Err(ApiError::MalformedBody(_))
        ));
        assert!(matches!(
            parse_json::<Sample>(br#"{"name":"a"} trailing"#),
            Err(ApiError::MalformedBody(_))
        ));
    }

    #[test]
    fn a_nul_character_is_refused_with_its_pointer() {
        let i = issue(parse_json::<Sample>(br#"{"name":"a\u0000b"}"#).unwrap_err());
        assert_eq!(
            (i.code.as_str(), i.pointer.as_str()),
            ("invalid_character", "/name")
        );
        let i =
            issue(parse_json::<serde_json::Value>(br#"{"a":[1,{"b/c":"\u0000"}]}"#).unwrap_err());
        assert_eq!(i.pointer, "/a/1/b~1c");
        // an escaped backslash followed by "u0000" is ordinary text
        assert!(parse_json::<Sample>(br#"{"name":"\\u0000"}"#).is_ok());
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        inner: Option<Inner2>,
        kind: Option<Kind>,
        tags: Option<Vec<String>>,
    }
    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner2 {
        version: String,
    }
    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Boxed { size: u32 },
    }

    #[test]
    fn a_struct_is_read_from_an_object_only_never_from_an_array() {
        let i = issue(parse_json::<Outer>(br#"{"inner": ["v1"]}"#).unwrap_err());
        assert_eq!(
            (i.code.as_str(), i.pointer.as_str()),
            ("invalid_type", "/inner")
        );
        let ok = parse_json::<Outer>(
            br#"{"inner": {"version": "v1"}, "kind": "plain", "tags": ["a", "b"]}"#,
        )
        .unwrap();
        assert_eq!(
            ok.inner,
            Some(Inner2 {
                version: "v1".into()
            })
        );
        assert_eq!(ok.kind, Some(Kind::Plain));
        let boxed =
            parse_json::<Outer>(br#"{"kind": {"boxed": {"size": 3}}, "inner": null}"#).unwrap();
        assert_eq!(boxed.kind, Some(Kind::Boxed { size: 3 }));
        assert_eq!(boxed.inner, None);
        let i = issue(parse_json::<Outer>(br#"{"inner": {"version": "v1", "x": 1}}"#).unwrap_err());
        assert_eq!(
            (i.code.as_str(), i.pointer.as_str()),
            ("unknown_field", "/inner/x")
        );
    }

    #[test]
    fn a_type_tag_must_be_a_string() {
        let i = issue(
            parse_json::<serde_json::Value>(br#"{"partner": {"type": 0, "code": "X"}}"#)
                .unwrap_err(),
        );
        assert_eq!(
            (i.code.as_str(), i.pointer.as_str()),
            ("invalid_type", "/partner/type")
        );
        assert!(parse_json::<serde_json::Value>(br#"{"partner": {"type": "none"}}"#).is_ok());
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        let i = issue(parse_json::<Sample>(br#"["a", null]"#).unwrap_err());
        assert_eq!((i.code.as_str(), i.pointer.as_str()), ("invalid_type", ""));
        assert!(matches!(parse_optional_json::<Sample>(b" null "), Ok(None)));
        assert!(matches!(parse_optional_json::<Sample>(b""), Ok(None)));
        assert!(parse_optional_json::<Sample>(b"[null]").is_err());
    }

    #[test]
    fn an_optional_body_of_only_white_space_is_malformed_not_absent() {
        for blank in [&b"\t"[..], b" ", b"\r\n"] {
            assert!(
                matches!(
                    parse_optional_json::<Sample>(blank),
                    Err(ApiError::MalformedBody(_))
                ),
                "{blank:?} was taken for no body"
            );
        }
    }
}
