//! One structured log line per request, with a request id and no tokens or personal data:
//! method, path (ids only), status and latency. Query strings and bodies are never logged.

use std::{future::Future, time::Instant};

use poem::{http::HeaderValue, Request, Response};
use tracing::Instrument;

use super::chain::{call_next, Next};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Keeps a caller's request id if it is short and plain, so logs can be joined across systems;
/// otherwise makes one. Either way it is made as the header it is answered in, once.
fn request_id(req: &Request) -> Option<HeaderValue> {
    let given = req.headers().get(REQUEST_ID_HEADER).filter(|value| {
        let id = value.as_bytes();
        !id.is_empty() && id.len() <= 64 && id.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    match given {
        Some(value) => Some(value.clone()),
        None => {
            let mut text = uuid::Uuid::encode_buffer();
            HeaderValue::from_str(uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text)).ok()
        }
    }
}

/// Paths whose rest is a secret: a calendar feed, an invitation, an address's confirmation
/// and its stop link, an admin's set-up link.
const SECRET_PATHS: [&str; 5] = ["/feeds", "/invite", "/contacts/confirm", "/unsubscribe", "/setup"];

/// The path as it may be logged: a path that carries a secret is cut at the secret.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    // Judged on the path as a router could read it: percent-decoded, case-folded, repeated
    // slashes collapsed. `//feeds/T.ics`, `/FEEDS/T.ics` and `/%66eeds/T.ics` are all a feed's
    // secret; anything that could be one is not written down.
    let decoded = percent_decoded(path).to_lowercase();
    let mut normal = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        if !(c == '/' && normal.ends_with('/')) {
            normal.push(c);
        }
    }
    for prefix in SECRET_PATHS {
        // The prefix followed by `/`, by `%`, or by nothing.
        let secret = normal
            .match_indices(prefix)
            .any(|(at, _)| matches!(normal[at + prefix.len()..].chars().next(), None | Some('/' | '%')));
        if secret {
            return std::borrow::Cow::Owned(format!("{prefix}/[redacted]"));
        }
    }
    std::borrow::Cow::Borrowed(path)
}

/// `%XX` escapes decoded (repeatedly, so that `%2566` is read as `%66` and then `f`); invalid
/// escapes are kept as they are. Every request is logged: a path with no `%` is not copied.
fn percent_decoded(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains('%') {
        return std::borrow::Cow::Borrowed(path);
    }
    let mut text = path.to_owned();
    for _ in 0..3 {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
                (b'%', Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                }
                (byte, _, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        let decoded = String::from_utf8_lossy(&out).into_owned();
        if decoded == text {
            break;
        }
        text = decoded;
    }
    std::borrow::Cow::Owned(text)
}

/// Logs the request once it is answered, in a span that carries its id, method and path.
pub fn log_requests(next: Next, req: Request) -> impl Future<Output = poem::Result<Response>> + Send + 'static {
    let id = request_id(&req);
    // The fields are worked out only when the span is recorded: with the log at `warn`, a
    // request's path is never looked at for secrets, since it is written nowhere.
    let span = tracing::info_span!(
        "request",
        request_id = id.as_ref().and_then(|id| id.to_str().ok()).unwrap_or_default(),
        method = %req.method(),
        path = %loggable_path(req.uri().path()),
    );
    async move {
        let started = Instant::now();
        let mut response = match call_next(&next, req).await {
            Ok(response) => response,
            Err(err) => err.into_response(),
        };
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_millis() as u64,
            "request"
        );
        if let Some(id) = id {
            response.headers_mut().insert(REQUEST_ID_HEADER, id);
        }
        Ok(response)
    }
    .instrument(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitations_and_a_confirmations_secret_never_reach_the_log() {
        assert_eq!(loggable_path("/invite/ABCDE-FGHJK"), "/invite/[redacted]");
        assert_eq!(loggable_path("//Invite/ABCDE-FGHJK"), "/invite/[redacted]");
        assert_eq!(loggable_path("/contacts/confirm/abc"), "/contacts/confirm/[redacted]");
        assert_eq!(loggable_path("/unsubscribe/abc"), "/unsubscribe/[redacted]");
        assert_eq!(loggable_path("/setup/abc"), "/setup/[redacted]");
        assert_eq!(loggable_path("/auth/invitation"), "/auth/invitation");
        // A secret's prefix at the very end, or before an escape the router may read as `/`.
        assert_eq!(loggable_path("/setup"), "/setup/[redacted]");
        assert_eq!(loggable_path("/setup%zz"), "/setup/[redacted]");
        // A path that only begins like one is no secret.
        assert_eq!(loggable_path("/setups/abc"), "/setups/abc");
    }

    #[test]
    fn a_feeds_secret_never_reaches_the_log() {
        assert_eq!(loggable_path("/feeds/Zm9vYmFyYmF6cXV4.ics"), "/feeds/[redacted]");
        for spelling in ["//feeds/T.ics", "/FEEDS/T.ics", "/%66eeds/T.ics", "/%2566eeds/T.ics", "/x/..//Feeds/T"] {
            assert_eq!(loggable_path(spelling), "/feeds/[redacted]", "{spelling}");
        }
        assert_eq!(loggable_path("/api/v1/me"), "/api/v1/me");
        assert_eq!(loggable_path("/é//Feeds/T.ics"), "/feeds/[redacted]");
    }
}
