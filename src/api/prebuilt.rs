//! A JSON answer whose body was written before the request: the same bytes poem-openapi's
//! `Json<T>` would write, and the same schema in the OpenAPI document, without building the
//! value tree again for every reader of a kept inbox page.

use std::marker::PhantomData;

use poem::{IntoResponse, Response};
use poem_openapi::{
    payload::Payload,
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::{ToJSON, Type},
    ApiResponse,
};

/// The body of a `T`, as `Json<T>` would have written it.
#[derive(Debug, Clone)]
pub struct PrebuiltJson<T> {
    body: bytes::Bytes,
    of: PhantomData<fn() -> T>,
}

impl<T: ToJSON> PrebuiltJson<T> {
    /// `value` written as `Json<T>` writes it.
    pub fn of(value: &T) -> Self {
        Self::written(serde_json::to_vec(&value.to_json()).unwrap_or_default())
    }

    /// A body already written from a `T`.
    pub fn written(body: impl Into<bytes::Bytes>) -> Self {
        Self { body: body.into(), of: PhantomData }
    }

    /// `envelope`, whose list `field` was left empty, written with `list` (a list's JSON) in
    /// that place. The empty list is found as `"field":[]`: a key, since a quote inside a
    /// string is written escaped.
    pub fn with_list(envelope: &T, field: &str, list: &[u8]) -> Self {
        let whole = serde_json::to_vec(&envelope.to_json()).unwrap_or_default();
        let empty = format!("\"{field}\":[]");
        let Some(at) = whole.windows(empty.len()).position(|window| window == empty.as_bytes()) else {
            // Not written as expected: the same answer through the value tree.
            let mut value = envelope.to_json();
            if let (Some(serde_json::Value::Object(fields)), Ok(list)) = (value.as_mut(), serde_json::from_slice(list))
            {
                fields.insert(field.to_owned(), list);
            }
            return Self::written(serde_json::to_vec(&value).unwrap_or_default());
        };
        let value_at = at + empty.len() - 2;
        let mut body = Vec::with_capacity(whole.len() + list.len());
        body.extend_from_slice(&whole[..value_at]);
        body.extend_from_slice(list);
        body.extend_from_slice(&whole[value_at + 2..]);
        Self::written(body)
    }
}

/// A value's JSON, written once: a part of a bigger answer to splice in.
pub fn written(value: &impl ToJSON) -> bytes::Bytes {
    serde_json::to_vec(&value.to_json()).unwrap_or_default().into()
}

impl<T: Type> Payload for PrebuiltJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for PrebuiltJson<T> {
    fn into_response(self) -> Response {
        Response::builder().content_type("application/json; charset=utf-8").body(self.body)
    }
}

impl<T: Type + Send> ApiResponse for PrebuiltJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType { content_type: Self::CONTENT_TYPE, schema: Self::schema_ref() }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::Object;

    use super::*;

    #[derive(Debug, Object)]
    struct Listed {
        items: Vec<Item>,
        next_cursor: Option<String>,
    }

    #[derive(Debug, Clone, Object)]
    struct Item {
        name: String,
        #[oai(skip_serializing_if_is_none)]
        note: Option<String>,
        seen: Option<chrono::DateTime<chrono::Utc>>,
    }

    fn as_json_writes(value: &Listed) -> Vec<u8> {
        serde_json::to_vec(&value.to_json()).unwrap()
    }

    #[test]
    fn a_list_spliced_in_is_written_as_the_whole_value_would_be() {
        let items = vec![
            Item { name: "Taro \"items\":[]".to_owned(), note: None, seen: Some(chrono::Utc::now()) },
            Item { name: "花子".to_owned(), note: Some("<b>".to_owned()), seen: None },
        ];
        for next_cursor in [None, Some("\"items\":[]".to_owned())] {
            let whole = Listed { items: items.clone(), next_cursor: next_cursor.clone() };
            let envelope = Listed { items: Vec::new(), next_cursor };
            let spliced = PrebuiltJson::with_list(&envelope, "items", &written(&items));
            assert_eq!(spliced.body, as_json_writes(&whole));
        }
        let empty = Listed { items: Vec::new(), next_cursor: None };
        assert_eq!(PrebuiltJson::with_list(&empty, "items", b"[]").body, as_json_writes(&empty));
    }

    #[test]
    fn a_list_with_no_place_to_go_is_added_to_the_value() {
        let items = vec![Item { name: "A".to_owned(), note: None, seen: None }];
        let envelope = Listed { items: Vec::new(), next_cursor: None };
        let added = PrebuiltJson::with_list(&envelope, "entries", &written(&items));
        let value: serde_json::Value = serde_json::from_slice(&added.body).unwrap();
        assert_eq!(value["entries"][0]["name"], "A");
    }
}
