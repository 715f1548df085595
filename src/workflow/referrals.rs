//! Referrals: one organisation hands a person on to another. Each step is asked of the domain
//! and stored whole — the referral, its step, what follows an acceptance, and the referrer's
//! alerts — in one transaction.

use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use super::{Clash, Denied, Staleness, WorkflowError};
use crate::{
    access::PersonAccess,
    auth::Principal,
    domain::{
        access::referrals::sides,
        calendar,
        provision::{Provided, Provision, ProvisionChannel, Recipient},
        referral::{self, Asked, Follow, NewReferral, Referring, Refused},
        risk::{Severity, DELIVERY_TIME},
        ConsentBasis, Refusals, Relationship, Scope, Why,
    },
    entity::{referral as referral_row, referral_event},
    state::AppState,
    store::{
        self,
        alerts::ReferralAlert,
        links::RecordedBy,
        placements::NewPlacement,
        referrals::{Direction, NewStep, StepBy},
        Page, PageRequest,
    },
};

/// A referral and its steps, oldest first.
#[derive(Debug, Clone)]
pub struct Stored {
    pub referral: referral_row::Model,
    pub events: Vec<referral_event::Model>,
}

/// A referral as the caller asked for it (the referring organisation is the caller's own).
#[derive(Debug, Clone)]
pub struct ReferAsked {
    pub to_organization_id: Uuid,
    pub reason: String,
    pub scope: Scope,
    pub basis: Result<ConsentBasis, Refusals>,
}

/// A step as the caller asked for it.
#[derive(Debug, Clone)]
pub struct StepAsked {
    pub event: String,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub follow: Option<Follow>,
}

fn by(principal: &Principal) -> StepBy {
    StepBy { party_id: principal.party_id, role: principal.role }
}

/// 09:00 on `day` in the zone of the party told.
fn due_on(day: NaiveDate, zone: crate::domain::Zone) -> chrono::DateTime<chrono::Utc> {
    zone.start_of(day) + (DELIVERY_TIME - NaiveTime::MIN)
}

/// Refers the person the caller may refer (`access`, decided for `Action::Refer`) to another
/// organisation. The referrer is alerted if it waits unanswered for the policy's days.
pub async fn refer(
    state: &AppState,
    principal: &Principal,
    access: &PersonAccess,
    asked: ReferAsked,
) -> Result<Stored, WorkflowError> {
    let now = state.clock.now();
    let (Some(from_organization_id), Some(from_party_id)) = (principal.organization_id, principal.party_id) else {
        return Err(WorkflowError::Forbidden(Denied::NoOrganizationToReferFrom));
    };
    let today = access.person.timezone.date_at(now);
    let parsed = NewReferral::parse(Referring {
        person_id: access.person.id,
        from_organization_id,
        to_organization_id: asked.to_organization_id,
        reason: asked.reason,
        scope: asked.scope,
        basis: asked.basis,
        referred_on: today,
    });
    let txn = state.db.begin().await?;
    let mut refusals = parsed.as_ref().err().cloned().unwrap_or_default();
    if store::organizations::find(&txn, asked.to_organization_id).await?.is_none() {
        refusals.push("to_organization_id", Why::NoSuch { what: "organisation" }.into());
    }
    refusals.into_result()?;
    let new = parsed?;
    if let Some(open) = store::referrals::open_between(&txn, new.person_id, new.to_organization_id).await? {
        return Err(WorkflowError::Conflict(Clash::ReferralOpen { referral_id: open.id }));
    }
    let (row, first) = store::referrals::insert(&txn, &new, from_party_id, by(principal), now).await?;
    // The referrer now hears of the person's hand-off periods.
    store::planning::request(&txn, row.person_id, now).await?;
    let referrer = store::parties::find(&txn, from_party_id).await?.ok_or(WorkflowError::NotFound)?;
    let waits = state.referrals.answer_within_days;
    // A referral made at the very end of the calendar has no day to wait until: no alert.
    if let Some(day) = calendar::add_days(today, waits.into()) {
        let alert = ReferralAlert {
            rule: referral::WAITING_RULE,
            severity: Severity::High,
            referral_id: row.id,
            person_id: row.person_id,
            recipient_party_id: from_party_id,
            on: day,
            due_at: due_on(day, referrer.timezone),
        };
        store::alerts::insert_referral_alert(&txn, &alert, now).await?;
    }
    txn.commit().await?;
    Ok(Stored { referral: row, events: vec![first] })
}

/// Records a step of a referral the caller stands on a side of (decided by the access layer).
pub async fn record(
    state: &AppState,
    principal: &Principal,
    referral_id: Uuid,
    asked: StepAsked,
) -> Result<Stored, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let existing = store::referrals::find(&txn, referral_id).await?.ok_or(WorkflowError::NotFound)?;
    let person = store::persons::find(&txn, existing.person_id).await?.ok_or(WorkflowError::NotFound)?;
    let today = person.timezone.date_at(now);
    let standing = sides(&principal.caller(), &existing.parties());
    let named: Option<referral::ReferralEvent> = asked.event.parse().ok();
    let event_sides = named.map(referral::recorded_by).unwrap_or(&[]);
    // The side that records this event, if the caller stands on it; else any side of theirs
    // (the domain then says it is the other side's step).
    let side = standing.iter().copied().find(|side| event_sides.contains(side)).or(standing.first().copied());
    let Some(side) = side else { return Err(WorkflowError::NotFound) };
    let mut refusals = Refusals::default();
    refusals.check("on", calendar::happened(asked.on, today));
    let note = match asked.note.as_deref().map(crate::domain::Note::parse).transpose() {
        Ok(note) => note.flatten(),
        Err(why) => {
            refusals.push("note", why);
            None
        }
    };
    let domain_asked = Asked { event: &asked.event, side, on: asked.on, note: note.as_ref().map(|n| n.as_str()) };
    let to = match referral::step(existing.state, existing.state_since, &domain_asked) {
        Ok(to) => to,
        Err(Refused::NotAccepted { state, event, accepted }) => {
            return Err(WorkflowError::ReferralNotAccepted { state, event, accepted })
        }
        Err(Refused::NotYourSide) => return Err(WorkflowError::Forbidden(Denied::OtherSidesStep)),
        Err(Refused::Invalid(invalid)) => {
            refusals.0.extend(invalid.0);
            existing.state
        }
    };
    if asked.follow.is_some() && named != Some(referral::ReferralEvent::Accept) {
        refusals.push("follow", Why::OnlyWith { event: "accept" }.into());
    }
    refusals.into_result()?;
    let step = NewStep {
        event: &asked.event,
        from: existing.state,
        to,
        on: asked.on,
        note: note.map(|n| n.as_str().to_owned()),
        by: by(principal),
    };
    let Some((row, _)) = store::referrals::step(&txn, &existing, step, now).await? else {
        return Err(WorkflowError::Stale(Staleness::ChangedMeanwhile));
    };
    match asked.follow {
        Some(Follow::Placement) => {
            let placement = NewPlacement {
                person_id: row.person_id,
                organization_id: row.to_organization_id,
                start_on: asked.on,
                end_on: None,
                external_id: None,
            };
            store::placements::insert(&txn, placement, person.timezone, now).await?;
            store::planning::request(&txn, row.person_id, now).await?;
        }
        Some(Follow::Link) => {
            let party_id = principal.party_id.ok_or(WorkflowError::NotFound)?;
            // The accepting staff member sees the hand-off meetings too: they are theirs.
            let scope = store::links::parse_scope(row.id, &row.scope)?.with(crate::domain::ScopeKind::Handoff);
            let link = super::NewLink {
                party_id,
                relationship: Relationship::FacilityStaff,
                scope: Some(scope),
                expires_on: None,
            };
            let basis =
                ConsentBasis { kind: row.consent_basis, reference: row.consent_reference.clone(), on: row.consent_on };
            let recorded = RecordedBy {
                subject: principal.actor_id(),
                role: principal.role,
                basis: Some(basis),
                via: Some("referral"),
            };
            super::links::insert_link(&txn, now, row.person_id, person.timezone, link, &recorded).await?;
        }
        None => {}
    }
    store::planning::request(&txn, row.person_id, now).await?;
    if named.is_some_and(referral::answers) {
        store::alerts::cancel_referral_alerts(&txn, row.id, referral::WAITING_RULE, "answered", now).await?;
    }
    if referral::is_final(to) {
        tell_referrer_it_ended(&txn, &row, principal.party_id, now).await?;
    }
    let events = store::referrals::events_of(&txn, row.id).await?;
    txn.commit().await?;
    Ok(Stored { referral: row, events })
}

/// The referrer hears that a referral ended, unless they ended it themself.
async fn tell_referrer_it_ended(
    txn: &impl store::Write,
    row: &referral_row::Model,
    ended_by: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), WorkflowError> {
    if ended_by == Some(row.from_party_id) {
        return Ok(());
    }
    let Some(referrer) = store::parties::find(txn, row.from_party_id).await? else { return Ok(()) };
    let alert = ReferralAlert {
        rule: referral::ENDED_RULE,
        severity: Severity::Notice,
        referral_id: row.id,
        person_id: row.person_id,
        recipient_party_id: referrer.id,
        on: referrer.timezone.date_at(now),
        due_at: now,
    };
    Ok(store::alerts::insert_referral_alert(txn, &alert, now).await?)
}

/// A hand-off meeting of the referral was held: the person is connected, if the referral was
/// accepted (in the caller's transaction). A referral in any other state is left as it is.
pub(super) async fn meeting_held(
    txn: &impl store::Write,
    referral_id: Uuid,
    on: NaiveDate,
    by: StepBy,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), WorkflowError> {
    let Some(existing) = store::referrals::find(txn, referral_id).await? else { return Ok(()) };
    let connect = referral::ReferralEvent::Connect.as_str();
    let asked = Asked { event: connect, side: referral::Side::Receiving, on, note: None };
    // Not accepted (yet), or held before it was accepted: the referral is left for its side to step.
    let Ok(to) = referral::step(existing.state, existing.state_since, &asked) else { return Ok(()) };
    let step = NewStep { event: connect, from: existing.state, to, on, note: None, by };
    let Some((row, _)) = store::referrals::step(txn, &existing, step, now).await? else {
        return Err(WorkflowError::Stale(Staleness::ChangedMeanwhile));
    };
    tell_referrer_it_ended(txn, &row, by.party_id, now).await
}

/// Records, once per referral, that its receiving side first saw the person (the display name
/// and what the scope allows): a provision on the person's consent to the referral.
pub async fn seen_by_receiving_side(state: &AppState, referral_ids: &[Uuid]) -> Result<(), sea_orm::DbErr> {
    // Every read by the receiving side passes here: only a first sight opens a write.
    let unseen = store::referrals::not_yet_seen(&state.reads, referral_ids).await?;
    if unseen.is_empty() {
        return Ok(());
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let marked = store::referrals::mark_first_seen(&txn, &unseen, now).await?;
    let mut provisions = Vec::with_capacity(marked.len());
    for id in marked {
        let Some(row) = store::referrals::find(&txn, id).await? else { continue };
        let provision = Provision {
            person_id: row.person_id,
            channel: ProvisionChannel::Referral,
            recipient: Recipient::Team { organization_id: row.to_organization_id },
            provided: Provided::Referral { scope: row.scope.replace(',', ", ") },
            link_id: None,
            source_id: Some(row.id),
        };
        provisions.push((provision, None));
    }
    store::provisions::record_many(&txn, provisions, now).await?;
    txn.commit().await
}

/// A referral and its steps.
pub async fn stored(state: &AppState, row: referral_row::Model) -> Result<Stored, WorkflowError> {
    let events = store::referrals::events_of(&state.reads, row.id).await?;
    Ok(Stored { referral: row, events })
}

/// A referral by id, as stored, for the access layer to decide on.
pub async fn find(state: &AppState, id: Uuid) -> Result<Option<referral_row::Model>, WorkflowError> {
    Ok(store::referrals::find(&state.reads, id).await?)
}

/// A page of an organisation's referrals, each with its steps.
pub async fn of_organization(
    state: &AppState,
    organization_id: Uuid,
    direction: Direction,
    request: PageRequest,
) -> Result<Page<Stored>, WorkflowError> {
    let page = store::referrals::of_organization(&state.reads, organization_id, direction, request).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let mut events: std::collections::HashMap<Uuid, Vec<referral_event::Model>> = std::collections::HashMap::new();
    for event in store::referrals::events_of_many(&state.reads, &ids).await? {
        events.entry(event.referral_id).or_default().push(event);
    }
    let items = page
        .items
        .into_iter()
        .map(|referral| Stored { events: events.remove(&referral.id).unwrap_or_default(), referral })
        .collect();
    Ok(Page { items, next_cursor: page.next_cursor })
}

/// Whether the receiving side may see the person of this referral now.
pub fn receiving_side_sees(row: &referral_row::Model) -> bool {
    referral::receiving_side_sees(row.state)
}

/// A step of a referral's hand-off meeting as the receiving side's page asks for it.
#[derive(Debug, Clone)]
pub struct MeetingAsked {
    pub event: crate::domain::milestones::Event,
    pub on: NaiveDate,
    pub meeting: Option<crate::domain::milestones::Meeting>,
}

/// The receiving side arranges, holds or misses the referral's hand-off meeting: the first
/// arrangement proposes it too. Checked against the domain before anything is stored; a held
/// meeting connects the accepted referral.
pub async fn meeting(
    state: &AppState,
    principal: &Principal,
    referral_id: Uuid,
    asked: MeetingAsked,
) -> Result<(), WorkflowError> {
    use crate::domain::milestones::{EventInput, HandoffOf, Milestone, NewMilestone};
    let row = store::referrals::find(&state.reads, referral_id).await?.ok_or(WorkflowError::NotFound)?;
    if !sides(&principal.caller(), &row.parties()).contains(&referral::Side::Receiving) {
        return Err(WorkflowError::NotFound);
    }
    let person = store::persons::find(&state.reads, row.person_id).await?.ok_or(WorkflowError::NotFound)?;
    let zone = person.timezone;
    let actor = super::actor(principal);
    let request = super::EventRequest {
        event: asked.event.as_str().to_owned(),
        on: asked.on,
        note: None,
        release_type: None,
        supervision_ends_on: None,
        meeting: asked.meeting.clone(),
    };
    let precondition = super::Precondition { if_match: None, version: None };
    let handoff = store::milestones::handoffs_of_referral(&state.reads, referral_id).await?.pop();
    let handoff_id = match handoff {
        Some(handoff) => handoff.id,
        None => {
            let of = HandoffOf { referral_id: Some(referral_id), before_milestone_id: None };
            // Checked whole first, so a refused arrangement stores no proposal either.
            let today = zone.date_at(state.clock.now());
            let input = EventInput { meeting: asked.meeting, ..EventInput::new(asked.event, asked.on) };
            Milestone::handoff(asked.on, of).apply(&input, today, &state.policy)?;
            let new = NewMilestone::Handoff { proposed_on: asked.on, of };
            super::create_milestone(state, person.id, zone, &new, &actor).await?.id
        }
    };
    super::record_event(state, handoff_id, zone, request, &precondition, &actor).await?;
    Ok(())
}
