//! A JSON request body that tells unreadable JSON (400) from JSON that does not fit (422).

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::{
    payload::{ParsePayload, Payload},
    registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry},
    types::{ParseFromJSON, Type},
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
};
use serde_json::Value;

use super::{
    problem::{ApiError, FieldProblem},
    strict,
};

/// Use in place of `Json<T>` for request bodies.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(mime)
            if mime.type_() == "application" && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        if data.is_empty() {
            return Err(poem::Error::from_string(
                "The request needs a JSON body.",
                poem::http::StatusCode::BAD_REQUEST,
            ));
        }
        let value: Value = serde_json::from_slice(&data).map_err(|err| {
            poem::Error::from_string(format!("The body is not valid JSON: {err}."), poem::http::StatusCode::BAD_REQUEST)
        })?;
        strict::check::<T>(&value).map_err(|(field, message)| -> poem::Error {
            ApiError::Validation(vec![FieldProblem { field, message }]).into()
        })?;
        T::parse_from_json(Some(value)).map(Self).map_err(|err| {
            let message = super::problem::plain_type_names(&err.into_message());
            ApiError::Validation(vec![FieldProblem { field: "body".to_owned(), message }]).into()
        })
    }
}

impl<'a, T: ParseFromJSON> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        request_meta::<Self>()
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        extract(request, body, "Send the body as application/json.").await
    }
}

/// A required request body of one media type, as the OpenAPI document describes it.
pub(super) fn request_meta<P: Payload>() -> Option<MetaRequest> {
    Some(MetaRequest {
        description: None,
        content: vec![MetaMediaType { content_type: P::CONTENT_TYPE, schema: P::schema_ref() }],
        required: true,
    })
}

/// The body read as `P` when it is sent as `P`'s media type; 415 saying `unsupported` otherwise.
pub(super) async fn extract<P: Payload + ParsePayload>(
    request: &Request,
    body: &mut RequestBody,
    unsupported: &'static str,
) -> poem::Result<P> {
    match request.content_type() {
        Some(content_type) if P::check_content_type(content_type) => P::from_request(request, body).await,
        _ => Err(poem::Error::from_string(unsupported, poem::http::StatusCode::UNSUPPORTED_MEDIA_TYPE)),
    }
}
