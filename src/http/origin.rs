//! Where a request comes from, for the session cookie: a browser sends its cookie with any
//! request to us, even one another site makes it send, so a change made with a cookie must be
//! shown to come from our own pages.

use poem::{http::header, Request};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tsunagu_session";

/// The service's own origin: `TSUNAGU_PUBLIC_URL`'s, or else the host the request was sent to.
fn own_origin(req: &Request, public_url: Option<&str>) -> Option<String> {
    match public_url {
        Some(url) => url::Url::parse(url).ok().map(|url| url.origin().ascii_serialization()),
        None => {
            let host = req.headers().get(header::HOST)?.to_str().ok()?;
            Some(format!("http://{host}"))
        }
    }
}

fn header_text<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|value| value.to_str().ok())
}

/// Where links the service hands out point: `TSUNAGU_PUBLIC_URL`, or else the host this
/// request came to.
pub fn base_url(req: &Request, public_url: Option<&str>) -> String {
    match public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = req.headers().get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

/// The request shows it comes from our own pages: `Sec-Fetch-Site: same-origin` where the
/// browser sends it, else an `Origin` that is ours. A request that shows neither is not taken
/// to be ours.
pub fn same_origin(req: &Request, public_url: Option<&str>) -> bool {
    if let Some(site) = header_text(req, "sec-fetch-site") {
        return site == "same-origin";
    }
    match header_text(req, "origin") {
        Some(origin) => own_origin(req, public_url).is_some_and(|own| own.eq_ignore_ascii_case(origin)),
        None => false,
    }
}

/// The request does not show it comes from another site. For the sign-in doors, which a
/// script or another program may use without a browser's headers, but which no other site may
/// use to sign a visitor in as someone else.
pub fn not_cross_site(req: &Request, public_url: Option<&str>) -> bool {
    if let Some(site) = header_text(req, "sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match header_text(req, "origin") {
        Some(origin) => own_origin(req, public_url).is_some_and(|own| own.eq_ignore_ascii_case(origin)),
        None => true,
    }
}

/// Where a visitor sent to sign in was going: a path of this site, gone back to once signed in.
pub const NEXT_COOKIE: &str = "tsunagu_next";
/// A path kept that long is forgotten: a sign-in code lasts ten minutes.
const NEXT_MAX_AGE_SECONDS: i64 = 15 * 60;

fn cookie(req: &Request, wanted: &str) -> Option<String> {
    req.headers().get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == wanted && !value.is_empty()).then(|| value.to_owned())
        })
    })
}

/// The session cookie's value on a request, if it has one.
pub fn session_cookie(req: &Request) -> Option<String> {
    cookie(req, SESSION_COOKIE)
}

/// The path a visitor was going to before signing in, as the browser kept it (not yet checked).
pub fn next_cookie(req: &Request) -> Option<String> {
    cookie(req, NEXT_COOKIE)
}

/// `Set-Cookie` keeping `path` until sign-in; `None` for a path a cookie cannot carry as it is.
pub fn set_next_cookie(path: &str, secure: bool) -> Option<String> {
    let plain =
        path.len() <= 512 && path.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
    let secure = if secure { "; Secure" } else { "" };
    plain.then(|| {
        format!("{NEXT_COOKIE}={path}; Path=/; HttpOnly; SameSite=Lax{secure}; Max-Age={NEXT_MAX_AGE_SECONDS}")
    })
}

/// `Set-Cookie` that forgets the path kept.
pub fn clear_next_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{NEXT_COOKIE}=; Path=/; HttpOnly; SameSite=Lax{secure}; Max-Age=0")
}

/// `Set-Cookie` for a new session: not readable by scripts, not sent on other sites' requests
/// except top-level navigation, over TLS only whenever the service is served over https.
pub fn set_session_cookie(value: &str, secure: bool, max_age_seconds: i64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}; Max-Age={}", max_age_seconds.max(0))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    set_session_cookie("", secure, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::builder().method(poem::http::Method::POST).uri_str("/auth/sign-out");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.finish()
    }

    #[test]
    fn a_path_is_kept_across_sign_in_only_as_a_cookie_can_carry_it() {
        let kept = set_next_cookie("/r/abc?x=1", true).unwrap();
        assert!(kept.starts_with("tsunagu_next=/r/abc?x=1; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=900"));
        for refused in ["/a;b", "/a b", "/a,b", "/a\"b", "/\u{3042}"] {
            assert_eq!(set_next_cookie(refused, false), None, "{refused:?}");
        }
        let asked = request(&[("cookie", "tsunagu_session=s; tsunagu_next=/r/abc")]);
        assert_eq!(next_cookie(&asked).as_deref(), Some("/r/abc"));
        assert_eq!(session_cookie(&asked).as_deref(), Some("s"));
    }

    #[test]
    fn our_own_pages_are_same_origin_and_another_site_is_not() {
        let public = Some("https://tsunagu.example.org");
        assert!(same_origin(&request(&[("sec-fetch-site", "same-origin")]), public));
        assert!(!same_origin(&request(&[("sec-fetch-site", "cross-site")]), public));
        assert!(!same_origin(&request(&[("sec-fetch-site", "same-site")]), public));
        assert!(same_origin(&request(&[("origin", "https://tsunagu.example.org")]), public));
        assert!(!same_origin(&request(&[("origin", "https://evil.example")]), public));
        assert!(!same_origin(&request(&[]), public));
        assert!(same_origin(&request(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]), None));
    }

    #[test]
    fn a_sign_in_door_refuses_only_what_shows_another_site() {
        let public = Some("https://tsunagu.example.org");
        assert!(not_cross_site(&request(&[]), public));
        assert!(not_cross_site(&request(&[("sec-fetch-site", "none")]), public));
        assert!(!not_cross_site(&request(&[("sec-fetch-site", "cross-site")]), public));
        assert!(!not_cross_site(&request(&[("origin", "https://evil.example")]), public));
    }

    #[test]
    fn the_cookie_is_read_among_others_and_set_with_every_safeguard() {
        let req = request(&[("cookie", "a=1; tsunagu_session=abc; b=2")]);
        assert_eq!(session_cookie(&req).as_deref(), Some("abc"));
        assert_eq!(session_cookie(&request(&[("cookie", "tsunagu_session=")])), None);
        let set = set_session_cookie("abc", true, 60);
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!set_session_cookie("abc", false, 60).contains("Secure"));
    }
}
