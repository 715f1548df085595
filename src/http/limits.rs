//! Request bodies are capped at 1 MiB whether or not the client says how long they are.

use std::time::Duration;

use poem::{
    http::{header, HeaderValue, StatusCode},
    Endpoint, IntoResponse, Request, Response,
};
use tokio::io::AsyncReadExt;

use super::Problem;

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How much of an over-long body is read and thrown away before the 413 goes out. A client
/// that writes its whole body before reading the answer (Python's `http.client`, `requests`)
/// would otherwise get a broken pipe instead of the 413: the server must not close while it
/// is still writing (lingering close). Past this, or past `DRAIN_TIME`, the connection closes.
const DRAIN_BYTES: usize = 8 * MAX_BODY_BYTES;
const DRAIN_TIME: Duration = Duration::from_secs(5);

fn too_large() -> Response {
    let detail = format!("The request body is larger than {MAX_BODY_BYTES} bytes.");
    let mut response = Problem::new(StatusCode::PAYLOAD_TOO_LARGE, Some(detail)).into_response();
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

enum Body {
    Within(Vec<u8>),
    TooLarge,
    Unreadable,
}

/// Reads the body up to the limit; past it, keeps reading (and discarding) a bounded amount.
async fn read(body: poem::Body, declared_too_large: bool) -> Body {
    let mut reader = body.into_async_read();
    let mut kept = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut seen = 0usize;
    let reading = async {
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) => {
                    return if seen > MAX_BODY_BYTES || declared_too_large {
                        Body::TooLarge
                    } else {
                        Body::Within(kept)
                    }
                }
                Ok(n) => {
                    seen += n;
                    if seen <= MAX_BODY_BYTES && !declared_too_large {
                        kept.extend_from_slice(&chunk[..n]);
                    } else {
                        kept = Vec::new();
                        if seen > DRAIN_BYTES {
                            return Body::TooLarge;
                        }
                    }
                }
                Err(_) if seen > MAX_BODY_BYTES || declared_too_large => return Body::TooLarge,
                Err(_) => return Body::Unreadable,
            }
        }
    };
    match tokio::time::timeout(DRAIN_TIME, reading).await {
        Ok(body) => body,
        Err(_) if seen > MAX_BODY_BYTES || declared_too_large => Body::TooLarge,
        Err(_) => Body::Unreadable,
    }
}

/// Refuses an over-long body, declared or chunked, with 413 after draining it (bounded), and
/// hands every other body on in memory. Bodies are small JSON documents.
pub async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let declared_too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES as u64);
    match read(req.take_body(), declared_too_large).await {
        Body::Within(bytes) => {
            req.set_body(bytes);
            next.call(req).await.map(IntoResponse::into_response)
        }
        Body::TooLarge => Ok(too_large()),
        Body::Unreadable => {
            Err(poem::Error::from_string("The request body could not be read.", StatusCode::BAD_REQUEST))
        }
    }
}
