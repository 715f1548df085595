//! Planning alerts for the periods ahead, and delivering them when they fall due.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    panic::AssertUnwindSafe,
};

use futures::FutureExt;

use crate::entity::{alert, party};
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, DbErr};
use uuid::Uuid;

use crate::domain::provision::{Provided, Provision, ProvisionChannel, Recipient as ProvisionRecipient};
use crate::{
    domain::{
        risk::{self, Delivery, Recipient},
        Relationship, Scope, Zone,
    },
    state::AppState,
    store::Begin,
    store::{
        self,
        alerts::{series_key, SeriesKey},
        links::scope_of,
        Corrupt,
    },
    workflow::{self, WorkflowError},
};

const BATCH: u64 = 500;

fn zone_of(party: &party::Model) -> Result<Zone, Corrupt> {
    Ok(party.timezone)
}

/// Plans a person's alerts again: adds those that should exist, cancels pending ones that no
/// longer hold (a revoked link, a narrowed consent, a moved date). Returns (kept, cancelled).
pub async fn replan(state: &AppState, person_id: Uuid) -> Result<(usize, u64), WorkflowError> {
    let now = state.clock.now();
    let Some(person) = store::persons::find(&state.db, person_id).await? else { return Ok((0, 0)) };
    let zone = person.timezone;
    let mut periods = workflow::current_schedule(state, person_id, zone, &Scope::everything()).await?.periods;
    // A projected window is shown, not alerted: its dates are known once the release happens.
    periods.retain(|period| !period.projected);
    let mut recipients = Vec::new();
    for link in store::links::list_for_person(&state.db, person_id).await? {
        if !crate::domain::link_in_force(link.revoked_at, link.expires_at, now) {
            continue;
        }
        // A disabled party hears nothing until enabled again.
        let Some(party) = store::parties::find(&state.db, link.party_id).await?.filter(|p| p.disabled_at.is_none())
        else {
            continue;
        };
        // A link or party whose stored values are corrupt (logged where found) is planned
        // for no one rather than with a guess.
        let relationship = link.relationship;
        let (Ok(scope), Ok(zone)) = (scope_of(&link), zone_of(&party)) else {
            continue;
        };
        recipients.push(Recipient {
            party_id: party.id,
            link_id: Some(link.id),
            team: false,
            relationship,
            scope,
            zone,
        });
    }
    // The team of each organisation where the person is placed hears as one recipient, with
    // everything facility staff are told; custody does not end a placement, so it keeps hearing.
    for organization_id in store::placements::current_organizations(&state.db, person_id, now).await? {
        let Some(organization) = store::organizations::find(&state.db, organization_id).await? else { continue };
        let zone = organization.timezone;
        recipients.push(Recipient {
            party_id: organization.id,
            link_id: None,
            team: true,
            relationship: Relationship::FacilityStaff,
            scope: Scope::everything(),
            zone,
        });
    }
    recipients.extend(referral_recipients(state, person_id).await?);
    let planned = risk::plan(&state.rules, &periods, &recipients, now);
    let keys: Vec<String> = planned.iter().map(|plan| plan.key.clone()).collect();
    let txn = state.db.begin().await?;
    let existing = store::alerts::of_person(&txn, person_id).await?;
    store::alerts::insert_planned(&txn, person_id, &planned, &existing, now).await?;
    store::alerts::revive_planned(&txn, &planned, &existing, now).await?;
    let notices = change_notices(&existing, &planned, &recipients, zone.date_at(now));
    store::alerts::insert_notices(&txn, &notices, now).await?;
    let cancelled = store::alerts::cancel_pending_except(&txn, person_id, &keys, now).await?;
    txn.commit().await?;
    // The follow-up plan's check-in tasks follow custody, links and consent too.
    workflow::follow_up::sync_tasks(state, person_id).await?;
    Ok((planned.len(), cancelled))
}

/// Who hears of a person's hand-off periods (no meeting arranged before a release, a meeting
/// missed) because of a referral: whoever made one still open, and the staff member who
/// accepted one not yet connected. Each hears only of hand-offs, as their part in it.
async fn referral_recipients(state: &AppState, person_id: Uuid) -> Result<Vec<Recipient>, WorkflowError> {
    use crate::domain::referral::{self, ReferralEvent, ReferralState};
    let referrals = store::referrals::of_person(&state.db, person_id).await?;
    let accepted: Vec<Uuid> = referrals.iter().filter(|r| r.state == ReferralState::Accepted).map(|r| r.id).collect();
    let accepters = store::referrals::events_of_many(&state.db, &accepted)
        .await?
        .into_iter()
        .filter(|event| event.machine_event() == Some(ReferralEvent::Accept))
        .filter_map(|event| event.actor_party_id);
    let referrers = referrals.iter().filter(|r| !referral::is_final(r.state)).map(|r| r.from_party_id);
    let mut parties: Vec<Uuid> = referrers.chain(accepters).collect();
    parties.sort_unstable();
    parties.dedup();
    let mut recipients = Vec::new();
    for party in store::parties::find_many(&state.db, &parties).await? {
        if party.disabled_at.is_some() {
            continue;
        }
        recipients.push(Recipient {
            party_id: party.id,
            link_id: None,
            team: false,
            relationship: Relationship::FacilityStaff,
            scope: Scope::new([crate::domain::ScopeKind::Handoff]),
            zone: party.timezone,
        });
    }
    Ok(recipients)
}

/// Those told of a period whose date has since moved later, or that is no longer coming, hear
/// of it once: one notice per recipient and period, naming the date they were told. A recipient
/// whose consent no longer covers the period is told nothing; a date moved earlier is already
/// flagged on the alerts planned for it.
fn change_notices<'a>(
    existing: &'a [alert::Model],
    planned: &[risk::PlannedAlert],
    recipients: &[Recipient],
    today: chrono::NaiveDate,
) -> Vec<store::alerts::Notice<'a>> {
    let planned_keys: HashSet<&str> = planned.iter().map(|plan| plan.key.as_str()).collect();
    let mut told_of = HashSet::new();
    let mut notices = Vec::new();
    for told in existing.iter().rev() {
        let is_plain_alert = told.notice.is_none() && told.escalation_of.is_none();
        // Only a period still to come when it vanished or moved: one under way ends as it ends.
        if told.status != store::alerts::DELIVERED || !is_plain_alert || told.starts_on <= today {
            continue;
        }
        if planned_keys.contains(told.dedupe_key.as_str()) {
            continue;
        }
        let team = told.team_organization_id.is_some();
        let Some(recipient) = recipients.iter().find(|r| r.party_id == told.recipient_party_id && r.team == team)
        else {
            continue;
        };
        if !recipient.scope.contains(told.scope_kind) {
            continue;
        }
        let moved_to = planned.iter().find(|plan| plan.series == told.series).map(|plan| plan.period.starts_on);
        let new_starts_on = match moved_to {
            Some(new) if new > told.starts_on => Some(new),
            Some(_) => continue,
            None => None,
        };
        // Several lead times told of the same period: one notice.
        if told_of.insert((told.recipient_party_id, told.rule.clone(), told.source_id, told.starts_on)) {
            notices.push(store::alerts::Notice { told, new_starts_on });
        }
    }
    notices
}

/// Plans again for every person whose milestones, lapses or links changed since.
///
/// One person's planning that fails or panics sets that person's request aside with its
/// error (`GET /planning/failures`, admins) and the tick goes on for everyone else; only a
/// database that cannot be reached stops it.
pub async fn replan_requested(state: &AppState) -> Result<usize, WorkflowError> {
    let requests = store::planning::pending(&state.db, BATCH).await?;
    for request in &requests {
        let failure = match AssertUnwindSafe(replan(state, request.person_id)).catch_unwind().await {
            Ok(Ok(_)) => None,
            // A row of this person's that cannot be read is theirs to set aside, not everyone's.
            Ok(Err(WorkflowError::Database(err))) if !store::unreadable_row(&err) => {
                return Err(WorkflowError::Database(err))
            }
            Ok(Err(err)) => Some(err.to_string()),
            Err(panic) => Some(format!("panicked: {}", crate::telemetry::panic_message(&panic))),
        };
        match failure {
            None => store::planning::done(&state.db, request).await?,
            Some(failure) => {
                tracing::error!(person = %request.person_id, %failure, "planning set aside");
                store::planning::set_aside(&state.db, request, &failure, state.clock.now()).await?;
            }
        }
    }
    Ok(requests.len())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub held: usize,
    pub cancelled: usize,
}

/// Whether the link an alert relies on still holds and still covers its kind: what decides
/// delivery, and whether the recipient may still see the alert in their inbox.
pub fn still_consented(
    links: &HashMap<Uuid, crate::entity::link::Model>,
    alert: &alert::Model,
    now: DateTime<Utc>,
) -> bool {
    crate::domain::access::alerts::still_consented(&store::alerts::reliance(links, alert, now))
}

/// What a batch of due alerts needs to know, read in a few queries rather than per alert.
struct BatchFacts {
    links: HashMap<Uuid, crate::entity::link::Model>,
    /// For each period and recipient, the closest lead time already due (and not cancelled).
    closest_due_lead: HashMap<SeriesKey, i32>,
    consents: HashMap<Uuid, Uuid>,
    recipients: HashMap<Uuid, party::Model>,
    /// Teams addressed in the batch, and which of the batch's persons are placed where now.
    teams: HashMap<Uuid, crate::entity::organization::Model>,
    placed: HashSet<(Uuid, Uuid)>,
}

async fn batch_facts(
    db: &impl crate::store::Write,
    due: &[alert::Model],
    now: DateTime<Utc>,
) -> Result<BatchFacts, DbErr> {
    let link_ids: Vec<Uuid> = due.iter().filter_map(|alert| alert.link_id).collect();
    let links = store::links::find_many(db, &link_ids).await?.into_iter().map(|link| (link.id, link)).collect();
    let closest_due_lead = store::alerts::closest_due_leads(db, due, now).await?;
    let consents = store::provisions::latest_consents(db, &link_ids).await?;
    let party_ids: Vec<Uuid> = due.iter().map(|alert| alert.recipient_party_id).collect();
    let recipients = store::parties::find_many(db, &party_ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let team_ids: Vec<Uuid> =
        due.iter().filter_map(|alert| alert.team_organization_id).collect::<HashSet<_>>().into_iter().collect();
    let teams = store::organizations::find_many(db, &team_ids).await?.into_iter().map(|o| (o.id, o)).collect();
    let persons: Vec<Uuid> = due.iter().filter(|a| a.team_organization_id.is_some()).map(|a| a.person_id).collect();
    let placed = store::placements::current_of_persons(db, &persons, now).await?.into_iter().collect();
    Ok(BatchFacts { links, closest_due_lead, consents, recipients, teams, placed })
}

/// Delivers what is due: each alert exactly once, even with several instances delivering.
///
/// On PostgreSQL a batch is claimed with `FOR UPDATE SKIP LOCKED` inside a transaction, so
/// instances share the work without waiting on each other. On SQLite, which has one writer,
/// the batch is read and then settled by compare-and-set (`… WHERE status = 'pending'
/// RETURNING id`), so only what this instance won is delivered.
pub async fn deliver_due(state: &AppState) -> Result<DeliveryReport, DbErr> {
    let now = state.clock.now();
    let mut report = DeliveryReport::default();
    loop {
        let (claimed, progressed) = if state.db.backend() == DatabaseBackend::Postgres {
            let txn = state.db.begin().await?;
            let outcome = deliver_batch(state, &txn, now, &mut report).await?;
            txn.commit().await?;
            outcome
        } else {
            deliver_batch(state, &state.db, now, &mut report).await?
        };
        if !progressed || (claimed as u64) < BATCH {
            break;
        }
    }
    Ok(report)
}

/// Settles one batch of due alerts in a handful of statements, whatever its size; returns how
/// many were claimed and whether any moved on.
async fn deliver_batch(
    state: &AppState,
    db: &impl Begin,
    now: DateTime<Utc>,
    report: &mut DeliveryReport,
) -> Result<(usize, bool), DbErr> {
    let due = store::alerts::claim_due(db, now, BATCH).await?;
    if due.is_empty() {
        return Ok((0, false));
    }
    let facts = batch_facts(db, &due, now).await?;
    let mut deliver = Vec::new();
    let mut holds: BTreeMap<DateTime<Utc>, Vec<Uuid>> = BTreeMap::new();
    let mut cancels: BTreeMap<&'static str, Vec<Uuid>> = BTreeMap::new();
    for alert in &due {
        let party = facts.recipients.get(&alert.recipient_party_id);
        // A team hears while the person is placed with it; a party while enabled and consented.
        let consented = match alert.team_organization_id {
            Some(team) => facts.placed.contains(&(alert.person_id, team)),
            None => party.is_some_and(|party| party.disabled_at.is_none()) && still_consented(&facts.links, alert, now),
        };
        let superseded = facts.closest_due_lead.get(&series_key(alert)).is_some_and(|lead| *lead < alert.lead_days);
        let severity = alert.severity;
        // A recipient who is gone hears nothing (`consented` is false), so their zone is moot.
        let settings = match alert.team_organization_id.and_then(|team| facts.teams.get(&team)) {
            // A team keeps no quiet hours: someone is on shift.
            Some(team) => Ok(Some((team.timezone, None))),
            None => party
                .map(|party| Ok::<_, Corrupt>((zone_of(party)?, store::parties::quiet_hours_of(party)?)))
                .transpose(),
        };
        let Ok(settings) = settings else {
            // Corrupt (and logged where found): delivered to no one at a guessed hour.
            cancels.entry("corrupt_record").or_default().push(alert.id);
            continue;
        };
        let (zone, quiet) = settings.unwrap_or_default();
        match risk::delivery(severity, alert.ends_on, zone, quiet, now, consented, superseded) {
            Delivery::Now => deliver.push(alert.id),
            Delivery::HoldUntil(until) => holds.entry(until).or_default().push(alert.id),
            Delivery::Cancel(reason) => cancels.entry(reason.as_str()).or_default().push(alert.id),
        }
    }
    // The deliveries, their provision records and their outbox (webhooks, e-mail, SMS) commit
    // together.
    let txn = db.begin_write().await?;
    let delivered = store::alerts::settle_many(&txn, &deliver, store::alerts::DELIVERED, None, None, now).await?;
    let delivered: HashSet<Uuid> = delivered.into_iter().collect();
    let delivered: Vec<&alert::Model> = due.iter().filter(|alert| delivered.contains(&alert.id)).collect();
    let provisions = delivered
        .iter()
        .map(|alert| (provision_of(alert), alert.link_id.and_then(|link| facts.consents.get(&link).copied())))
        .collect();
    store::provisions::record_many(&txn, provisions, now).await?;
    crate::outbox::webhook::enqueue_for(&txn, &delivered, now).await?;
    crate::outbox::enqueue_for_parties(&txn, &state.outbox.reach, &state.rules, &delivered, &facts.recipients, now)
        .await?;
    workflow::on_duty::reach_on_duty(&txn, &state.outbox.reach, &delivered, now).await?;
    let mut held = 0;
    for (until, ids) in &holds {
        held += store::alerts::settle_many(&txn, ids, store::alerts::PENDING, None, Some(*until), now).await?.len();
    }
    let mut cancelled = 0;
    for (reason, ids) in &cancels {
        cancelled +=
            store::alerts::settle_many(&txn, ids, store::alerts::CANCELLED, Some(reason), None, now).await?.len();
    }
    txn.commit().await?;
    report.delivered += delivered.len();
    report.held += held;
    report.cancelled += cancelled;
    Ok((due.len(), !delivered.is_empty() || held > 0 || cancelled > 0))
}

/// What an alert in the inbox provides about the person, for the provision record.
fn provision_of(alert: &alert::Model) -> Provision {
    let recipient = match alert.team_organization_id {
        Some(organization_id) => ProvisionRecipient::Team { organization_id },
        None => ProvisionRecipient::Party(alert.recipient_party_id),
    };
    Provision {
        person_id: alert.person_id,
        channel: ProvisionChannel::Inbox,
        recipient,
        provided: Provided::Alert(store::alerts::period_named(alert)),
        link_id: alert.link_id,
        source_id: Some(alert.id),
    }
}

/// Critical alerts nobody acknowledged in time go to the team of the person's facility (and so
/// to its webhooks and whoever is on duty), a snoozed one included. A team alert of an
/// organisation that keeps a rota climbs its ladder instead ([`workflow::on_duty::climb`]).
pub async fn escalate(state: &AppState) -> Result<usize, DbErr> {
    let now = state.clock.now();
    let mut escalated = 0;
    for alert in store::alerts::unacknowledged_critical(&state.db, now - state.escalate_after, BATCH).await? {
        let Some(delivered_at) = alert.delivered_at else { continue };
        // Corrupt (logged where found): not escalated on a guessed severity.
        let severity = alert.severity;
        if !risk::escalation_due(severity, delivered_at, alert.acknowledged_at.is_some(), now, state.escalate_after) {
            continue;
        }
        if let Some(organization_id) = alert.team_organization_id {
            if store::rota::kept_by(&state.db, organization_id).await? {
                continue;
            }
        }
        let teams = store::placements::current_organizations(&state.db, alert.person_id, now).await?;
        let txn = state.db.begin().await?;
        if store::alerts::escalate(&txn, &alert, &teams, now).await? {
            escalated += 1;
        }
        txn.commit().await?;
    }
    Ok(escalated)
}
