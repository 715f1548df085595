//! The door a one-time set-up link opens: the admin's name and address, and they are signed
//! in. A link that cannot be used says so, and how to get a new one, without telling why.

use minijinja::{context, Value};
use poem::{
    handler,
    http::{header, StatusCode},
    web::{Data, Path},
    Body, Request, Response,
};

use super::{client_of, signed_in_page};
use crate::{
    domain::{channels::Channel, DisplayName, Language, Refusals},
    pages::{
        forms::posted::Posted,
        frame::{bad_request, failed, from_our_pages, html, language_for, plain_frame},
    },
    state::AppState,
    workflow::{
        self,
        sign_in::{NewAdmin, SignInError},
    },
};

struct Shown {
    usable: bool,
    name: Option<String>,
    problem: Option<String>,
    posted: Option<Value>,
}

fn page(req: &Request, state: &AppState, token: &str, status: StatusCode, shown: Shown) -> Response {
    let language = language_for(req, None);
    let pick = |ja: &'static str, en: &'static str| if language == Language::Ja { ja } else { en };
    let title = pick("つなぐを始める：最初の管理者", "Set up Tsunagu: the first admin");
    // The first admin's address is typed: LINE, linked from LINE, is not offered.
    let channels: Vec<Value> = Channel::ALL
        .iter()
        .filter_map(|channel| match channel {
            Channel::Email => Some(context! { value => "email", label => pick("メール", "E-mail") }),
            Channel::Sms => Some(context! { value => "sms", label => pick("SMS（携帯電話）", "Text message") }),
            Channel::Line => None,
        })
        .collect();
    let hint = if Channel::ALL.iter().any(|channel| state.outbox.reach.offers(*channel)) {
        pick("確認のリンクを送ります。", "A confirmation link is sent to it.")
    } else {
        pick(
            "このサービスはまだメールもSMSも送れません。送れるようになったら、連絡先のページから確認を送れます。",
            "This service sends neither e-mail nor texts yet; once it does, send the confirmation from your addresses page.",
        )
    };
    let context = context! {
        usable => shown.usable, name => shown.name, problem => shown.problem, posted => shown.posted,
        channels => channels, hint => hint, action => crate::templates::url_value(&format!("/setup/{token}")),
        // The language switch comes back here, not to the front door.
        here => format!("/setup/{token}"),
        ..plain_frame(language, title)
    };
    let mut response = html(status, "setup.html", context);
    // The link is a secret: no page it opens is kept anywhere.
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

fn unusable(req: &Request, state: &AppState, token: &str) -> Response {
    let shown = Shown { usable: false, name: None, problem: None, posted: None };
    page(req, state, token, StatusCode::NOT_FOUND, shown)
}

/// `GET /setup/{token}`.
#[handler]
pub async fn setup_page(req: &Request, state: Data<&AppState>, token: Path<String>) -> Response {
    match workflow::sign_in::usable_setup_link(&state, &token.0).await {
        Ok(Some(link)) => {
            let shown = Shown { usable: true, name: link.name, problem: None, posted: None };
            page(req, &state, &token.0, StatusCode::OK, shown)
        }
        Ok(None) => unusable(req, &state, &token.0),
        Err(err) => failed(err),
    }
}

/// `POST /setup/{token}`: `display_name`, `channel` and `address`.
#[handler]
pub async fn set_up(req: &Request, state: Data<&AppState>, token: Path<String>, body: Body) -> Response {
    if let Err(answer) = from_our_pages(req, &state) {
        return answer;
    }
    let language = language_for(req, None);
    let Some(posted) = Posted::read(body).await else { return bad_request(req, language) };
    let mut refusals = Refusals::default();
    let display_name = posted.parsed("display_name", DisplayName::parse, &mut refusals);
    let address = posted.address(&mut refusals);
    let (Some(display_name), Some(address)) = (display_name, address) else {
        let problem = match language {
            Language::Ja => "始められませんでした。赤く示した項目を直してください。",
            Language::En => "Nothing was stored: correct the fields marked below.",
        };
        let shown = Shown {
            usable: true,
            name: None,
            problem: Some(problem.to_owned()),
            posted: Some(posted.refused("setup", &refusals, language)),
        };
        return page(req, &state, &token.0, StatusCode::UNPROCESSABLE_ENTITY, shown);
    };
    let admin = NewAdmin { display_name, language, address };
    match workflow::sign_in::set_up_admin(&state, &token.0, admin, &client_of(req)).await {
        Ok(signed_in) => signed_in_page(req, &state, signed_in),
        Err(SignInError::Refused) => unusable(req, &state, &token.0),
        Err(SignInError::TooMany { .. }) => {
            let problem = match language {
                Language::Ja => "試行が多すぎます。しばらくしてからもう一度お試しください。",
                Language::En => "Too many attempts; please wait a while and try again.",
            };
            let shown = Shown { usable: true, name: None, problem: Some(problem.to_owned()), posted: None };
            page(req, &state, &token.0, StatusCode::TOO_MANY_REQUESTS, shown)
        }
        Err(SignInError::Failed(err)) => failed(err),
    }
}
