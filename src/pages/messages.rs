//! The pages a message links to, server-rendered: confirming an address (a GET shows a
//! button, only its POST confirms, since mail scanners fetch links) and the RFC 8058 one-click
//! unsubscribe (a POST of `List-Unsubscribe=One-Click` stops e-mail without signing in).

use minijinja::context;
use poem::{handler, http::StatusCode, web::Data, Response};

use crate::{domain::Language, state::AppState, store, workflow};

struct Page<'a> {
    language: Language,
    title: &'a str,
    text: &'a str,
    /// A form to post, with its button.
    action: Option<(String, &'a str, bool)>,
}

fn render(status: StatusCode, page: Page<'_>) -> Response {
    let (action, button, one_click) = page.action.map_or((None, "", false), |(a, b, o)| (Some(a), b, o));
    let frame = super::frame::plain_frame(page.language, page.title);
    let action = action.as_deref().map(crate::templates::url_value);
    let context = context! { text => page.text, action => action, button => button, one_click => one_click, ..frame };
    super::frame::html(status, "page.html", context)
}

async fn language_of(state: &AppState, party_id: uuid::Uuid) -> Language {
    match store::parties::find(&state.reads, party_id).await {
        // A corrupt language is logged where found; the page is then shown in the default one.
        Ok(Some(party)) => party.language,
        _ => Language::default(),
    }
}

fn gone(language: Language) -> Response {
    let (title, text) = match language {
        Language::Ja => ("このリンクは使えません", "確認済みか、古いリンクです。"),
        Language::En => ("This link cannot be used", "It was already used, or it is no longer valid."),
    };
    render(StatusCode::NOT_FOUND, Page { language, title, text, action: None })
}

fn failed() -> Response {
    let (title, text) = ("エラー / Error", "もう一度お試しください。 Please try again.");
    render(StatusCode::INTERNAL_SERVER_ERROR, Page { language: Language::Ja, title, text, action: None })
}

/// Shows the button; confirms nothing.
#[handler]
pub async fn confirm_page(state: Data<&AppState>, token: poem::web::Path<String>) -> Response {
    match workflow::pending_confirmation(&state, &token.0).await {
        Ok(Some(contact)) => {
            let language = language_of(&state, contact.party_id).await;
            let (title, text, button) = match language {
                Language::Ja => ("アドレスの確認", "このアドレスでつなぐからのお知らせを受け取りますか。", "確認する"),
                Language::En => ("Confirm this address", "Receive Tsunagu's alerts at this address?", "Confirm"),
            };
            let action = Some((format!("/contacts/confirm/{}", token.0), button, false));
            render(StatusCode::OK, Page { language, title, text, action })
        }
        Ok(None) => gone(Language::default()),
        Err(_) => failed(),
    }
}

#[handler]
pub async fn confirm(state: Data<&AppState>, token: poem::web::Path<String>) -> Response {
    match workflow::confirm_contact_point(&state, &token.0).await {
        Ok(Some(contact)) => {
            let language = language_of(&state, contact.party_id).await;
            let (title, text) = match language {
                Language::Ja => ("確認しました", "このアドレスにお知らせが届きます。"),
                Language::En => ("Confirmed", "Alerts will reach you at this address."),
            };
            render(StatusCode::OK, Page { language, title, text, action: None })
        }
        Ok(None) => gone(Language::default()),
        Err(_) => failed(),
    }
}

#[handler]
pub async fn unsubscribe_page(state: Data<&AppState>, token: poem::web::Path<String>) -> Response {
    match crate::workflow::contact_by_unsubscribe_token(&state, &token.0).await {
        Ok(Some(contact)) => {
            let language = language_of(&state, contact.party_id).await;
            let (title, text, button) = match language {
                Language::Ja => ("配信の停止", "このアドレスへのつなぐからのメールを停止します。", "停止する"),
                Language::En => ("Stop e-mail", "Stop Tsunagu's e-mail to this address.", "Stop e-mail"),
            };
            let action = Some((format!("/unsubscribe/{}", token.0), button, true));
            render(StatusCode::OK, Page { language, title, text, action })
        }
        Ok(None) => gone(Language::default()),
        Err(_) => failed(),
    }
}

/// RFC 8058 one-click: the body is `List-Unsubscribe=One-Click`.
#[handler]
pub async fn unsubscribe(state: Data<&AppState>, token: poem::web::Path<String>, body: String) -> Response {
    let one_click = serde_urlencoded::from_str::<Vec<(String, String)>>(&body)
        .is_ok_and(|fields| fields.iter().any(|(k, v)| k == "List-Unsubscribe" && v == "One-Click"));
    if !one_click {
        let text = "List-Unsubscribe=One-Click が必要です。 The body must be List-Unsubscribe=One-Click.";
        return render(StatusCode::BAD_REQUEST, Page { language: Language::Ja, title: "400", text, action: None });
    }
    match workflow::unsubscribe(&state, &token.0).await {
        Ok(Some(contact)) => {
            let language = language_of(&state, contact.party_id).await;
            let (title, text) = match language {
                Language::Ja => ("停止しました", "このアドレスにはもうメールを送りません。"),
                Language::En => ("Stopped", "No more e-mail will be sent to this address."),
            };
            render(StatusCode::OK, Page { language, title, text, action: None })
        }
        Ok(None) => gone(Language::default()),
        Err(_) => failed(),
    }
}
