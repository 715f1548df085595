//! The sign-in pages: the front door (an invitation code, or an address for a one-time code),
//! an invitation link's page with its code filled in, and the code's page.

use minijinja::context;
use poem::{handler, http::StatusCode, web::Path, Request, Response};

use super::language_of;
use crate::{
    domain::Language,
    pages::frame::{html, plain_frame},
};

/// Which form a page shows again after a refusal, with what was typed.
pub enum Form {
    /// The invitation code as typed.
    Invitation(String),
    /// The address or number as typed, kept in the field when it is refused.
    Address(String),
    /// The address a code was sent to.
    Code(String),
}

fn title(language: Language) -> &'static str {
    match language {
        Language::Ja => "つなぐ　サインイン",
        Language::En => "Tsunagu sign-in",
    }
}

/// The sign-in page, showing `form` (with what was typed) and a problem or notice.
pub fn sign_in_form(language: Language, status: StatusCode, form: Form, problem: Option<String>) -> Response {
    // The problem is shown beside the field it is about.
    let (invitation_code, typed_address, verify_address, field) = match form {
        Form::Invitation(code) => (code, String::new(), None, "invitation"),
        Form::Address(typed) => (String::new(), typed, None, "address"),
        Form::Code(address) => (String::new(), String::new(), Some(address), "code"),
    };
    let frame = plain_frame(language, title(language));
    let context = context! {
        problem => problem, problem_at => field, invitation_code => invitation_code,
        typed_address => typed_address, verify_address => verify_address, ..frame
    };
    html(status, "sign_in.html", context)
}

/// After asking for a code: where to type it. Says the same whether or not one was sent.
pub fn code_sent(language: Language, address: &str) -> Response {
    let notice = match language {
        Language::Ja => "登録済みのアドレスであれば、6桁のコードを送りました。10分間有効です。",
        Language::En => "If this address is registered, a six-digit code is on its way. It is valid for 10 minutes.",
    };
    let frame = plain_frame(language, title(language));
    let context = context! { notice => notice, invitation_code => "", verify_address => address, ..frame };
    html(StatusCode::OK, "sign_in.html", context)
}

/// `GET /`: the front door.
#[handler]
pub async fn home_page(req: &Request) -> Response {
    sign_in_form(language_of(req), StatusCode::OK, Form::Address(String::new()), None)
}

/// `GET /invite/{code}`: the code filled in, one button to continue. Shows the code whatever
/// it is; only the button's post decides.
#[handler]
pub async fn invite_page(req: &Request, code: Path<String>) -> Response {
    let code: String = code.0.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(16).collect();
    sign_in_form(language_of(req), StatusCode::OK, Form::Invitation(code), None)
}
