//! A person, for an admin: everything held about them as a download, and their erasure (the
//! admin types the person's name and says why); and the retention review, listing who has
//! been idle long enough to decide on.

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{admin, admin_form, answer, page, record_page, Back, Shown};
use crate::{
    access::{self, audit_entry, Target},
    domain::{access::Action, words::date, Language, Refusals, Why},
    pages::forms::access_failed,
    pages::frame::{failed, id_of, not_found, protect, see_other, Viewer},
    state::AppState,
    store::{self, audit::Outcome},
    workflow::{self, WorkflowError},
};

pub(super) async fn render(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let person =
        match access::person(state, &viewer.principal, id, Action::ReadPerson, "person.read", Target::Person).await {
            Ok(access) => access.person,
            Err(err) => return access_failed(req, viewer, err),
        };
    let context = context! { person => context! { id => person.id, name => person.display_name } };
    page(req, viewer, "admin_person.html", &person.display_name, status, shown, context)
}

/// `GET /admin/persons/{id}`.
#[handler]
pub async fn person_page(
    req: &Request,
    state: Data<&AppState>,
    id: Path<String>,
    done: Query<crate::pages::resident::Done>,
) -> Response {
    record_page(req, &state, &id.0, done.0.done.as_deref(), Back::Person).await
}

/// `GET /admin/persons/{id}/export`: everything held about the person, as a JSON download.
#[handler]
pub async fn export_person(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match admin(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let person = match access::person(
        &state,
        &viewer.principal,
        id,
        Action::ReadPerson,
        "person.export",
        Target::Person,
    )
    .await
    {
        Ok(access) => access.person,
        Err(err) => return access_failed(req, &viewer, err),
    };
    match store::lifecycle::export(&state.reads, person.id).await {
        Ok(document) => protect(
            Response::builder()
                .content_type("application/json")
                .header("content-disposition", format!("attachment; filename=\"person-{}.json\"", person.id))
                .body(document.to_string()),
        ),
        Err(err) => failed(err),
    }
}

/// `POST /admin/persons/{id}/erasure`: `name` typed as the person's name, and a `reason`.
/// Then on to the retention review, where the person no longer is.
#[handler]
pub async fn erase_person(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let person = match store::persons::find(&state.db, id).await {
        Ok(Some(person)) => person,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    let mut refusals = Refusals::default();
    if posted.text("name") != person.display_name.trim() {
        refusals.push(
            "name",
            Why::Said(match viewer.language {
                Language::Ja => "本人の名前を、表示どおりに入力してください。".to_owned(),
                Language::En => "type the person's name exactly as shown".to_owned(),
            })
            .into(),
        );
    }
    if posted.text("reason").is_empty() {
        refusals.push("reason", Why::SayWhy.into());
    }
    let done = if refusals.is_empty() {
        let entry = audit_entry(&viewer.principal, "person.erase", Some(id), Some(id), Outcome::Allowed);
        workflow::erase_person(&state, id, posted.text("reason"), entry).await
    } else {
        Err(WorkflowError::Refused(refusals))
    };
    match done {
        Ok(_) => see_other("/admin/retention?done=erased"),
        Err(err) => answer(req, &state, &viewer, Back::Person(id), ("erase", &posted), Err::<(), _>(err), "").await,
    }
}

/// `GET /admin/retention`: who has had no placement and nothing in their record for the
/// retention period, oldest first, each linked to their page.
#[handler]
pub async fn retention_page(
    req: &Request,
    state: Data<&AppState>,
    done: Query<crate::pages::resident::Done>,
) -> Response {
    let viewer = match admin(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let principal = &viewer.principal;
    let listed = match workflow::retention_review(&state, |ids| {
        access::list_entries(principal, "retention.review", ids.iter().copied())
    })
    .await
    {
        Ok(listed) => listed,
        Err(err) => return failed(err),
    };
    let language = viewer.language;
    let idle: Vec<Value> = listed
        .iter()
        .map(|idle| context! { id => idle.person_id, name => idle.display_name, last => date(idle.last_on, language, 0) })
        .collect();
    let title = if language == Language::Ja { "保存期間の見直し" } else { "Retention review" };
    let erased = match language {
        Language::Ja => "消去しました。",
        Language::En => "Erased.",
    };
    let notice = (done.0.done.as_deref() == Some("erased")).then_some(erased);
    let shown = Shown { notice: notice.map(str::to_owned), ..Shown::default() };
    let context = context! { idle => idle, years => state.retention_years };
    page(req, &viewer, "admin_retention.html", title, StatusCode::OK, shown, context)
}
