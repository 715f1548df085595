//! The API's answers hold personal data: no cache, shared or private, keeps them
//! (`Cache-Control: no-store`), unless an operation says otherwise itself.

use std::future::Future;

use poem::{
    http::{header, HeaderValue},
    Request, Response, Result,
};

use super::chain::{call_next, Next};

// Not an `async fn`: it would keep the request twice in its future (see `http::chain`).
#[allow(clippy::manual_async_fn)]
pub fn no_store(next: Next, req: Request) -> impl Future<Output = Result<Response>> + Send + 'static {
    async move {
        // An error goes on to be rendered as a problem, which holds no one's data.
        let mut response = call_next(&next, req).await?;
        if !response.headers().contains_key(header::CACHE_CONTROL) {
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        Ok(response)
    }
}
