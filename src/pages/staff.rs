//! Facility staff: the residents sorted by urgency (a period under way first, then the next to
//! begin), the team inbox with acknowledge, snooze and "log a contact", and a resident's page
//! with what is coming, the timeline, forms to record what happened, and invitations.

use std::collections::{BTreeSet, HashMap};

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Request, Response,
};
use uuid::Uuid;

use super::{
    family::alert,
    frame::{failed, html, id_of, not_found, signed_in, viewer_frame, Failure, Viewer},
    words::{self, Ahead},
};
use crate::{
    access::{self, AccessError, PersonAccess, Target},
    domain::{
        access::{list_visibility, Action},
        calendar::add_days,
        milestones::{MilestoneKind, State},
        risk::Severity,
        team::ContactOutcome,
        Language, PartyRole, Relationship, ScopeKind,
    },
    state::AppState,
    store::{self, inbox::TeamFilter, PageRequest},
    workflow,
};

pub async fn page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    match gather(state, viewer).await {
        Ok(context) => {
            let title = match viewer.language {
                Language::Ja => "施設のページ",
                Language::En => "Your facility",
            };
            let frame = viewer_frame(req, viewer, title);
            html(StatusCode::OK, "staff.html", context! { ..frame, ..context })
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
    let today = match viewer.principal.organization_id {
        Some(id) => team_today(state, id).await?,
        None => None,
    };
    let figures = match today {
        Some(today) => super::outcomes::facility_block(state, viewer, today).await?,
        None => context! {},
    };
    let contact_outcomes: Vec<Value> = ContactOutcome::ALL
        .iter()
        .map(|outcome| context! { value => outcome.as_str(), label => words::contact_outcome(*outcome, language) })
        .collect();
    let page = context! {
        residents => residents, alerts => alerts, contact_outcomes => contact_outcomes, tomorrow => tomorrow,
    };
    Ok(context! { ..page, ..figures })
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

/// `GET /app/residents/{id}`.
#[handler]
pub async fn resident_page(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(person_id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    resident(req, &state, &viewer, person_id, StatusCode::OK, None).await
}

/// A resident's page for staff, with a problem to show (a refused form) and its status.
pub async fn resident(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    person_id: Uuid,
    status: StatusCode,
    problem: Option<String>,
) -> Response {
    if viewer.role() != PartyRole::Staff {
        return not_found(req, viewer.language);
    }
    let access =
        match access::person(state, &viewer.principal, person_id, Action::ReadPerson, "page.resident", Target::Person)
            .await
        {
            Ok(access) => access,
            Err(AccessError::NotFound | AccessError::Forbidden(_)) => return not_found(req, viewer.language),
            Err(err) => return failed(err),
        };
    match gather_resident(state, viewer, &access).await {
        Ok(context) => {
            let frame = viewer_frame(req, viewer, &access.person.display_name);
            let page = context! { ..frame, ..context };
            html(status, "resident.html", context! { problem => problem, ..page })
        }
        Err(err) => failed(err),
    }
}

async fn gather_resident(state: &AppState, viewer: &Viewer, access: &PersonAccess) -> Result<Value, Failure> {
    let now = state.clock.now();
    let language = viewer.language;
    let person_id = access.person.id;
    let scope = access.standing.scope();
    let ahead = Ahead::of(state, access).await?;
    let coming = ahead.coming(&state.rules, language);
    let (today, schedule) = (ahead.today, ahead.schedule);
    let milestones: Vec<Value> = schedule
        .milestones
        .iter()
        .map(|(id, milestone)| {
            let events: Vec<Value> = milestone
                .accepted_events()
                .into_iter()
                .map(|event| context! { value => event.as_str(), label => words::event(event, milestone.kind, language) })
                .collect();
            // Sessions are counted while a programme runs.
            let sessions = milestone.kind == MilestoneKind::ProgramEnrollment && milestone.state == State::Active;
            context! {
                id => id, label => words::milestone_kind(milestone.kind, language),
                state => words::state(milestone.state, language), events => events,
                sessions => sessions, attended => milestone.sessions_attended, planned => milestone.sessions_planned,
                version => milestone.version,
            }
        })
        .collect();
    let timeline = timeline(state, person_id, &scope, language).await?;
    let mut invitable = Vec::new();
    for link in store::links::list_for_person(&state.reads, person_id).await? {
        if !crate::domain::link_in_force(link.revoked_at, link.expires_at, now) {
            continue;
        }
        let Some(party) = store::parties::find(&state.reads, link.party_id).await? else { continue };
        if matches!(party.role.parse(), Ok(PartyRole::Family | PartyRole::Lawyer)) && party.disabled_at.is_none() {
            let relationship =
                link.relationship.parse::<Relationship>().map(|r| words::relationship(r, language)).unwrap_or("");
            invitable.push(context! { id => party.id, name => party.display_name, relationship => relationship });
        }
    }
    Ok(context! {
        person_id => person_id, today => today.to_string(), coming => coming, milestones => milestones,
        timeline => timeline, invitable => invitable,
    })
}

/// What happened, newest first, within the viewer's consent scope.
async fn timeline(
    state: &AppState,
    person_id: Uuid,
    scope: &crate::domain::Scope,
    language: Language,
) -> Result<Vec<Value>, Failure> {
    let kinds: Vec<&str> =
        MilestoneKind::ALL.iter().filter(|kind| scope.contains(kind.scope_kind())).map(|kind| kind.as_str()).collect();
    let mut entries: Vec<(chrono::NaiveDate, String)> = Vec::new();
    for event in store::milestones::events_of_person(&state.reads, person_id, &kinds).await? {
        let kind = event.kind.parse::<MilestoneKind>().ok();
        let text = match (event.event.as_str(), event.event.parse(), kind) {
            ("date_moved", _, _) => words::date_moved(language).to_owned(),
            (_, Ok(name), Some(kind)) => words::event(name, kind, language).to_owned(),
            (_, _, Some(kind)) => words::milestone_kind(kind, language).to_owned(),
            _ => event.event.clone(),
        };
        entries.push((event.effective_on, text));
    }
    if scope.covers_custody() {
        for period in store::custody::list_for_person(&state.reads, person_id).await? {
            let started = match language {
                Language::Ja => "身柄拘束が始まった",
                Language::En => "Custody started",
            };
            entries.push((period.started_on, started.to_owned()));
            if let Some(ended_on) = period.ended_on {
                let ended = match language {
                    Language::Ja => "身柄拘束が終わった",
                    Language::En => "Custody ended",
                };
                entries.push((ended_on, ended.to_owned()));
            }
        }
    }
    if scope.contains(ScopeKind::Lapse) {
        for lapse in store::lapses::list_for_person(&state.reads, person_id).await? {
            let text = match language {
                Language::Ja => "再使用（スリップ）の記録",
                Language::En => "A lapse was recorded",
            };
            entries.push((lapse.on, text.to_owned()));
        }
    }
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    let year = chrono::Datelike::year(&state.clock.now().date_naive());
    Ok(entries
        .into_iter()
        .take(50)
        .map(|(on, text)| context! { when => crate::domain::words::date(on, language, year), text => text })
        .collect())
}
