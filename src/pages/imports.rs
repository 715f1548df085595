//! Filling a facility's roll from its spreadsheet, in the pages: an upload form (staff for
//! their own organisation, admins for any), the file checked whole and shown (rows to create,
//! rows already here, every refused cell with why), and one button that stores it.

use minijinja::{context, Value};
use poem::{
    handler,
    http::{header, StatusCode},
    web::{Data, Multipart, Path},
    FromRequest, Request, RequestBody, Response,
};
use uuid::Uuid;

use super::{
    forms::{access_failed, refusal},
    frame::{
        bad_request, failed, from_our_pages, html, id_of, not_found, protect, see_other, signed_in, viewer_frame,
        Viewer,
    },
    refusals, words,
};
use crate::{
    access::{self, audit_entry},
    domain::words::aside,
    domain::{
        import::{template, COLUMNS},
        milestones::{NewMilestone, Program, ReleaseType},
        Language, PartyRole, Refusals, Why,
    },
    state::AppState,
    store::{self, audit::Outcome, milestones::Actor, PageRequest},
    workflow::{self, Preview, WorkflowError},
};

/// Staff and admins import; anyone else meets a page that is not there.
async fn importer(req: &Request, state: &AppState) -> Result<Viewer, Response> {
    let viewer = signed_in(req, state).await?;
    match viewer.role() {
        PartyRole::Staff | PartyRole::Admin => Ok(viewer),
        _ => Err(not_found(req, viewer.language)),
    }
}

fn title(language: Language) -> &'static str {
    match language {
        Language::Ja => "表計算から利用者を取り込む",
        Language::En => "Import residents from a spreadsheet",
    }
}

async fn upload_form(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    problem: Option<String>,
) -> Response {
    let organizations: Vec<Value> = if viewer.role() == PartyRole::Admin {
        match store::organizations::list(&state.db, PageRequest { after: None, limit: 200 }).await {
            Ok(listed) => listed.items.iter().map(|org| context! { value => org.id, label => org.name }).collect(),
            Err(err) => return failed(err),
        }
    } else {
        Vec::new()
    };
    let language = viewer.language;
    let columns: Vec<Value> = COLUMNS
        .iter()
        .map(
            |(key, heading)| context! { key => key, heading => if language == Language::Ja { *heading } else { *key } },
        )
        .collect();
    let release_types: Vec<String> = ReleaseType::ALL
        .iter()
        .map(|kind| format!("{}{}", kind.as_str(), aside(words::release_type(*kind, language), language)))
        .collect();
    let programs: Vec<String> = Program::ALL
        .iter()
        .map(|program| format!("{}{}", program.as_str(), aside(words::program(*program, language), language)))
        .collect();
    let context = context! {
        organizations => organizations, admin => viewer.role() == PartyRole::Admin, problem => problem,
        columns => columns, release_types => release_types.join("、"), programs => programs.join("、"),
        ..viewer_frame(req, viewer, title(language))
    };
    html(status, "imports.html", context)
}

/// `GET /app/imports`: the upload form.
#[handler]
pub async fn imports_page(req: &Request, state: Data<&AppState>) -> Response {
    match importer(req, &state).await {
        Ok(viewer) => upload_form(req, &state, &viewer, StatusCode::OK, None).await,
        Err(answer) => answer,
    }
}

/// `GET /app/imports/template.csv`: the columns with their Japanese headings, and one example
/// row. UTF-8 with a BOM, which Excel opens as it is.
#[handler]
pub async fn import_template(req: &Request, state: Data<&AppState>) -> Response {
    if let Err(answer) = importer(req, &state).await {
        return answer;
    }
    let mut body = "\u{FEFF}".to_owned();
    body.push_str(&template());
    protect(
        Response::builder()
            .content_type("text/csv; charset=utf-8")
            .header(header::CONTENT_DISPOSITION, "attachment; filename=\"tsunagu-residents.csv\"")
            .body(body),
    )
}

fn kind(new: &NewMilestone, language: Language) -> &'static str {
    let pick = |ja: &'static str, en: &'static str| if language == Language::Ja { ja } else { en };
    match new {
        NewMilestone::Bail { .. } => pick("保釈", "bail"),
        NewMilestone::Release { .. } => pick("出所", "release"),
        NewMilestone::Program { .. } => pick("プログラム", "programme"),
        NewMilestone::Handoff { .. } => pick("顔合わせ", "hand-off meeting"),
    }
}

fn column_label(column: &str, language: Language) -> String {
    match (COLUMNS.iter().find(|(key, _)| *key == column), language) {
        (Some((_, heading)), Language::Ja) => (*heading).to_owned(),
        _ => column.to_owned(),
    }
}

fn preview_page(
    req: &Request,
    viewer: &Viewer,
    preview: Preview,
    status: StatusCode,
    problem: Option<String>,
) -> Response {
    let language = viewer.language;
    let rows: Vec<Value> = preview
        .sheet
        .rows
        .iter()
        .map(|row| {
            let milestones: Vec<&str> = row.milestones.iter().map(|new| kind(new, language)).collect();
            context! {
                row => row.row, name => row.display_name.as_str(), born => row.birth_date.map(|on| on.to_string()),
                start => row.placement_start_on.to_string(), end => row.placement_end_on.map(|on| on.to_string()),
                milestones => milestones.join("、"), exists => preview.existing.contains(&row.row),
                external_id => row.external_id,
            }
        })
        .collect();
    let refused: Vec<Value> = preview
        .sheet
        .refused
        .iter()
        .map(|cell| {
            context! { row => cell.row, column => column_label(&cell.column, language), reason => refusals::why(&cell.why, language) }
        })
        .collect();
    let creating = rows.len() - preview.existing.len();
    let context = context! {
        id => preview.import.id, rows => rows, refused => refused, creating => creating,
        confirmed => preview.import.confirmed_at.is_some(), problem => problem,
        // The language switch comes back to this file's page, whichever form showed it.
        here => format!("/app/imports/{}", preview.import.id),
        ..viewer_frame(req, viewer, title(language))
    };
    html(status, "import_preview.html", context)
}

/// The organisation a staff member imports for (their own), or the one an admin chose.
fn chosen_organization(viewer: &Viewer, chosen: Option<&str>) -> Option<Uuid> {
    match viewer.role() {
        PartyRole::Admin => chosen.and_then(id_of),
        _ => viewer.principal.organization_id,
    }
}

/// `POST /app/imports`: a `multipart/form-data` form with `file` (and, for an admin,
/// `organization_id`). Shows the file checked; stores nothing.
#[handler]
pub async fn check_import(req: &Request, state: Data<&AppState>, body: poem::Body) -> Response {
    if let Err(answer) = from_our_pages(req, &state) {
        return answer;
    }
    let viewer = match importer(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let mut body = RequestBody::new(body);
    let Ok(mut multipart) = Multipart::from_request(req, &mut body).await else {
        return bad_request(req, viewer.language);
    };
    let (mut file, mut organization) = (None, None);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => file = field.bytes().await.ok(),
                Some("organization_id") => organization = field.text().await.ok(),
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return bad_request(req, viewer.language),
        }
    }
    let language = viewer.language;
    let Some(organization_id) = chosen_organization(&viewer, organization.as_deref()) else {
        let problem = refusals::why(&Why::Required, language);
        let label = if language == Language::Ja { "団体" } else { "Organisation" };
        return upload_form(
            req,
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(format!("{label}: {problem}")),
        )
        .await;
    };
    let file = file.filter(|bytes| !bytes.is_empty());
    let Some(file) = file else {
        let label = if language == Language::Ja { "ファイル" } else { "File" };
        let problem = format!("{label}: {}", refusals::why(&Why::Required, language));
        return upload_form(req, &state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, Some(problem)).await;
    };
    let organization = match access::organization_roll(&state, &viewer.principal, organization_id, "import.check").await
    {
        Ok(organization) => organization,
        Err(err) => return access_failed(req, &viewer, err),
    };
    match workflow::check_import(&state, &organization, &file, viewer.principal.actor_id()).await {
        Ok(preview) => preview_page(req, &viewer, preview, StatusCode::OK, None),
        Err(WorkflowError::Refused(refused)) => {
            let problem = refused_file(&refused, language);
            upload_form(req, &state, &viewer, StatusCode::UNPROCESSABLE_ENTITY, Some(problem)).await
        }
        Err(err) => failed(err),
    }
}

fn refused_file(refused: &Refusals, language: Language) -> String {
    let label = if language == Language::Ja { "ファイル" } else { "File" };
    let why = refused
        .0
        .first()
        .map_or_else(|| refusals::why(&Why::NotText, language), |refusal| refusals::why(&refusal.why.0, language));
    format!("{label}: {why}")
}

/// A kept import the viewer may see, or the answer for one they may not.
async fn import_of(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    action: &'static str,
) -> Result<crate::entity::import::Model, Response> {
    let import = match id_of(id) {
        Some(id) => workflow::find_import(state, id).await.map_err(failed)?,
        None => None,
    };
    let Some(import) = import else { return Err(not_found(req, viewer.language)) };
    match access::organization_roll(state, &viewer.principal, import.organization_id, action).await {
        Ok(_) => Ok(import),
        Err(err) => Err(access_failed(req, viewer, err)),
    }
}

/// `GET /app/imports/{id}`: the checked file again.
#[handler]
pub async fn import_page(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match importer(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let import = match import_of(req, &state, &viewer, &id.0, "import.read").await {
        Ok(import) => import,
        Err(answer) => return answer,
    };
    match workflow::preview(&state, import).await {
        Ok(preview) => preview_page(req, &viewer, preview, StatusCode::OK, None),
        Err(err) => failed(err),
    }
}

/// `POST /app/imports/{id}/confirm`: stores every new row, then back to the roll.
#[handler]
pub async fn confirm_import(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    if let Err(answer) = from_our_pages(req, &state) {
        return answer;
    }
    let viewer = match importer(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let import = match import_of(req, &state, &viewer, &id.0, "import.confirm").await {
        Ok(import) => import,
        Err(answer) => return answer,
    };
    let principal = &viewer.principal;
    let actor = Actor { id: principal.actor_id(), role: principal.role.as_str().to_owned() };
    let import_id = import.id;
    let audit = |person_id| audit_entry(principal, "person.create", Some(person_id), Some(import_id), Outcome::Allowed);
    match workflow::confirm_import(&state, import.clone(), &actor, audit).await {
        Ok(_) => see_other(&format!("/app/imports/{import_id}")),
        Err(err) => match refusal(&err, viewer.language) {
            Some((status, problem)) => match workflow::preview(&state, import).await {
                Ok(preview) => preview_page(req, &viewer, preview, status, Some(problem)),
                Err(err) => failed(err),
            },
            None => failed(err),
        },
    }
}
