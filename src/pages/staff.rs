//! Facility staff: the residents sorted by urgency (a period under way first, then the next to
//! begin), the team inbox with acknowledge, snooze and "log a contact", and a resident's page
//! with what is coming, the timeline, forms to record what happened, and invitations.

use std::collections::{BTreeSet, HashMap};

use minijinja::{context, Value};
use poem::{http::StatusCode, Request, Response};
use uuid::Uuid;

use super::{
    frame::{failed, html, viewer_frame, Failure, Viewer},
    words::{self, Ahead},
};
use crate::{
    access::{self, AccessError, Target},
    domain::{
        access::{list_visibility, Action},
        calendar::add_days,
        risk::{wording_of, Severity},
        team::ContactOutcome,
        wording::Reader,
        words::{alert_title, date, honorific, span},
        Language, Zone,
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
    /// What the last form stored, in words.
    pub notice: Option<String>,
}

/// The staff home; `done` names what the last form stored, for the notice.
pub async fn page(req: &Request, state: &AppState, viewer: &Viewer, done: Option<&str>) -> Response {
    let shown = Shown { notice: done.and_then(|done| notice(done, viewer.language)), ..Shown::default() };
    home(req, state, viewer, StatusCode::OK, shown).await
}

/// What an alert's form stored, in words: `done` is a code the form redirected with.
fn notice(done: &str, language: Language) -> Option<String> {
    let (ja, en) = match done {
        "ack" => ("確認しました", "acknowledged"),
        "snooze" => ("後で対応する（その日まで受信箱から外しました）", "snoozed until its day"),
        "contact" => ("連絡の結果", "the contact"),
        "wake" => ("お知らせを受信箱に戻しました", "the alert is back in the inbox"),
        _ => return None,
    };
    Some(words::stored(if language == Language::Ja { ja } else { en }, language))
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
            let shown = context! { problem => shown.problem, posted => shown.posted, notice => shown.notice };
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
                .map(|rule| crate::domain::risk::wording(rule, Reader::Staff, language).title),
        };
        residents.push((urgency, row));
    }
    residents.sort_by(|a, b| a.0.cmp(&b.0));
    let residents: Vec<Value> = residents.into_iter().map(|(_, row)| row).collect();
    let (alerts, tomorrow) = team_alerts(state, viewer, Which::Waiting).await?;
    let contact_outcomes: Vec<Value> = ContactOutcome::ALL
        .iter()
        .map(|outcome| context! { value => outcome.as_str(), label => words::contact_outcome(*outcome, language) })
        .collect();
    let duty = super::duty::duty(state, viewer).await?;
    let page = context! {
        residents => residents, alerts => alerts, contact_outcomes => contact_outcomes, tomorrow => tomorrow,
        duty => duty,
    };
    Ok(page)
}

/// Which of the team's alerts a page lists.
#[derive(Clone, Copy)]
pub enum Which {
    /// The inbox: those not snoozed (or whose snooze has run out).
    Waiting,
    /// Those snoozed to a day still ahead.
    Snoozed,
}

/// The team's alerts, newest first, each with the contacts logged on it, each person's read
/// audited; and tomorrow in the facility's zone (the first day a snooze may run to).
pub async fn team_alerts(state: &AppState, viewer: &Viewer, which: Which) -> Result<(Vec<Value>, String), Failure> {
    let Some(organization_id) = viewer.principal.organization_id else { return Ok((Vec::new(), String::new())) };
    let Some(zone) = team_zone(state, organization_id).await? else { return Ok((Vec::new(), String::new())) };
    let today = zone.date_at(state.clock.now());
    let snoozed = match which {
        Which::Waiting => None,
        Which::Snoozed => Some(true),
    };
    let filter = TeamFilter { person_id: None, severity: None, acknowledged: None, snoozed, today: Some(today) };
    let shown = crate::workflow::inbox::team_inbox(state, organization_id, &filter, None, 30).await?;
    let names = &shown.page.names;
    let person_ids: BTreeSet<Uuid> = shown.rows().map(|row| row.person_id).collect();
    let entries = access::list_entries(&viewer.principal, "team.alerts", person_ids.iter().copied());
    state.audit.record(entries, state.clock.now()).await?;
    let mut contacts = contacts_of(state, &shown.page.contacts, zone, viewer.language).await?;
    let year = chrono::Datelike::year(&today);
    let mut alerts = Vec::new();
    for row in shown.rows() {
        let by = match row.acknowledged_by {
            Some(id) => state.cache.party(id, || store::parties::find(&state.reads, id)).await?.map(|p| p.display_name),
            None => None,
        };
        let item = alert(state, row, names, viewer.language);
        let snoozed_until = row.snoozed_until.map(|until| date(until, viewer.language, year));
        alerts.push(context! {
            acknowledged_by => by, contacts => contacts.remove(&row.id).unwrap_or_default(),
            snoozed_until => snoozed_until, snooze_reason => row.snooze_reason, ..item
        });
    }
    // A snooze may run to tomorrow at the earliest; on the calendar's last day there is none.
    let tomorrow = add_days(today, 1).map(|day| day.to_string()).unwrap_or_default();
    Ok((alerts, tomorrow))
}

/// The contacts logged on these alerts, oldest first: the day (in the team's zone), what
/// came of it, who logged it and their note.
async fn contacts_of(
    state: &AppState,
    logged: &[crate::entity::alert_contact::Model],
    zone: Zone,
    language: Language,
) -> Result<HashMap<Uuid, Vec<Value>>, Failure> {
    let by_ids: Vec<Uuid> = logged.iter().filter_map(|contact| contact.recorded_by.parse().ok()).collect();
    let by: HashMap<Uuid, String> =
        store::parties::find_many(&state.reads, &by_ids).await?.into_iter().map(|p| (p.id, p.display_name)).collect();
    let mut found: HashMap<Uuid, Vec<Value>> = HashMap::new();
    for contact in logged {
        let on = zone.date_at(contact.recorded_at);
        let outcome = Some(words::contact_outcome(contact.outcome, language));
        let who = contact.recorded_by.parse::<Uuid>().ok().and_then(|id| by.get(&id).cloned());
        found.entry(contact.alert_id).or_default().push(context! {
            on => date(on, language, chrono::Datelike::year(&on)), outcome => outcome, by => who,
            note => contact.note.clone(),
        });
    }
    Ok(found)
}

/// `GET /app/alerts/snoozed`: the team's snoozed alerts, each with its day and why, and a
/// button that brings it back now. Staff only; anyone else finds no such page.
#[poem::handler]
pub async fn snoozed_page(req: &Request, state: poem::web::Data<&AppState>) -> Response {
    let viewer = match super::frame::signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    if viewer.role() != crate::domain::PartyRole::Staff {
        return super::frame::not_found(req, viewer.language);
    }
    match team_alerts(&state, &viewer, Which::Snoozed).await {
        Ok((alerts, _)) => {
            let title = match viewer.language {
                Language::Ja => "後で対応するお知らせ",
                Language::En => "Snoozed alerts",
            };
            html(StatusCode::OK, "snoozed.html", context! { alerts => alerts, ..viewer_frame(req, &viewer, title) })
        }
        Err(err) => failed(err),
    }
}

/// The zone of a team's organisation; `None` when it is gone.
async fn team_zone(state: &AppState, organization_id: Uuid) -> Result<Option<Zone>, Failure> {
    Ok(crate::workflow::organization(state, organization_id).await?.map(|organization| organization.timezone))
}

/// Today in the zone of a team's organisation; `None` when it is gone.
pub async fn team_today(state: &AppState, organization_id: Uuid) -> Result<Option<chrono::NaiveDate>, Failure> {
    Ok(team_zone(state, organization_id).await?.map(|zone| zone.date_at(state.clock.now())))
}

/// An alert as the team inbox lists it, in the staff's words.
pub(crate) fn alert(
    state: &AppState,
    row: &crate::entity::alert::Model,
    names: &HashMap<Uuid, String>,
    language: Language,
) -> Value {
    let words = wording_of(&state.rules, &row.rule, Reader::Staff, language);
    let severity = Some(row.severity);
    let year = chrono::Datelike::year(&row.starts_on);
    context! {
        id => row.id, person_id => row.person_id,
        person => names.get(&row.person_id).map(|name| honorific(name, language)),
        title => alert_title(row, &words.title, language), why => words.why,
        when => span(row.starts_on, row.ends_on, language, year),
        severity => row.severity.as_str(), severity_label => severity.map(|severity| words::severity(severity, language)),
        acknowledged => row.acknowledged_at.is_some(),
    }
}
