//! One structured log line per request, with a request id and no tokens or personal data:
//! method, path (ids only), status and latency. Query strings and bodies are never logged.

use std::time::Instant;

use poem::{http::HeaderValue, Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Keeps a caller's request id if it is short and plain, so logs can be joined across systems.
fn request_id(req: &Request) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The path as it may be logged: a calendar feed's path is its secret, so it is left out.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/feeds/") {
        "/feeds/[redacted]"
    } else {
        path
    }
}

pub async fn log_requests<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let id = request_id(&req);
    let path = loggable_path(req.uri().path());
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %path);
    async move {
        let started = Instant::now();
        let result = next.call(req).await;
        let mut response = match result {
            Ok(response) => response.into_response(),
            Err(err) => err.into_response(),
        };
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_millis() as u64,
            "request"
        );
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        Ok(response)
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feeds_secret_never_reaches_the_log() {
        assert_eq!(loggable_path("/feeds/Zm9vYmFyYmF6cXV4.ics"), "/feeds/[redacted]");
        assert_eq!(loggable_path("/api/v1/me"), "/api/v1/me");
    }
}
