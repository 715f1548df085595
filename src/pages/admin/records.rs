//! The audit log and the provision records: narrowed by person, account, action and dates,
//! paged, and downloaded as CSV with the same narrowing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minijinja::context;
use poem::{handler, http::StatusCode, web::Data, Request, Response};
use uuid::Uuid;

use super::{admin, page, when, Shown};
use crate::{
    domain::{Language, Refusals, Why, Zone},
    pages::{
        forms::posted::Posted,
        frame::{bad_request, failed, protect, Viewer},
    },
    state::AppState,
    store::{self, audit::AuditFilter, provisions::ProvisionFilter, PageRequest},
};

/// Rows a page shows; a CSV holds at most `MOST_CSV_ROWS`.
const PER_PAGE: u64 = 100;
const MOST_CSV_ROWS: usize = 50_000;

/// The narrowing as typed, read strictly: every refusal goes beside its field.
struct Narrowing {
    person_id: Option<Uuid>,
    account: Option<String>,
    action: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    cursor: Option<Uuid>,
    csv: bool,
}

fn uuid_field(posted: &Posted, name: &str, refusals: &mut Refusals) -> Option<Uuid> {
    match posted.text(name) {
        "" => None,
        typed => refusals.check(name, typed.parse::<Uuid>().map_err(|_| Why::NoSuch { what: "id" }.into())),
    }
}

fn read(posted: &Posted, refusals: &mut Refusals) -> Narrowing {
    let zone = Zone::default();
    let day = |name: &str, refusals: &mut Refusals| posted.optional_date(name, refusals).flatten();
    let from: Option<NaiveDate> = day("from", refusals);
    let to: Option<NaiveDate> = day("to", refusals);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            refusals.push("to", Why::EndsBeforeStart.into());
        }
    }
    let text = |name: &str| Some(posted.text(name).to_owned()).filter(|typed| !typed.is_empty());
    Narrowing {
        person_id: uuid_field(posted, "person", refusals),
        account: text("account"),
        action: text("action"),
        from: from.map(|on| zone.start_of(on)),
        // The last day counts whole.
        to: to.and_then(|on| on.checked_add_signed(Duration::days(1))).map(|on| zone.start_of(on)),
        cursor: uuid_field(posted, "cursor", refusals),
        csv: posted.text("format") == "csv",
    }
}

/// What a log page lists: its rows as cells, and the cursor of the next page.
struct Listed {
    headings: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    next: Option<Uuid>,
}

async fn audit_rows(state: &AppState, narrowing: &Narrowing, limit: u64) -> Result<Listed, sea_orm::DbErr> {
    let filter = AuditFilter {
        person_id: narrowing.person_id,
        actor: narrowing.account.clone(),
        action: narrowing.action.clone(),
        from: narrowing.from,
        to: narrowing.to,
    };
    let listed = store::audit::list(&state.db, filter, PageRequest { after: narrowing.cursor, limit }).await?;
    let rows = listed
        .items
        .iter()
        .map(|row| {
            vec![
                when(row.at),
                row.actor.clone(),
                row.actor_role.clone(),
                row.action.clone(),
                row.person_id.map(|id| id.to_string()).unwrap_or_default(),
                row.resource_id.map(|id| id.to_string()).unwrap_or_default(),
                row.outcome.clone(),
            ]
        })
        .collect();
    let headings = vec!["at", "account", "role", "action", "person_id", "resource_id", "outcome"];
    Ok(Listed { headings, rows, next: listed.next_cursor })
}

async fn provision_rows(state: &AppState, narrowing: &Narrowing, limit: u64) -> Result<Listed, sea_orm::DbErr> {
    let filter = ProvisionFilter {
        person_id: narrowing.person_id,
        recipient_party_id: narrowing.account.as_deref().and_then(|typed| typed.parse().ok()),
        from: narrowing.from,
        to: narrowing.to,
    };
    let listed = store::provisions::list(&state.db, filter, PageRequest { after: narrowing.cursor, limit }).await?;
    let rows = listed
        .items
        .iter()
        .map(|row| {
            vec![
                when(row.provided_at),
                row.person_id.to_string(),
                row.recipient.clone(),
                row.recipient_party_id.map(|id| id.to_string()).unwrap_or_default(),
                row.channel.clone(),
                row.items.clone(),
                row.basis.clone(),
            ]
        })
        .collect();
    let headings = vec!["provided_at", "person_id", "recipient", "recipient_party_id", "channel", "items", "basis"];
    Ok(Listed { headings, rows, next: listed.next_cursor })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Log {
    Audit,
    Provisions,
}

async fn rows(state: &AppState, log: Log, narrowing: &Narrowing, limit: u64) -> Result<Listed, sea_orm::DbErr> {
    match log {
        Log::Audit => audit_rows(state, narrowing, limit).await,
        Log::Provisions => provision_rows(state, narrowing, limit).await,
    }
}

/// Every row the narrowing picks, page after page, as one CSV document.
async fn csv(
    state: &AppState,
    log: Log,
    mut narrowing: Narrowing,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut written = 0;
    loop {
        let listed = rows(state, log, &narrowing, 1000).await?;
        if written == 0 {
            writer.write_record(&listed.headings)?;
        }
        for row in &listed.rows {
            writer.write_record(row)?;
            written += 1;
        }
        match listed.next {
            Some(next) if written < MOST_CSV_ROWS => narrowing.cursor = Some(next),
            _ => break,
        }
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

async fn log_page(req: &Request, state: &AppState, log: Log) -> Response {
    let viewer = match admin(req, state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(posted) = Posted::from_query(req.uri().query().unwrap_or("")) else {
        return bad_request(req, viewer.language);
    };
    let mut refusals = Refusals::default();
    let narrowing = read(&posted, &mut refusals);
    if !refusals.is_empty() {
        let shown = Shown { posted: Some(posted.refused("narrow", &refusals, viewer.language)), ..Shown::default() };
        let empty = Listed { headings: Vec::new(), rows: Vec::new(), next: None };
        return render(req, &viewer, log, StatusCode::UNPROCESSABLE_ENTITY, shown, empty, &posted);
    }
    if narrowing.csv {
        return match csv(state, log, narrowing).await {
            Ok(document) => {
                let name = if log == Log::Audit { "audit.csv" } else { "provision-records.csv" };
                protect(
                    Response::builder()
                        .content_type("text/csv; charset=utf-8")
                        .header("content-disposition", format!("attachment; filename=\"{name}\""))
                        .body(document),
                )
            }
            Err(err) => failed(err),
        };
    }
    match rows(state, log, &narrowing, PER_PAGE).await {
        Ok(listed) => render(req, &viewer, log, StatusCode::OK, Shown::default(), listed, &posted),
        Err(err) => failed(err),
    }
}

fn render(
    req: &Request,
    viewer: &Viewer,
    log: Log,
    status: StatusCode,
    shown: Shown,
    listed: Listed,
    posted: &Posted,
) -> Response {
    let language = viewer.language;
    let (title, path) = match (log, language) {
        (Log::Audit, Language::Ja) => ("監査ログ", "/admin/audit"),
        (Log::Audit, Language::En) => ("Audit log", "/admin/audit"),
        (Log::Provisions, Language::Ja) => ("提供記録", "/admin/provisions"),
        (Log::Provisions, Language::En) => ("Provision records", "/admin/provisions"),
    };
    // The same narrowing, for the CSV link and the next page's.
    let kept: Vec<(&str, &str)> = ["person", "account", "action", "from", "to"]
        .into_iter()
        .map(|name| (name, posted.text(name)))
        .filter(|(_, typed)| !typed.is_empty())
        .collect();
    let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
    let with = |extra: &str| {
        let joined =
            [query.as_str(), extra].iter().filter(|part| !part.is_empty()).copied().collect::<Vec<_>>().join("&");
        format!("{path}?{joined}")
    };
    let next = listed.next.map(|cursor| with(&format!("cursor={cursor}")));
    let typed: std::collections::HashMap<&str, &str> =
        ["person", "account", "action", "from", "to"].into_iter().map(|name| (name, posted.text(name))).collect();
    let context = context! {
        path => path, headings => listed.headings, rows => listed.rows, next => next, csv => with("format=csv"),
        typed => typed, audit => log == Log::Audit,
    };
    page(req, viewer, "admin_log.html", title, status, shown, context)
}

/// `GET /admin/audit?person=&account=&action=&from=&to=&cursor=&format=csv`.
#[handler]
pub async fn audit_page(req: &Request, state: Data<&AppState>) -> Response {
    log_page(req, &state, Log::Audit).await
}

/// `GET /admin/provisions?person=&account=&from=&to=&cursor=&format=csv`.
#[handler]
pub async fn provisions_page(req: &Request, state: Data<&AppState>) -> Response {
    log_page(req, &state, Log::Provisions).await
}
