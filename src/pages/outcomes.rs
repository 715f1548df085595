//! The outcome figures on the staff page (their facility's) and the admin page (the
//! prefecture's): this fiscal year, a small chart per measure.

use chrono::NaiveDate;
use minijinja::{context, Value};
use poem::{http::StatusCode, Request, Response};

use super::{
    charts,
    frame::{failed, html, viewer_frame, Failure, Viewer},
    words,
};
use crate::{
    access::audit_entry,
    domain::{
        outcomes::{Cell, FiscalYear, Period, Span},
        Language, PartyRole,
    },
    state::AppState,
    store::audit::Outcome,
    workflow::outcomes::{self, Report},
};

/// The fiscal year `today` falls in: figures are given for fixed periods only.
fn this_fiscal_year(today: NaiveDate) -> Result<Period, Failure> {
    FiscalYear::of(today).and_then(|year| Period::new(year, Span::Year)).map_err(|why| Failure::from(why.to_string()))
}

fn shown(cell: Option<&Cell>) -> (Option<i64>, bool) {
    cell.map_or((None, false), |cell| (cell.published(), cell.hidden))
}

/// Each measure's figure over the range and, for counts, its chart.
pub fn figures(report: &Report, language: Language) -> Vec<Value> {
    report
        .measures
        .iter()
        .map(|(measure, cell)| {
            let label = words::measure(*measure, language);
            let chart = report
                .series
                .iter()
                .find(|(charted, _)| charted == measure)
                .map(|(_, months)| minijinja::Value::from_safe_string(charts::bars(label, months, language)));
            let (total, suppressed) = shown(Some(cell));
            context! { label => label, total => total, suppressed => suppressed, chart => chart }
        })
        .collect()
}

fn title(language: Language) -> &'static str {
    match language {
        Language::Ja => "今年度の成果",
        Language::En => "This fiscal year",
    }
}

/// The staff page's block: their facility's figures.
pub async fn facility_block(state: &AppState, viewer: &Viewer, today: NaiveDate) -> Result<Value, Failure> {
    let Some(organization_id) = viewer.principal.organization_id else {
        return Ok(context! { figures => Vec::<Value>::new(), outcomes_title => title(viewer.language) });
    };
    let entry = audit_entry(&viewer.principal, "outcomes.read", None, Some(organization_id), Outcome::Allowed);
    state.audit.record(vec![entry], state.clock.now()).await?;
    let report = outcomes::for_organization(state, organization_id, this_fiscal_year(today)?).await?;
    Ok(context! { figures => figures(&report, viewer.language), outcomes_title => title(viewer.language) })
}

/// `GET /app/outcomes`: staff's page of their facility's figures this fiscal year.
#[poem::handler]
pub async fn facility_page(req: &Request, state: poem::web::Data<&AppState>) -> Response {
    let viewer = match super::frame::signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(organization_id) = viewer.principal.organization_id.filter(|_| viewer.role() == PartyRole::Staff) else {
        return super::frame::not_found(req, viewer.language);
    };
    let gathered = async {
        let today = super::staff::team_today(&state, organization_id).await?;
        match today {
            Some(today) => facility_block(&state, &viewer, today).await.map(Some),
            None => Ok(None),
        }
    };
    match gathered.await {
        Ok(Some(context)) => {
            let frame = viewer_frame(req, &viewer, title(viewer.language));
            html(StatusCode::OK, "outcomes.html", context! { ..frame, ..context })
        }
        Ok(None) => super::frame::not_found(req, viewer.language),
        Err(err) => failed(err),
    }
}

/// `GET /app` for an admin: the prefecture's figures, and each facility's.
pub async fn admin_page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    match admin(state, viewer).await {
        Ok(context) => {
            let page_title = match viewer.language {
                Language::Ja => "県全体の成果",
                Language::En => "The prefecture's outcomes",
            };
            let frame = viewer_frame(req, viewer, page_title);
            let admin = context! { admin_name => viewer.party.display_name.clone() };
            html(StatusCode::OK, "admin.html", context! { ..frame, ..admin, ..context })
        }
        Err(err) => failed(err),
    }
}

async fn admin(state: &AppState, viewer: &Viewer) -> Result<Value, Failure> {
    let language = viewer.language;
    let today = state.today_in(crate::domain::Zone::default());
    let entry = audit_entry(&viewer.principal, "outcomes.read", None, None, Outcome::Allowed);
    state.audit.record(vec![entry], state.clock.now()).await?;
    let report = outcomes::for_everyone(state, this_fiscal_year(today)?).await?;
    let measures: Vec<_> = report.all.measures.iter().map(|(measure, _)| *measure).collect();
    let headings: Vec<&str> = measures.iter().map(|measure| words::measure(*measure, language)).collect();
    let held = match language {
        Language::Ja => "非公表",
        Language::En => "held back",
    };
    let facilities: Vec<Value> = report
        .facilities
        .iter()
        .map(|facility| {
            let name = &facility.name;
            let values: Vec<String> = measures
                .iter()
                .map(|measure| {
                    match shown(facility.measures.iter().find(|(m, _)| m == measure).map(|(_, cell)| cell)) {
                        (Some(count), _) => count.to_string(),
                        (None, true) => held.to_owned(),
                        (None, false) => "–".to_owned(),
                    }
                })
                .collect();
            context! { name => name, values => values }
        })
        .collect();
    Ok(context! {
        figures => figures(&report.all, language), outcomes_title => title(language),
        headings => headings, facilities => facilities,
    })
}
