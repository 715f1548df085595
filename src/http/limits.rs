//! Request bodies are capped at 1 MiB whether or not the client says how long they are.

use poem::{
    error::ReadBodyError,
    http::{header, StatusCode},
    Endpoint, IntoResponse, Request, Response,
};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

fn too_large() -> poem::Error {
    poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE)
}

/// Refuses an over-long `Content-Length` at once, and reads any other body (chunked included)
/// only up to the limit. Bodies are small JSON documents, so holding them in memory is fine.
pub async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = req.take_body().into_bytes_limit(MAX_BODY_BYTES).await.map_err(|err| match err {
        ReadBodyError::PayloadTooLarge => too_large(),
        _ => poem::Error::from_string("The request body could not be read.", StatusCode::BAD_REQUEST),
    })?;
    req.set_body(bytes);
    next.call(req).await.map(IntoResponse::into_response)
}
