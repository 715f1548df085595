//! The sign-in pages: the front door (an invitation code, or an address for a one-time code),
//! an invitation link's page with its code filled in, the code's page, and the signed-in page.

use minijinja::context;
use poem::{
    handler,
    http::{header, StatusCode},
    web::{Data, Path},
    IntoResponse, Request, Response,
};

use super::{language_of, no_store};
use crate::{domain::Language, http::session_cookie, state::AppState, store::parse_stored, workflow};

/// Which form a page shows again after a refusal, with what was typed.
pub enum Form {
    Invitation(String),
    Address,
    Code(String),
}

fn words(language: Language) -> minijinja::Value {
    match language {
        Language::Ja => context! {
            title => "つなぐ　サインイン",
            invitation_heading => "招待コードをお持ちの方",
            invitation_label => "招待コード（例：ABCDE-12345）",
            continue => "続ける",
            code_heading => "登録済みのメールアドレスか電話番号で",
            address_label => "メールアドレスまたは携帯電話番号",
            send_code => "コードを送る",
            code_label => "届いた6桁のコード",
            sign_in => "サインイン",
        },
        Language::En => context! {
            title => "Tsunagu sign-in",
            invitation_heading => "With an invitation code",
            invitation_label => "Invitation code (such as ABCDE-12345)",
            continue => "Continue",
            code_heading => "With your registered e-mail address or phone number",
            address_label => "E-mail address or mobile number",
            send_code => "Send me a code",
            code_label => "The six-digit code you received",
            sign_in => "Sign in",
        },
    }
}

fn html(status: StatusCode, name: &str, context: minijinja::Value) -> Response {
    match crate::templates::render(name, context) {
        Ok(html) => no_store(
            Response::builder().status(status).content_type("text/html; charset=utf-8").body(html).into_response(),
        ),
        Err(err) => {
            tracing::error!(template = name, error = %err, "a page did not render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The sign-in page, showing `form` (with what was typed) and a problem or notice.
pub fn sign_in_form(
    _state: &AppState,
    language: Language,
    status: StatusCode,
    form: Form,
    problem: Option<String>,
) -> Response {
    let (invitation_code, verify_address) = match form {
        Form::Invitation(code) => (code, None),
        Form::Address => (String::new(), None),
        Form::Code(address) => (String::new(), Some(address)),
    };
    html(
        status,
        "sign_in.html",
        context! {
            lang => language.as_str(), t => words(language), problem => problem,
            invitation_code => invitation_code, verify_address => verify_address,
        },
    )
}

/// After asking for a code: where to type it. Says the same whether or not one was sent.
pub fn code_sent(_state: &AppState, language: Language, address: &str) -> Response {
    let notice = match language {
        Language::Ja => "登録済みのアドレスであれば、6桁のコードを送りました。10分間有効です。",
        Language::En => "If this address is registered, a six-digit code is on its way. It is valid for 10 minutes.",
    };
    html(
        StatusCode::OK,
        "sign_in.html",
        context! {
            lang => language.as_str(), t => words(language), notice => notice,
            invitation_code => "", verify_address => address,
        },
    )
}

/// `GET /`: the front door.
#[handler]
pub async fn home_page(req: &Request, state: Data<&AppState>) -> Response {
    sign_in_form(&state, language_of(req), StatusCode::OK, Form::Address, None)
}

/// `GET /invite/{code}`: the code filled in, one button to continue. Shows the code whatever
/// it is; only the button's post decides.
#[handler]
pub async fn invite_page(req: &Request, state: Data<&AppState>, code: Path<String>) -> Response {
    let code: String = code.0.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(16).collect();
    sign_in_form(&state, language_of(req), StatusCode::OK, Form::Invitation(code), None)
}

/// `GET /app`: who is signed in, in their language, and the way out; the front door for anyone else.
#[handler]
pub async fn app_page(req: &Request, state: Data<&AppState>) -> Response {
    let signed_in = match session_cookie(req) {
        Some(cookie) => workflow::sign_in::session_principal(&state, &cookie).await,
        None => Ok(None),
    };
    match signed_in {
        Ok(Some((_, party))) => {
            let language: Language = parse_stored("language", party.id, &party.language).unwrap_or_default();
            let t = match language {
                Language::Ja => {
                    context! { title => "つなぐ", signed_in_as => "サインイン中：", sign_out => "サインアウト" }
                }
                Language::En => context! { title => "Tsunagu", signed_in_as => "Signed in as", sign_out => "Sign out" },
            };
            html(StatusCode::OK, "app.html", context! { lang => language.as_str(), t => t, name => party.display_name })
        }
        Ok(None) => Response::builder().status(StatusCode::SEE_OTHER).header(header::LOCATION, "/").finish(),
        Err(err) => {
            tracing::error!(error = %err, "reading a session failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
