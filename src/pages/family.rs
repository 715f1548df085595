//! A family member's or lawyer's page: for each person they are linked to, one list of what is
//! coming and why, with the alerts about it beside each item (Acknowledge), alerts whose period
//! has gone marked as such, whom to call (the facility and the places to turn to near it), and a
//! calendar link. When the person shares less than everything, the page says so, never that
//! nothing is coming.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use chrono::NaiveDate;
use minijinja::{context, Value};
use poem::{Request, Response};
use uuid::Uuid;

use super::{
    frame::{self, failed, Failure, Viewer},
    words::{Ahead, Coming, PeriodKey},
};
use crate::{
    access::{self, AccessError, PersonAccess, Target},
    cache::{Members, WrittenPage},
    domain::{
        access::Action,
        risk::wording_of,
        wording::Reader,
        words::{alert_title, span},
        Language,
    },
    entity::link,
    state::AppState,
    store,
    workflow::inbox::Shown,
};

pub async fn page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    match written(req, state, viewer).await {
        Ok(page) => frame::written(req, &page.gzipped),
        Err(err) => failed(err),
    }
}

/// The page as last written for this viewer, or written now. Whom it shows and which alerts is
/// decided (and audited) at each request; the page is written again when that changes, when a
/// person's local day turns, or when a write declares the viewer, their inbox, a person shown
/// or the directory changed (see `cache::ReadCache::written_page`).
async fn written(req: &Request, state: &AppState, viewer: &Viewer) -> Result<Arc<WrittenPage>, Failure> {
    let since = state.cache.read_starts();
    // Both halves below start from the viewer's links (with the persons they name): read here,
    // once, and kept, so the inbox finds them kept rather than reading them at the same moment.
    let held = crate::workflow::links_held(state, viewer.party.id).await?;
    // The audit lines of the alerts and of each person are stored together, in one group
    // commit, rather than one after another.
    let (shown, readable) = tokio::try_join!(alerts_shown(state, viewer), readable_persons(state, viewer, &held))?;
    let now = state.clock.now();
    // The viewer was read before `since`: what the page shows of them is part of the key.
    let principal = &viewer.principal;
    let mut asked = format!(
        "{}|{}|{:?}|{:?}|{:?}|{}|",
        req.method(),
        req.uri(),
        viewer.language,
        principal.role,
        principal.organization_id,
        viewer.party.display_name
    );
    for access in &readable {
        let today = access.zone()?.date_at(now);
        asked.push_str(&format!("{}:{today}:{:?};", access.person.id, access.standing.scope()));
    }
    let mut hidden: Vec<&Uuid> = shown.hidden().iter().collect();
    hidden.sort();
    asked.push_str(&format!("{hidden:?}"));
    let persons = readable.iter().map(|access| access.person.id).collect();
    state
        .cache
        .written_page(viewer.party.id, asked, since, || async {
            let context = gather(state, viewer, &shown, readable).await?;
            let body = frame::own_page_written(req, viewer, "family.html", context)?;
            let gzipped = crate::http::gzip::gzip(body.as_bytes())?;
            Ok(Arc::new(WrittenPage { gzipped: gzipped.into(), persons }))
        })
        .await
}

/// What the page shows: each readable person's section, with the alerts shown about them.
async fn gather(
    state: &AppState,
    viewer: &Viewer,
    shown: &Shown,
    readable: Vec<PersonAccess>,
) -> Result<Value, Failure> {
    let mut alerts: HashMap<Uuid, Vec<crate::entity::alert::Model>> = HashMap::new();
    for row in shown.rows() {
        alerts.entry(row.person_id).or_default().push(row.clone());
    }
    let mut persons = Vec::new();
    for access in readable {
        let alerts = alerts.remove(&access.person.id).unwrap_or_default();
        persons.push(person(state, viewer, &access, alerts).await?);
    }
    // A probation officer of an office refers the persons they are linked to.
    let refers = viewer.principal.organization_id.is_some_and(|organization| {
        crate::domain::access::referrals::may_list(&viewer.principal.caller(), organization)
    });
    Ok(context! { persons => persons, refers => refers })
}

/// The persons the viewer is linked to now (by `held`, the links they hold) whose page they may
/// read, in id order, each decision audited.
async fn readable_persons(
    state: &AppState,
    viewer: &Viewer,
    held: &Members<link::Model>,
) -> Result<Vec<PersonAccess>, Failure> {
    let now = state.clock.now();
    let person_ids: BTreeSet<Uuid> =
        held.rows.iter().filter(|link| store::links::is_active(link, now)).map(|link| link.person_id).collect();
    let decisions = futures::future::join_all(person_ids.into_iter().map(|person_id| {
        access::person(state, &viewer.principal, person_id, Action::ReadPerson, "page.person", Target::Person)
    }))
    .await;
    let mut readable = Vec::new();
    for decision in decisions {
        match decision {
            Ok(access) => readable.push(access),
            Err(AccessError::NotFound | AccessError::Forbidden(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Ok(readable)
}

/// One person's section: what is coming with its alerts, alerts gone by, and whom to call.
async fn person(
    state: &AppState,
    viewer: &Viewer,
    access: &PersonAccess,
    alerts: Vec<crate::entity::alert::Model>,
) -> Result<Value, Failure> {
    let language = viewer.language;
    let reader = Reader::of_role(viewer.principal.role);
    let (ahead, places) =
        tokio::try_join!(Ahead::of(state, access), super::places::places_to_call(state, access.person.id, language))?;
    let coming = ahead.coming(&state.rules, reader, language);
    let (items, gone) = with_alerts(state, coming, alerts, ahead.today, reader, language);
    Ok(context! {
        name => access.person.display_name, items => items, gone => gone,
        narrowed => access.standing.scope().hides_dates(), ..places,
    })
}

/// Each alert beside the item it is about; an alert whose period is no longer coming (a bail
/// ended, a date moved away, a period over) is listed apart, saying so.
fn with_alerts(
    state: &AppState,
    coming: Vec<Coming>,
    alerts: Vec<crate::entity::alert::Model>,
    today: NaiveDate,
    reader: Reader,
    language: Language,
) -> (Vec<Value>, Vec<Value>) {
    let mut by_period: HashMap<PeriodKey, Vec<&crate::entity::alert::Model>> = HashMap::new();
    for alert in alerts.iter().filter(|alert| alert.notice.is_none()) {
        by_period.entry((alert.rule.clone(), alert.starts_on, alert.ends_on)).or_default().push(alert);
    }
    let items = coming
        .into_iter()
        .map(|item| {
            let theirs = item.key.as_ref().and_then(|key| by_period.remove(key)).unwrap_or_default();
            let alert = theirs.iter().find(|alert| alert.acknowledged_at.is_none()).or(theirs.first());
            let alert = alert.map(|alert| context! { id => alert.id, acknowledged => alert.acknowledged_at.is_some() });
            context! { alert => alert, ..item.value }
        })
        .collect();
    // What is left: periods no longer coming, and the notices that said they moved or went.
    let year = chrono::Datelike::year(&today);
    let gone = alerts
        .iter()
        .filter(|alert| {
            alert.notice.is_some() || by_period.contains_key(&(alert.rule.clone(), alert.starts_on, alert.ends_on))
        })
        .map(|alert| {
            let words = wording_of(&state.rules, &alert.rule, reader, language);
            let status = match (alert.notice.is_some(), alert.ends_on < today, language) {
                (true, _, _) => None,
                (false, true, Language::Ja) => Some("この時期は終わりました。"),
                (false, true, Language::En) => Some("This period is over."),
                (false, false, Language::Ja) => Some("予定が変わり、この時期はなくなりました。"),
                (false, false, Language::En) => Some("Plans changed: this period is no longer coming."),
            };
            context! {
                id => alert.id, title => alert_title(alert, &words.title, language), status => status,
                when => span(alert.starts_on, alert.ends_on, language, year),
                acknowledged => alert.acknowledged_at.is_some(),
            }
        })
        .collect();
    (items, gone)
}

/// The viewer's own alerts whose consent still holds, newest first, each person's read audited.
async fn alerts_shown(state: &AppState, viewer: &Viewer) -> Result<Shown, Failure> {
    let shown = crate::workflow::inbox::own_inbox(state, viewer.party.id, false, None, 50).await?;
    let person_ids: BTreeSet<Uuid> = shown.rows().map(|row| row.person_id).collect();
    let entries = access::list_entries(&viewer.principal, "alert.list", person_ids.iter().copied());
    state.audit.record(entries, state.clock.now()).await?;
    Ok(shown)
}
