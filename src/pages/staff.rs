//! Facility staff: the residents sorted by urgency (a period under way first, then the next to
//! begin), the team inbox with acknowledge, snooze and "log a contact", and a resident's page
//! with what is coming, the timeline, forms to record what happened, and invitations.

use std::collections::{BTreeSet, HashMap};

use minijinja::{context, Value};
use poem::{http::StatusCode, Request, Response};
use uuid::Uuid;

use super::{
    family::alert,
    frame::{failed, html, viewer_frame, Failure, Viewer},
    words::{self, Ahead},
};
use crate::{
    access::{self, AccessError, Target},
    domain::{
        access::{list_visibility, Action},
        calendar::add_days,
        risk::Severity,
        team::ContactOutcome,
        Language,
    },
    state::AppState,
    store::{self, inbox::TeamFilter, PageRequest},
    workflow,
};

/// What a page shows besides what it gathers: why a form was refused, and the form as typed.
#[derive(Default)]
pub struct Shown {
    pub problem: Option<String>,
    pub posted: Option<Value>,
}

pub async fn page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    home(req, state, viewer, StatusCode::OK, Shown::default()).await
}

/// The staff home, with a refused form to show again (and its status).
pub async fn home(req: &Request, state: &AppState, viewer: &Viewer, status: StatusCode, shown: Shown) -> Response {
    match gather(state, viewer).await {
        Ok(context) => {
            let title = match viewer.language {
                Language::Ja => "施設のページ",
                Language::En => "Your facility",
            };
            let frame = viewer_frame(req, viewer, title);
            let shown = context! { problem => shown.problem, posted => shown.posted };
            html(status, "staff.html", context! { ..frame, ..shown, ..context })
        }
        Err(err) => failed(err),
    }
}

/// How urgent a resident is: a period under way (most severe first), then the next to begin.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Urgency {
    Now(std::cmp::Reverse<Severity>),
    Next(chrono::NaiveDate),
    Nothing,
}

async fn gather(state: &AppState, viewer: &Viewer) -> Result<Value, Failure> {
    let language = viewer.language;
    let visibility = list_visibility(&viewer.principal.caller());
    let placed = workflow::visible_persons(state, visibility, PageRequest { after: None, limit: 200 }).await?.items;
    let mut residents = Vec::new();
    for person in placed {
        let access = match access::person(
            state,
            &viewer.principal,
            person.id,
            Action::ReadPerson,
            "page.residents",
            Target::Person,
        )
        .await
        {
            Ok(access) => access,
            Err(AccessError::NotFound | AccessError::Forbidden(_)) => continue,
            Err(err) => return Err(err.into()),
        };
        let Ahead { today, until, schedule } = Ahead::of(state, &access).await?;
        let watched = schedule.periods.iter().filter(|period| !period.is_over(today) && period.starts_on <= until);
        let current = watched.clone().filter(|period| period.is_current(today)).max_by_key(|period| period.severity);
        let next = watched.filter(|period| !period.is_current(today)).min_by_key(|period| period.starts_on);
        let shown = current.or(next);
        let urgency = match (current, next) {
            (Some(period), _) => Urgency::Now(std::cmp::Reverse(period.severity)),
            (None, Some(period)) => Urgency::Next(period.starts_on),
            (None, None) => Urgency::Nothing,
        };
        let year = chrono::Datelike::year(&today);
        let row = context! {
            id => person.id, name => person.display_name, current => current.is_some(),
            severity => shown.map(|period| period.severity.as_str()),
            when => shown.map(|period| crate::domain::words::span(period.starts_on, period.ends_on, language, year)),
            period => shown.and_then(|period| state.rules.iter().find(|rule| rule.id == period.rule_id))
                .map(|rule| crate::domain::risk::wording(rule, language).0),
        };
        residents.push((urgency, row));
    }
    residents.sort_by(|a, b| a.0.cmp(&b.0));
    let residents: Vec<Value> = residents.into_iter().map(|(_, row)| row).collect();
    let (alerts, tomorrow) = team_alerts(state, viewer).await?;
    let contact_outcomes: Vec<Value> = ContactOutcome::ALL
        .iter()
        .map(|outcome| context! { value => outcome.as_str(), label => words::contact_outcome(*outcome, language) })
        .collect();
    let page = context! {
        residents => residents, alerts => alerts, contact_outcomes => contact_outcomes, tomorrow => tomorrow,
    };
    Ok(page)
}

/// The team's alerts not snoozed, newest first, each person's read audited; and tomorrow in
/// the facility's zone (the first day a snooze may run to).
async fn team_alerts(state: &AppState, viewer: &Viewer) -> Result<(Vec<Value>, String), Failure> {
    let Some(organization_id) = viewer.principal.organization_id else { return Ok((Vec::new(), String::new())) };
    let Some(today) = team_today(state, organization_id).await? else { return Ok((Vec::new(), String::new())) };
    let filter = TeamFilter { person_id: None, severity: None, acknowledged: None, snoozed: None, today: Some(today) };
    let (rows, _) = store::inbox::team_inbox(&state.reads, organization_id, &filter, None, 30).await?;
    let person_ids: BTreeSet<Uuid> = rows.iter().map(|row| row.person_id).collect();
    let entries = access::list_entries(&viewer.principal, "team.alerts", person_ids.iter().copied());
    state.audit.record(entries, state.clock.now()).await?;
    let ids: Vec<Uuid> = person_ids.into_iter().collect();
    let names: HashMap<Uuid, String> =
        store::persons::find_many(&state.reads, &ids).await?.into_iter().map(|p| (p.id, p.display_name)).collect();
    let mut alerts = Vec::new();
    for row in &rows {
        let by = match row.acknowledged_by {
            Some(id) => store::parties::find(&state.reads, id).await?.map(|party| party.display_name),
            None => None,
        };
        let item = alert(state, row, &names, viewer.language);
        alerts.push(context! { acknowledged_by => by, ..item });
    }
    let tomorrow = add_days(today, 1).unwrap_or(today).to_string();
    Ok((alerts, tomorrow))
}

/// Today in the zone of a team's organisation; `None` when it is gone.
pub async fn team_today(state: &AppState, organization_id: Uuid) -> Result<Option<chrono::NaiveDate>, Failure> {
    let Some(organization) = store::organizations::find(&state.reads, organization_id).await? else { return Ok(None) };
    let zone: crate::domain::Zone = store::parse_stored("time zone", organization.id, &organization.timezone)?;
    Ok(Some(zone.date_at(state.clock.now())))
}
