//! Follow-up plans: setting one, recording its check-ins, the day's check-in tasks, the alert
//! when a person goes quiet, and the person's own "I want to talk". Each change is asked of the
//! domain and stored whole, with the alerts it raises, in one transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use uuid::Uuid;

mod talk;

use super::{Clash, WorkflowError};

use crate::{
    access::PersonAccess,
    auth::Principal,
    domain::{
        calendar,
        follow_up::{self, Cadence, Custody, Due, Ended, NewCheckIn, PhaseAsked, PlanFacts, PlanState, Record},
        link_in_force,
        risk::{Severity, DELIVERY_TIME},
        PartyRole, Refusals, Relationship, ScopeKind, Why, Zone,
    },
    entity::{follow_up_check_in as check_in, follow_up_plan as plan, link, party},
    state::AppState,
    store::{
        self,
        follow_up::{PlanAlert, PlanSet},
        Read, Write,
    },
};
pub(in crate::workflow) use talk::talk_in;
pub use talk::{talk, Talked, WhoCalls};

/// A plan as the caller asked for it.
#[derive(Debug, Clone)]
pub struct PlanAsked {
    pub coordinator_party_id: Uuid,
    pub starts_on: NaiveDate,
    /// None: the default cadence (every two weeks for three months, then monthly to twelve).
    pub cadence: Option<Vec<PhaseAsked>>,
}

/// A check-in as the caller recorded it.
#[derive(Debug, Clone, Default)]
pub struct CheckInAsked {
    pub on: Option<NaiveDate>,
    pub outcome: String,
    pub channel: Option<String>,
    pub note: Option<String>,
}

/// A plan as it stands today: its check-ins owed and recorded, and its state.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub plan: plan::Model,
    pub check_ins: Vec<check_in::Model>,
    pub dues: Vec<Due>,
    pub state: PlanState,
    pub ended: Option<Ended>,
    /// Today in the person's zone.
    pub today: NaiveDate,
}

impl PlanView {
    /// Check-ins whose day has come and that nobody has recorded.
    pub fn overdue(&self) -> impl Iterator<Item = &Due> {
        let today = self.today;
        self.dues.iter().filter(move |due| due.on < today && due.answered_by.is_none())
    }

    pub fn due_today(&self) -> Option<&Due> {
        self.dues.iter().find(|due| due.on == self.today)
    }

    pub fn next_due(&self) -> Option<&Due> {
        self.dues.iter().find(|due| due.on >= self.today && due.answered_by.is_none())
    }
}

/// 09:00 on `day` in `zone`.
fn nine_on(day: NaiveDate, zone: Zone) -> DateTime<Utc> {
    zone.start_of(day) + (DELIVERY_TIME - NaiveTime::MIN)
}

/// The coordinator's link to the person through which they may contact them: in force, of the
/// coordinator relationship, covering follow-up. None means the person's consent is not there.
async fn consent_to_contact(
    db: &impl Read,
    person_id: Uuid,
    coordinator_party_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<link::Model>, WorkflowError> {
    let links = store::links::between(db, person_id, coordinator_party_id).await?;
    Ok(links.into_iter().find(|link| {
        link.relationship == Relationship::Coordinator
            && link_in_force(link.revoked_at, link.expires_at, now)
            && store::links::scope_of(link).is_ok_and(|scope| scope.contains(ScopeKind::FollowUp))
    }))
}

async fn facts_of(
    db: &impl Read,
    plan: &plan::Model,
    check_ins: &[check_in::Model],
) -> Result<PlanFacts, WorkflowError> {
    let custody = store::custody::list_for_person(db, plan.person_id)
        .await?
        .into_iter()
        .map(|row| Custody { started_on: row.started_on, ended_on: row.ended_on })
        .collect();
    Ok(PlanFacts {
        starts_on: plan.starts_on,
        owed_from: plan.owed_from,
        cadence: plan.cadence.clone(),
        custody,
        records: check_ins.iter().map(|row| Record { on: row.on, outcome: row.outcome }).collect(),
        restarted_after: usize::try_from(plan.restarted_after).unwrap_or_default(),
    })
}

async fn view_of(db: &impl Read, plan: plan::Model, zone: Zone, now: DateTime<Utc>) -> Result<PlanView, WorkflowError> {
    let check_ins = store::follow_up::check_ins_of(db, plan.id).await?;
    let facts = facts_of(db, &plan, &check_ins).await?;
    let today = zone.date_at(now);
    let consented = consent_to_contact(db, plan.person_id, plan.coordinator_party_id, now).await?.is_some();
    let (state, ended) = facts.state(today, consented);
    Ok(PlanView { dues: facts.dues(), plan, check_ins, state, ended, today })
}

/// The person's plan, if they have one.
pub async fn plan_of(state: &AppState, access: &PersonAccess) -> Result<Option<PlanView>, WorkflowError> {
    let now = state.clock.now();
    match store::follow_up::plan_of(&state.db, access.person.id).await? {
        Some(plan) => Ok(Some(view_of(&state.db, plan, access.person.timezone, now).await?)),
        None => Ok(None),
    }
}

/// Sets the person's plan (new, or changed): the coordinator must hold a coordinator link the
/// person agreed to, as staff of an organisation that coordinates. Every refusal at once.
pub async fn set_plan(
    state: &AppState,
    principal: &Principal,
    access: &PersonAccess,
    asked: PlanAsked,
) -> Result<PlanView, WorkflowError> {
    let now = state.clock.now();
    let zone = access.person.timezone;
    let today = zone.date_at(now);
    let mut refusals = Refusals::default();
    let cadence = match &asked.cadence {
        None => Some(Cadence::default()),
        Some(phases) => refusals.check_all(Cadence::parse(phases)),
    };
    refusals.check("starts_on", calendar::in_range(asked.starts_on));
    let txn = state.db.begin().await?;
    let coordinator = store::parties::find(&txn, asked.coordinator_party_id).await?;
    let organization = match coordinator.as_ref().and_then(|party| party.organization_id) {
        Some(id) => store::organizations::find(&txn, id).await?,
        None => None,
    };
    let fits = coordinator.as_ref().is_some_and(|party| party.role == PartyRole::Staff && party.disabled_at.is_none())
        && organization.is_some_and(|organization| organization.kind.coordinates());
    if !fits {
        refusals.push("coordinator_party_id", Why::NoSuch { what: "coordinator" }.into());
    } else if consent_to_contact(&txn, access.person.id, asked.coordinator_party_id, now).await?.is_none() {
        refusals.push("coordinator_party_id", Why::NoSuch { what: "coordinator link covering follow-up" }.into());
    }
    refusals.into_result()?;
    let cadence = cadence.ok_or(WorkflowError::NotFound)?;
    let existing = store::follow_up::plan_of(&txn, access.person.id).await?;
    // Set again after the person withdrew: they agreed again, and it starts afresh from today.
    let restart_after = match &existing {
        Some(plan) => {
            let view = view_of(&txn, plan.clone(), zone, now).await?;
            (view.ended == Some(Ended::Withdrew)).then_some(view.check_ins.len())
        }
        None => None,
    };
    let set = PlanSet {
        restart_after,
        person_id: access.person.id,
        coordinator_party_id: asked.coordinator_party_id,
        starts_on: asked.starts_on,
        cadence,
        set_by: principal.party_id,
        today,
    };
    let plan = store::follow_up::set_plan(&txn, existing, set, now).await?;
    sync_tasks_of(&txn, &plan, now).await?;
    let view = view_of(&txn, plan, zone, now).await?;
    txn.commit().await?;
    Ok(view)
}

/// Records a check-in of the person's plan. The task of the day it answers is done; the run of
/// unanswered calls reaching the policy's count alerts the coordinator and the facility team.
pub async fn record_check_in(
    state: &AppState,
    principal: &Principal,
    access: &PersonAccess,
    asked: CheckInAsked,
) -> Result<PlanView, WorkflowError> {
    let now = state.clock.now();
    let zone = access.person.timezone;
    let txn = state.db.begin().await?;
    let plan = store::follow_up::plan_of(&txn, access.person.id).await?.ok_or(WorkflowError::NotFound)?;
    let before = view_of(&txn, plan.clone(), zone, now).await?;
    let Some(on) = asked.on else {
        return Err(Refusals::one("on", Why::Required.into()).into());
    };
    let new = NewCheckIn::parse(
        on,
        &asked.outcome,
        asked.channel.as_deref(),
        asked.note.as_deref(),
        plan.starts_on,
        before.today,
    )?;
    // A plan past its last day still takes the calls made for it.
    if let Some(ended) = before.ended.filter(|ended| *ended != Ended::Completed) {
        return Err(WorkflowError::Conflict(Clash::PlanEnded { why: ended.as_str() }));
    }
    let records: Vec<Record> = before.check_ins.iter().map(|row| Record { on: row.on, outcome: row.outcome }).collect();
    let quiet = follow_up::goes_quiet(&records, new.outcome, &state.follow_up);
    let row = store::follow_up::insert_check_in(&txn, &plan, new, principal.party_id, now).await?;
    if let Some(due_on) = follow_up::answered_on(&before.dues, row.on) {
        store::follow_up::tasks_done(&txn, plan.id, due_on, principal.party_id, now).await?;
    }
    if quiet {
        let key = format!("{}|{}", follow_up::GONE_QUIET_RULE, row.id);
        let alerts = to_coordinator_and_team(&txn, &plan, follow_up::GONE_QUIET_RULE, &key, now).await?;
        store::follow_up::insert_alerts(&txn, &alerts, now).await?;
    }
    sync_tasks_of(&txn, &plan, now).await?;
    let view = view_of(&txn, plan, zone, now).await?;
    txn.commit().await?;
    Ok(view)
}

/// One high alert, due now, to the plan's coordinator (while their link lets them hear) and
/// to the team of each facility where the person is placed. `key` names what it is about.
async fn to_coordinator_and_team(
    db: &impl Read,
    plan: &plan::Model,
    rule: &'static str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<PlanAlert>, WorkflowError> {
    let mut alerts = Vec::new();
    let person = store::persons::find(db, plan.person_id).await?.ok_or(WorkflowError::NotFound)?;
    let today = person.timezone.date_at(now);
    let alert = |recipient: Uuid, link_id: Option<Uuid>, team: Option<Uuid>| PlanAlert {
        key: format!("{key}|{recipient}"),
        rule,
        severity: Severity::High,
        plan_id: plan.id,
        person_id: plan.person_id,
        recipient_party_id: recipient,
        link_id,
        team_organization_id: team,
        starts_on: today,
        ends_on: calendar::add_days(today, 7).unwrap_or(today),
        due_at: now,
    };
    if let Some(link) = consent_to_contact(db, plan.person_id, plan.coordinator_party_id, now).await? {
        alerts.push(alert(plan.coordinator_party_id, Some(link.id), None));
    }
    for team in store::placements::current_organizations(db, plan.person_id, now).await? {
        alerts.push(alert(team, None, Some(team)));
    }
    Ok(alerts)
}

/// The plan's check-in tasks as they should be now: one per check-in owed and not yet
/// answered, to the coordinator at 09:00 of its day in their zone, through their link; none
/// once the plan has ended.
async fn sync_tasks_of(db: &impl Write, plan: &plan::Model, now: DateTime<Utc>) -> Result<(), WorkflowError> {
    let Some(person) = store::persons::find(db, plan.person_id).await? else { return Ok(()) };
    let view = view_of(db, plan.clone(), person.timezone, now).await?;
    let coordinator = store::parties::find(db, plan.coordinator_party_id).await?;
    let link = consent_to_contact(db, plan.person_id, plan.coordinator_party_id, now).await?;
    let mut tasks = Vec::new();
    if let (None, Some(coordinator), Some(link)) = (view.ended, coordinator, link) {
        for (index, due) in view.dues.iter().enumerate() {
            if due.answered_by.is_some() {
                continue;
            }
            // Open until the next check-in is due.
            let ends_on = view
                .dues
                .get(index + 1)
                .and_then(|next| next.on.pred_opt())
                .map_or(due.on, |before_next| before_next.max(due.on));
            tasks.push(PlanAlert {
                key: format!("{}|{}|{}|{}", follow_up::CHECK_IN_RULE, plan.id, coordinator.id, due.on),
                rule: follow_up::CHECK_IN_RULE,
                severity: Severity::Notice,
                plan_id: plan.id,
                person_id: plan.person_id,
                recipient_party_id: coordinator.id,
                link_id: Some(link.id),
                team_organization_id: None,
                starts_on: due.on,
                ends_on,
                due_at: nine_on(due.on, coordinator.timezone),
            });
        }
    }
    store::follow_up::sync_tasks(db, plan.id, &tasks, now).await?;
    Ok(())
}

/// Brings the person's check-in tasks up to date: what planning does after custody, a link or
/// a consent changed.
pub async fn sync_tasks(state: &AppState, person_id: Uuid) -> Result<(), WorkflowError> {
    let now = state.clock.now();
    let Some(plan) = store::follow_up::plan_of(&state.db, person_id).await? else { return Ok(()) };
    let txn = state.db.begin().await?;
    sync_tasks_of(&txn, &plan, now).await?;
    txn.commit().await?;
    Ok(())
}

/// The plans a coordinator holds, each with its person, as they stand today.
pub async fn coordinated_by(
    state: &AppState,
    party_id: Uuid,
) -> Result<Vec<(crate::entity::person::Model, PlanView)>, WorkflowError> {
    let now = state.clock.now();
    let mut plans = Vec::new();
    for plan in store::follow_up::plans_of_coordinator(&state.db, party_id).await? {
        let Some(person) = store::persons::find(&state.db, plan.person_id).await? else { continue };
        // Only while the person's consent lets them contact the person.
        if consent_to_contact(&state.db, person.id, party_id, now).await?.is_none() {
            continue;
        }
        let view = view_of(&state.db, plan, person.timezone, now).await?;
        plans.push((person, view));
    }
    Ok(plans)
}

/// The staff who may hold the person's plan: each holds a coordinator link the person agreed
/// to, at an organisation that coordinates; with that organisation's name.
pub async fn coordinators_of(state: &AppState, person_id: Uuid) -> Result<Vec<(party::Model, String)>, WorkflowError> {
    let now = state.clock.now();
    let mut coordinators = Vec::new();
    for link in store::links::list_for_person(&state.db, person_id).await? {
        if link.relationship != Relationship::Coordinator {
            continue;
        }
        if consent_to_contact(&state.db, person_id, link.party_id, now).await?.is_none() {
            continue;
        }
        let Some(party) = store::parties::find(&state.db, link.party_id).await? else { continue };
        let organization = match party.organization_id {
            Some(id) => store::organizations::find(&state.db, id).await?,
            None => None,
        };
        if let Some(organization) = organization.filter(|organization| organization.kind.coordinates()) {
            if party.disabled_at.is_none()
                && !coordinators.iter().any(|(known, _): &(party::Model, String)| known.id == party.id)
            {
                coordinators.push((party, organization.name));
            }
        }
    }
    Ok(coordinators)
}
