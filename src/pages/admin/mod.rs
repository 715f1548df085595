//! The admin pages: organisations, accounts, partner systems, the audit log and provision
//! records, a person's export and erasure, and the retention review. Every one answers 404 to
//! anyone who is not an admin, exactly as a page that does not exist. Each handler finds the
//! admin, reads or calls one workflow function, and renders; a form goes back to its page with
//! a notice, or shows the page again with the form as typed and why.

mod accounts;
mod organizations;
mod partners;
mod persons;
mod records;

use minijinja::{context, Value};
use poem::{http::StatusCode, Body, Request, Response};
use uuid::Uuid;

pub use accounts::{
    account_page, accounts_page, add_account_address, create_account, disable_account, enable_account,
    end_account_session, invite_account, remove_account_address,
};
pub use organizations::{create_organization, organization_page, organizations_page, update_organization};
pub use partners::{create_credential, create_webhook, delete_webhook, partners_page, revoke_credential};
pub use persons::{erase_person, export_person, person_page, retention_page};
pub use records::{audit_page, provisions_page};

use super::{
    forms::posted::Posted,
    frame::{bad_request, failed, from_our_pages, html, not_found, see_other, signed_in, viewer_frame, Viewer},
    words,
};
use crate::{
    domain::{Language, PartyRole, Zone},
    state::AppState,
    workflow::WorkflowError,
};

/// The admin looking, or the answer for anyone else: the sign-in page for no one, 404 for a
/// signed-in party who is not an admin.
async fn admin(req: &Request, state: &AppState) -> Result<Viewer, Response> {
    let viewer = signed_in(req, state).await?;
    match viewer.role() {
        PartyRole::Admin => Ok(viewer),
        _ => Err(not_found(req, viewer.language)),
    }
}

/// An admin's form: from our own pages, by an admin, read strictly.
async fn admin_form(req: &Request, state: &AppState, body: Body) -> Result<(Viewer, Posted), Response> {
    from_our_pages(req, state)?;
    let viewer = admin(req, state).await?;
    match Posted::read(body).await {
        Some(posted) => Ok((viewer, posted)),
        None => Err(bad_request(req, viewer.language)),
    }
}

/// What a page shows besides its records: a notice of what was stored, a problem, and a
/// refused form as typed.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    problem: Option<String>,
    posted: Option<Value>,
}

impl Shown {
    /// The notice for `?done=` after a form stored something.
    fn after(done: Option<&str>, language: Language) -> Self {
        let pick = |ja: &'static str, en: &'static str| if language == Language::Ja { ja } else { en };
        let what = match done {
            Some("organization") => pick("団体", "the organisation"),
            Some("account") => pick("アカウント", "the account"),
            Some("address") => pick("連絡先", "the address"),
            Some("removed") => pick("連絡先を削除しました", "the address removed"),
            Some("disabled") => pick("アカウントを停止しました", "the account disabled"),
            Some("enabled") => pick("アカウントを再開しました", "the account enabled again"),
            Some("session") => pick("セッションを終了しました", "the session ended"),
            Some("revoked") => pick("認証情報を無効にしました", "the credentials revoked"),
            Some("webhook-deleted") => pick("Webhookを削除しました", "the webhook removed"),
            _ => return Self::default(),
        };
        Self { notice: Some(words::stored(what, language)), ..Self::default() }
    }
}

/// Which admin page a form goes back to.
#[derive(Clone, Copy)]
enum Back {
    Organizations,
    Organization(Uuid),
    Accounts,
    Account(Uuid),
    Partners,
    Person(Uuid),
}

impl Back {
    fn path(self) -> String {
        match self {
            Back::Organizations => "/admin/organizations".to_owned(),
            Back::Organization(id) => format!("/admin/organizations/{id}"),
            Back::Accounts => "/admin/accounts".to_owned(),
            Back::Account(id) => format!("/admin/accounts/{id}"),
            Back::Partners => "/admin/partners".to_owned(),
            Back::Person(id) => format!("/admin/persons/{id}"),
        }
    }
}

/// A page of one record (`GET /admin/{section}/{id}`), with the notice of what its last form
/// stored: the admin looking, the id, and the page; 404 for anyone else or any other id.
async fn record_page(
    req: &Request,
    state: &AppState,
    id: &str,
    done: Option<&str>,
    back: fn(Uuid) -> Back,
) -> Response {
    let viewer = match admin(req, state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(id) = super::frame::id_of(id) else { return not_found(req, viewer.language) };
    let shown = Shown::after(done, viewer.language);
    render(req, state, &viewer, back(id), StatusCode::OK, shown).await
}

/// A list page (`GET /admin/{section}`), with the notice of what its last form stored.
async fn list_page(req: &Request, state: &AppState, done: Option<&str>, back: Back) -> Response {
    let viewer = match admin(req, state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let shown = Shown::after(done, viewer.language);
    render(req, state, &viewer, back, StatusCode::OK, shown).await
}

/// The page `back` names, with what `shown` says.
async fn render(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    back: Back,
    status: StatusCode,
    shown: Shown,
) -> Response {
    match back {
        Back::Organizations => organizations::render_list(req, state, viewer, status, shown).await,
        Back::Organization(id) => organizations::render_one(req, state, viewer, id, status, shown).await,
        Back::Accounts => accounts::render_list(req, state, viewer, status, shown).await,
        Back::Account(id) => accounts::render_one(req, state, viewer, id, status, shown).await,
        Back::Partners => partners::render(req, state, viewer, status, shown).await,
        Back::Person(id) => persons::render(req, state, viewer, id, status, shown).await,
    }
}

/// After an admin's form: back to its page with a notice (`done`), or the page again with the
/// form `form` as typed and why it was refused.
async fn answer<T>(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    back: Back,
    (form, posted): (&str, &Posted),
    done: Result<T, WorkflowError>,
    notice: &str,
) -> Response {
    let language = viewer.language;
    match done {
        Ok(_) => see_other(&format!("{}?done={notice}", back.path())),
        Err(WorkflowError::NotFound) => not_found(req, language),
        Err(err) => match super::forms::refused_form(&err, posted, form, language) {
            Some((status, problem, posted)) => {
                let shown = Shown { problem: Some(problem), posted: Some(posted), notice: None };
                render(req, state, viewer, back, status, shown).await
            }
            None => failed(err),
        },
    }
}

/// A page of the admin's: the frame, the section's navigation, and what `shown` says.
fn page(
    req: &Request,
    viewer: &Viewer,
    template: &str,
    title: &str,
    status: StatusCode,
    shown: Shown,
    context: Value,
) -> Response {
    let frame = viewer_frame(req, viewer, title);
    let shown = context! { notice => shown.notice, problem => shown.problem, posted => shown.posted };
    let context = context! { ..shown, ..frame, ..context };
    html(status, template, context)
}

/// The organisation a form names in `organization_id`: `None` when left empty; an id of no
/// organisation is refused beside the field.
async fn named_organization(
    state: &AppState,
    posted: &Posted,
    refusals: &mut crate::domain::Refusals,
) -> Result<Option<crate::entity::organization::Model>, sea_orm::DbErr> {
    let typed = posted.text("organization_id");
    if typed.is_empty() {
        return Ok(None);
    }
    let found = match super::frame::id_of(typed) {
        Some(id) => crate::store::organizations::find(&state.db, id).await?,
        None => None,
    };
    if found.is_none() {
        refusals.push("organization_id", crate::domain::Why::NoSuch { what: "organisation" }.into());
    }
    Ok(found)
}

/// An instant as the admin reads it: the local time in Japan, to the minute.
fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&Zone::default().tz()).format("%Y-%m-%d %H:%M").to_string()
}
