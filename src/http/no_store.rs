//! The API's answers hold personal data: no cache, shared or private, keeps them
//! (`Cache-Control: no-store`), unless an operation says otherwise itself.

use poem::{
    http::{header, HeaderValue},
    Endpoint, IntoResponse, Request, Response, Result,
};

pub async fn no_store<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    // An error goes on to be rendered as a problem, which holds no one's data.
    let mut response = next.call(req).await?.into_response();
    if !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
