//! A sign-in door's body: JSON from a script, or a form from our pages; which it was decides
//! how the door answers.

use poem::{http::StatusCode, Body, Request, Response};
use serde::de::DeserializeOwned;

use crate::{domain::Language, http::Problem};

/// How to answer: JSON (with problem documents), or a page in this language.
#[derive(Debug, Clone, Copy)]
pub enum Replies {
    Json,
    Page(Language),
}

pub async fn read_body<T: DeserializeOwned>(
    req: &Request,
    body: Body,
    language: Language,
) -> Result<(T, Replies), Response> {
    let kind = req.content_type().unwrap_or("").to_ascii_lowercase();
    let replies = if kind.starts_with("application/json") {
        Replies::Json
    } else if kind.starts_with("application/x-www-form-urlencoded") {
        Replies::Page(language)
    } else {
        let detail = "Send application/json or application/x-www-form-urlencoded.".to_owned();
        return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, Some(detail)).into_response());
    };
    let bytes = body.into_vec().await.map_err(|_| unreadable("The request body could not be read."))?;
    let parsed = match replies {
        Replies::Json => serde_json::from_slice(&bytes).map_err(|_| ()),
        Replies::Page(_) => serde_urlencoded::from_bytes(&bytes).map_err(|_| ()),
    };
    parsed
        .map(|value| (value, replies))
        .map_err(|()| unreadable("The body lacks a field this door needs, or is not well-formed."))
}

fn unreadable(detail: &str) -> Response {
    Problem::new(StatusCode::BAD_REQUEST, Some(detail.to_owned())).into_response()
}
