//! Referrals as the staff of both sides (and probation officers) work them: referring a person
//! on, answering what came in, arranging and recording the hand-off meeting, and following
//! what was sent out.

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Query},
    Request, Response,
};
use uuid::Uuid;

use super::{
    frame::{failed, html, not_found, signed_in, viewer_frame, Failure, Viewer},
    resident::Done,
    staff::Shown,
    words,
};
use crate::{
    domain::{
        access::{list_visibility, referrals::may_list},
        milestones::{MilestoneKind, State},
        referral::{self, ReferralState, Side},
        Language, ScopeKind,
    },
    state::AppState,
    store::{self, referrals::Direction, PageRequest},
    workflow::{self, referrals::Stored},
};

/// The most referrals, persons and organisations a page lists.
const MOST: u64 = 200;

/// `GET /app/referrals`: staff and probation officers of an organisation; 404 for anyone else.
#[handler]
pub async fn referrals_page(req: &Request, state: Data<&AppState>, done: Query<Done>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let notice = done.0.done.as_deref().and_then(|done| notice(done, viewer.language));
    page(req, &state, &viewer, (StatusCode::OK, Shown { notice, ..Shown::default() })).await
}

fn notice(done: &str, language: Language) -> Option<String> {
    let (ja, en) = match done {
        "referred" => ("紹介", "the referral"),
        "step" => ("紹介の記録", "the referral's step"),
        "meeting" => ("顔合わせ", "the meeting"),
        _ => return None,
    };
    Some(words::stored(if language == Language::Ja { ja } else { en }, language))
}

/// The page, with what `shown` says (a refused form as typed, with its status).
pub async fn page(req: &Request, state: &AppState, viewer: &Viewer, (status, shown): (StatusCode, Shown)) -> Response {
    let Some(organization_id) =
        viewer.principal.organization_id.filter(|org| may_list(&viewer.principal.caller(), *org))
    else {
        return not_found(req, viewer.language);
    };
    match gather(state, viewer, organization_id).await {
        Ok(context) => {
            let title = match viewer.language {
                Language::Ja => "紹介と顔合わせ",
                Language::En => "Referrals and hand-off meetings",
            };
            let shown = context! { problem => shown.problem, posted => shown.posted, notice => shown.notice };
            html(status, "referrals.html", context! { ..viewer_frame(req, viewer, title), ..shown, ..context })
        }
        Err(err) => failed(err),
    }
}

async fn gather(state: &AppState, viewer: &Viewer, organization_id: Uuid) -> Result<Value, Failure> {
    let language = viewer.language;
    let first = PageRequest { after: None, limit: MOST };
    let incoming = workflow::referrals::of_organization(state, organization_id, Direction::Incoming, first).await?;
    let outgoing = workflow::referrals::of_organization(state, organization_id, Direction::Outgoing, first).await?;
    // The receiving side is shown the person only while the referral lets it: its first sight
    // is recorded as a provision.
    let seen: Vec<Uuid> = incoming
        .items
        .iter()
        .filter(|stored| referral::receiving_side_sees(stored.referral.state))
        .map(|stored| stored.referral.id)
        .collect();
    workflow::referrals::seen_by_receiving_side(state, &seen).await?;
    let shown_persons: Vec<Uuid> = incoming
        .items
        .iter()
        .filter(|stored| seen.contains(&stored.referral.id))
        .chain(outgoing.items.iter())
        .map(|stored| stored.referral.person_id)
        .collect();
    let entries = crate::access::list_entries(&viewer.principal, "referral.page", shown_persons.iter().copied());
    state.audit.record(entries, state.clock.now()).await?;
    let names: HashMap<Uuid, String> = store::persons::find_many(&state.reads, &shown_persons)
        .await?
        .into_iter()
        .map(|person| (person.id, person.display_name))
        .collect();
    let organizations = store::organizations::list(&state.reads, first).await?.items;
    let org_names: HashMap<Uuid, String> = organizations.iter().map(|org| (org.id, org.name.clone())).collect();
    let mut views = Vec::new();
    for (side, page) in [(Side::Receiving, &incoming), (Side::Referring, &outgoing)] {
        let mut list = Vec::new();
        for stored in &page.items {
            let shows = side == Side::Referring || seen.contains(&stored.referral.id);
            let person = shows.then(|| names.get(&stored.referral.person_id).cloned()).flatten();
            list.push(view(state, stored, side, person, &org_names, language).await?);
        }
        views.push(list);
    }
    let outgoing_views = views.pop().unwrap_or_default();
    let incoming_views = views.pop().unwrap_or_default();
    let persons = workflow::visible_persons(state, list_visibility(&viewer.principal.caller()), first).await?;
    let person_options: Vec<Value> =
        persons.items.iter().map(|person| words::option(&person.id.to_string(), &person.display_name)).collect();
    let organization_options: Vec<Value> = organizations
        .iter()
        .filter(|org| org.id != organization_id)
        .map(|org| {
            let label = format!("{}（{}）", org.name, words::organization_kind(org.kind, language));
            words::option(&org.id.to_string(), &label)
        })
        .collect();
    let scope_options: Vec<Value> =
        ScopeKind::ALL.iter().map(|kind| words::option(kind.as_str(), words::scope_kind(*kind, language))).collect();
    let today = viewer.party.timezone.date_at(state.clock.now()).to_string();
    Ok(context! {
        incoming => incoming_views,
        outgoing => outgoing_views,
        person_options => person_options,
        organization_options => organization_options,
        scope_options => scope_options,
        today => today,
    })
}

/// One referral as its side sees it, with the steps that side may take now.
async fn view(
    state: &AppState,
    stored: &Stored,
    side: Side,
    person: Option<String>,
    org_names: &HashMap<Uuid, String>,
    language: Language,
) -> Result<Value, Failure> {
    let row = &stored.referral;
    let scope = store::links::parse_scope(row.id, &row.scope)?;
    let scope: Vec<&str> = scope.kinds().map(|kind| words::scope_kind(kind, language)).collect();
    let accepted = referral::accepted(row.state);
    let may =
        |event: referral::ReferralEvent| accepted.contains(&event) && referral::recorded_by(event).contains(&side);
    use referral::ReferralEvent as E;
    // The meeting is the receiving side's, once it has accepted.
    let meeting = if side == Side::Receiving && row.state != ReferralState::Requested {
        store::milestones::handoffs_of_referral(&state.reads, row.id).await?.pop()
    } else {
        None
    };
    let meeting = match meeting {
        Some(handoff) if handoff.kind == MilestoneKind::Handoff => context! {
            state => words::state(handoff.state, language),
            arranged => handoff.state == State::Arranged,
            on => handoff.meeting_on.map(|on| on.to_string()),
            at => handoff.meeting_at,
            place => handoff.place,
            met_by => handoff.met_by,
        },
        _ => Value::from(()),
    };
    let events: Vec<Value> = stored
        .events
        .iter()
        .map(|event| {
            context! { what => words::referral_step(&event.event, language), on => event.on.to_string(), note => event.note }
        })
        .collect();
    let name = |id: &Uuid| org_names.get(id).cloned().unwrap_or_default();
    Ok(context! {
        id => row.id.to_string(),
        person => person,
        from => name(&row.from_organization_id),
        to => name(&row.to_organization_id),
        reason => row.reason,
        scope => scope.join("、"),
        state => words::referral_state(row.state, language),
        state_code => row.state.as_str(),
        events => events,
        answer => may(E::Accept),
        connect => may(E::Connect),
        withdraw => may(E::Withdraw),
        meeting_form => side == Side::Receiving && row.state == ReferralState::Accepted,
        meeting => meeting,
    })
}
