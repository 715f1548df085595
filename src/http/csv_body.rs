//! A spreadsheet sent as `text/csv`: its bytes as sent, in whatever encoding Excel wrote
//! (the import reads UTF-8 and Shift_JIS), so that nothing is decoded before it is checked.

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::{
    payload::{ParsePayload, Payload},
    registry::{MetaRequest, MetaSchema, MetaSchemaRef, Registry},
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvBody(pub Vec<u8>);

impl Payload for CsvBody {
    const CONTENT_TYPE: &'static str = "text/csv";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(mime) if mime.type_() == "text" && mime.subtype() == "csv")
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema { format: Some("binary"), ..MetaSchema::new("string") }))
    }
}

impl ParsePayload for CsvBody {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        // An empty file is read, and refused as such where files are checked.
        Ok(Self(<Vec<u8> as FromRequest>::from_request(request, body).await?))
    }
}

impl<'a> ApiExtractor<'a> for CsvBody {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(_registry: &mut Registry) {}

    fn request_meta() -> Option<MetaRequest> {
        super::json_body::request_meta::<Self>()
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        super::json_body::extract(request, body, "Send the spreadsheet as text/csv (UTF-8 or Shift_JIS).").await
    }
}
