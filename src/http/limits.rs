//! Request bodies are capped at 1 MiB whether or not the client says how long they are.

use std::{
    future::Future,
    sync::{Arc, LazyLock},
    time::Duration,
};

use futures::StreamExt;
use poem::{
    http::{header, HeaderValue, StatusCode},
    Request, Response,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{
    chain::{call_next, Next},
    Problem,
};

pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How much of an over-long body is read and thrown away before the 413 goes out. A client
/// that writes its whole body before reading the answer (Python's `http.client`, `requests`)
/// would otherwise get a broken pipe instead of the 413: the server must not close while it
/// is still writing (lingering close). Past this, or past `DRAIN_TIME`, the connection closes.
const DRAIN_BYTES: usize = 8 * MAX_BODY_BYTES;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Request bodies held in memory at once, all requests together, in KiB: past this a request
/// is answered 503 (with `Retry-After`) rather than buffered, so that many unfinished bodies
/// cannot exhaust the memory the scheduler and everyone else need.
const BODIES_IN_FLIGHT_KIB: usize = 64 * 1024;
static BODY_BUDGET: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(BODIES_IN_FLIGHT_KIB)));

/// A refusal given before a request's body is read, or `None` to read it. It may look things
/// up (a session), so it answers in a future that owns what it needs.
pub type Precheck = Arc<dyn Fn(&Request) -> futures::future::BoxFuture<'static, Option<Response>> + Send + Sync>;

/// What a request must show before its body is read, and how long reading it may take.
#[derive(Clone)]
pub struct BodyPolicy {
    /// From the first byte to the last; a body not finished by then is answered 408.
    pub read_timeout: Duration,
    /// A refusal to answer before reading the body (e.g. 401 for a route that needs a token and
    /// got none that verifies); `None` lets the body be read.
    pub precheck: Precheck,
}

fn too_large() -> Response {
    let detail = format!("The request body is larger than {MAX_BODY_BYTES} bytes.");
    let mut response = Problem::new(StatusCode::PAYLOAD_TOO_LARGE, Some(detail)).into_response();
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

enum Body {
    Within(Vec<u8>, Vec<OwnedSemaphorePermit>),
    TooLarge,
    Unreadable,
    TimedOut,
    Busy,
}

fn permit_for(bytes: usize) -> Option<OwnedSemaphorePermit> {
    let kib = u32::try_from(bytes.div_ceil(1024)).ok()?;
    BODY_BUDGET.clone().try_acquire_many_owned(kib).ok()
}

/// Reads the body up to the limit; past it, keeps reading (and discarding) a bounded amount.
/// The body is taken as the chunks the connection already holds: a request with no body
/// (every GET) allocates nothing here. (A zeroed 64 KiB buffer for each request cost the
/// server 5 % of its time in the allocator, returning those pages to the kernel.)
async fn read(body: poem::Body, declared_too_large: bool, read_timeout: Duration) -> Body {
    let mut chunks = std::pin::pin!(body.into_bytes_stream());
    let mut kept = Vec::new();
    let mut permits = Vec::new();
    let mut seen = 0usize;
    let reading = async {
        loop {
            let too_large = seen > MAX_BODY_BYTES || declared_too_large;
            match chunks.next().await {
                None if too_large => return Body::TooLarge,
                None => return Body::Within(std::mem::take(&mut kept), std::mem::take(&mut permits)),
                Some(Ok(chunk)) => {
                    seen += chunk.len();
                    if seen <= MAX_BODY_BYTES && !declared_too_large {
                        match permit_for(chunk.len()) {
                            Some(permit) => permits.push(permit),
                            None => return Body::Busy,
                        }
                        kept.extend_from_slice(&chunk);
                    } else {
                        kept = Vec::new();
                        permits.clear();
                        if seen > DRAIN_BYTES {
                            return Body::TooLarge;
                        }
                    }
                }
                Some(Err(_)) if too_large => return Body::TooLarge,
                Some(Err(_)) => return Body::Unreadable,
            }
        }
    };
    let limit = if declared_too_large { DRAIN_TIME } else { read_timeout };
    match tokio::time::timeout(limit, reading).await {
        Ok(body) => body,
        Err(_) if seen > MAX_BODY_BYTES || declared_too_large => Body::TooLarge,
        Err(_) => Body::TimedOut,
    }
}

/// Refuses a request its policy refuses before reading anything; an over-long body, declared
/// or chunked, with 413 after draining it (bounded); a body slower than the read timeout with
/// 408; a body that would pass the memory budget with 503. Every other body is handed on in
/// memory (bodies are small JSON documents), its share of the budget held until the answer.
// Not an `async fn`: it would keep the request twice in its future (see `http::chain`).
#[allow(clippy::manual_async_fn)]
pub fn limit_body(
    next: Next,
    mut req: Request,
    policy: BodyPolicy,
) -> impl Future<Output = poem::Result<Response>> + Send + 'static {
    async move {
        if let Some(refusal) = (policy.precheck)(&req).await {
            return Ok(refusal);
        }
        let declared_too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok())
            .is_some_and(|length| length > MAX_BODY_BYTES as u64);
        match read(req.take_body(), declared_too_large, policy.read_timeout).await {
            Body::Within(bytes, permits) => {
                req.set_body(bytes);
                let answer = call_next(&next, req).await;
                drop(permits);
                answer
            }
            Body::TooLarge => Ok(too_large()),
            Body::TimedOut => {
                let detail = format!("The request body did not arrive within {} s.", policy.read_timeout.as_secs());
                let mut response = Problem::new(StatusCode::REQUEST_TIMEOUT, Some(detail)).into_response();
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                Ok(response)
            }
            Body::Busy => {
                let detail = "Too many request bodies are arriving at once; retry shortly.".to_owned();
                let mut response = Problem::new(StatusCode::SERVICE_UNAVAILABLE, Some(detail)).into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                Ok(response)
            }
            Body::Unreadable => {
                Err(poem::Error::from_string("The request body could not be read.", StatusCode::BAD_REQUEST))
            }
        }
    }
}
