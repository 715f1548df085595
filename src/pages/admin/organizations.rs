//! Organisations: the list with a form to add one, and each one's page to change its fields,
//! checked as the API checks them.

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{admin_form, answer, list_page, page, record_page, Back, Shown};
use crate::{
    domain::{
        organization::{parse_phone, Reach, AREA_CHARS, HELPS_WITH_CHARS, HOURS_CHARS},
        DisplayName, Language, Note, OrganizationKind, Refusals, Zone,
    },
    pages::{
        forms::posted::Posted,
        frame::{failed, id_of, not_found, Viewer},
        words,
    },
    state::AppState,
    store::{
        self,
        organizations::{NewOrganization, OrganizationChanges},
        PageRequest,
    },
    workflow::{self, WorkflowError},
};

/// The most organisations one page lists.
const PER_PAGE: u64 = 200;

fn kinds(language: Language) -> Vec<Value> {
    OrganizationKind::ALL
        .iter()
        .map(|kind| words::option(kind.as_str(), words::organization_kind(*kind, language)))
        .collect()
}

/// The fields both forms hold: name, zone, and how the organisation is reached.
fn fields(posted: &Posted, refusals: &mut Refusals) -> Option<(DisplayName, Zone, Reach)> {
    let name = posted.parsed("name", DisplayName::parse, refusals);
    let zone = posted.parsed("timezone", str::parse::<Zone>, refusals);
    let phone = posted.parsed("phone", parse_phone, refusals);
    let note = |name: &str, most: usize, refusals: &mut Refusals| {
        posted.parsed(name, |typed| Note::parse_at_most(typed, most), refusals)
    };
    let hours = note("hours", HOURS_CHARS, refusals);
    let helps_with = note("helps_with", HELPS_WITH_CHARS, refusals);
    let area = note("area", AREA_CHARS, refusals);
    Some((name?, zone?, Reach { phone: phone?, hours: hours?, helps_with: helps_with?, area: area? }))
}

fn view(row: &crate::entity::organization::Model, language: Language) -> Value {
    let kind = words::organization_kind(row.kind, language);
    context! {
        id => row.id, name => row.name, kind => kind, timezone => row.timezone.name(), phone => row.phone,
        hours => row.hours, helps_with => row.helps_with, area => row.area,
    }
}

pub(super) async fn render_list(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let listed = match store::organizations::list(&state.db, PageRequest { after: None, limit: PER_PAGE }).await {
        Ok(listed) => listed,
        Err(err) => return failed(err),
    };
    let language = viewer.language;
    let organizations: Vec<Value> = listed.items.iter().map(|row| view(row, language)).collect();
    let title = if language == Language::Ja { "団体" } else { "Organisations" };
    let context =
        context! { organizations => organizations, kinds => kinds(language), more => listed.next_cursor.is_some() };
    page(req, viewer, "admin_organizations.html", title, status, shown, context)
}

pub(super) async fn render_one(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let row = match store::organizations::find(&state.db, id).await {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    let context = context! { organization => view(&row, viewer.language) };
    page(req, viewer, "admin_organization.html", &row.name, status, shown, context)
}

/// `GET /admin/organizations`.
#[handler]
pub async fn organizations_page(
    req: &Request,
    state: Data<&AppState>,
    done: Query<crate::pages::resident::Done>,
) -> Response {
    list_page(req, &state, done.0.done.as_deref(), Back::Organizations).await
}

/// `POST /admin/organizations`: `kind` and the fields.
#[handler]
pub async fn create_organization(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let kind = posted.choice::<OrganizationKind>("kind", &mut refusals);
    let fields = fields(&posted, &mut refusals);
    let done = match (kind, fields) {
        (Some(kind), Some((name, zone, reach))) if refusals.is_empty() => {
            workflow::create_organization(&state, NewOrganization { kind, name, zone, reach }).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    answer(req, &state, &viewer, Back::Organizations, ("organization", &posted), done, "organization").await
}

/// `GET /admin/organizations/{id}`.
#[handler]
pub async fn organization_page(
    req: &Request,
    state: Data<&AppState>,
    id: Path<String>,
    done: Query<crate::pages::resident::Done>,
) -> Response {
    record_page(req, &state, &id.0, done.0.done.as_deref(), Back::Organization).await
}

/// `POST /admin/organizations/{id}`: every field as it should be (an empty one is cleared).
#[handler]
pub async fn update_organization(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, posted) = match admin_form(req, &state, body).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let mut refusals = Refusals::default();
    let done = match fields(&posted, &mut refusals) {
        Some((name, zone, reach)) if refusals.is_empty() => {
            let changes = OrganizationChanges {
                name: Some(name),
                zone: Some(zone),
                phone: Some(reach.phone),
                hours: Some(reach.hours),
                helps_with: Some(reach.helps_with),
                area: Some(reach.area),
            };
            workflow::update_organization(&state, id, changes).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    answer(req, &state, &viewer, Back::Organization(id), ("organization", &posted), done, "organization").await
}
