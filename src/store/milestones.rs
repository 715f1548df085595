use crate::entity::{milestone, milestone_event};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::SelectStatement, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QueryTrait, SelectModel, Set,
};
use uuid::Uuid;

use super::{kept::KeptSelect, new_id, Corrupt};
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::milestones::{HandoffOf, Machine, Meeting, Milestone, MilestoneKind, State};

/// Who took a step: a party id or an admin's name with its role, or Tsunagu itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub role: String,
}

impl Actor {
    /// Steps that days passing bring about.
    pub fn system() -> Self {
        Self { id: "tsunagu".to_owned(), role: "system".to_owned() }
    }
}

/// One step of a milestone's history, as it will be stored.
#[derive(Debug, Clone)]
pub struct Step {
    pub event: String,
    /// `None` for the first step, which comes from nowhere.
    pub from: Option<State>,
    pub to: State,
    pub effective_on: NaiveDate,
    pub moved: Option<(&'static str, Option<NaiveDate>, Option<NaiveDate>)>,
    pub note: Option<String>,
    /// The consent kind a note written by the service describes (`custody`), if not the
    /// milestone's own.
    pub note_scope: Option<&'static str>,
    /// For sessions recorded: the count they came to.
    pub sessions_attended: Option<i32>,
    pub actor: Actor,
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("the milestone changed since it was read")]
    Stale,
    #[error(transparent)]
    Database(#[from] DbErr),
}

pub fn to_domain(row: &milestone::Model) -> Result<Milestone, Corrupt> {
    let kind: MilestoneKind = row.kind;
    let state: State = row.state;
    if !Machine::for_kind(kind).has_state(state) {
        return Err(Corrupt::new("milestone state", row.id, format!("{state} is no state of a {kind}")));
    }
    Ok(Milestone {
        kind,
        state,
        version: row.version,
        state_since: row.state_since,
        dates: crate::domain::milestones::Dates {
            requested_on: row.requested_on,
            granted_on: row.granted_on,
            released_on: row.released_on,
            ended_on: row.ended_on,
            hearing_on: row.hearing_on,
            judgment_on: row.judgment_on,
            scheduled_on: row.scheduled_on,
            supervision_ends_on: row.supervision_ends_on,
            opens_on: row.opens_on,
            closes_on: row.closes_on,
            used_on: row.used_on,
            referred_on: row.referred_on,
            enrolled_on: row.enrolled_on,
            started_on: row.started_on,
            proposed_on: row.proposed_on,
            meeting_on: row.meeting_on,
        },
        release_type: row.release_type,
        program: row.program,
        sessions_planned: row.sessions_planned,
        sessions_attended: row.sessions_attended,
        extensions: row.extensions,
        meeting: Meeting {
            on: row.meeting_on,
            at: match row.meeting_at.as_deref().map(parse_clock) {
                Some(Ok(at)) => Some(at),
                Some(Err(why)) => return Err(Corrupt::new("meeting time", row.id, why)),
                None => None,
            },
            place: row.place.clone(),
            met_by: row.met_by.clone(),
        },
        handoff_of: HandoffOf { referral_id: row.referral_id, before_milestone_id: row.before_milestone_id },
    })
}

fn parse_clock(text: &str) -> Result<chrono::NaiveTime, chrono::ParseError> {
    chrono::NaiveTime::parse_from_str(text, "%H:%M")
}

/// The row `milestone` becomes, keeping the row's identity.
fn with_domain(mut row: milestone::Model, milestone: &Milestone, now: DateTime<Utc>) -> milestone::Model {
    let dates = &milestone.dates;
    row.kind = milestone.kind;
    row.state = milestone.state;
    row.version = milestone.version;
    row.state_since = milestone.state_since;
    row.requested_on = dates.requested_on;
    row.granted_on = dates.granted_on;
    row.released_on = dates.released_on;
    row.ended_on = dates.ended_on;
    row.hearing_on = dates.hearing_on;
    row.judgment_on = dates.judgment_on;
    row.scheduled_on = dates.scheduled_on;
    row.supervision_ends_on = dates.supervision_ends_on;
    row.opens_on = dates.opens_on;
    row.closes_on = dates.closes_on;
    row.used_on = dates.used_on;
    row.referred_on = dates.referred_on;
    row.enrolled_on = dates.enrolled_on;
    row.started_on = dates.started_on;
    row.release_type = milestone.release_type;
    row.program = milestone.program;
    row.sessions_planned = milestone.sessions_planned;
    row.sessions_attended = milestone.sessions_attended;
    row.extensions = milestone.extensions;
    row.proposed_on = dates.proposed_on;
    row.meeting_on = dates.meeting_on;
    row.meeting_at = milestone.meeting.at.map(|at| at.format("%H:%M").to_string());
    row.place = milestone.meeting.place.clone();
    row.met_by = milestone.meeting.met_by.clone();
    row.referral_id = milestone.handoff_of.referral_id;
    row.before_milestone_id = milestone.handoff_of.before_milestone_id;
    row.updated_at = now;
    row
}

/// The row a new milestone is stored as.
pub fn new_row(
    person_id: Uuid,
    milestone: &Milestone,
    source_milestone_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> milestone::Model {
    let blank = milestone::Model {
        id: new_id(),
        person_id,
        kind: milestone.kind,
        state: milestone.state,
        version: 0,
        state_since: None,
        requested_on: None,
        granted_on: None,
        released_on: None,
        ended_on: None,
        hearing_on: None,
        judgment_on: None,
        scheduled_on: None,
        supervision_ends_on: None,
        opens_on: None,
        closes_on: None,
        used_on: None,
        referred_on: None,
        enrolled_on: None,
        started_on: None,
        release_type: None,
        program: None,
        sessions_planned: None,
        sessions_attended: 0,
        extensions: 0,
        source_milestone_id,
        proposed_on: None,
        meeting_on: None,
        meeting_at: None,
        place: None,
        met_by: None,
        referral_id: None,
        before_milestone_id: None,
        created_at: now,
        updated_at: now,
    };
    with_domain(blank, milestone, now)
}

pub async fn insert(
    db: &impl Write,
    person_id: Uuid,
    milestone: &Milestone,
    source_milestone_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<milestone::Model, DbErr> {
    let row = new_row(person_id, milestone, source_milestone_id, now)
        .into_active_model()
        .reset_all()
        .insert(db.conn())
        .await?;
    db.declare([Changed::Person(person_id)]).await;
    Ok(row)
}

/// Saves `next` over `row` only if nobody changed `row` meanwhile, and appends its steps,
/// numbered from the row's version on.
pub async fn save(
    db: &impl Write,
    row: &milestone::Model,
    next: &Milestone,
    steps: Vec<Step>,
    now: DateTime<Utc>,
) -> Result<(milestone::Model, Vec<milestone_event::Model>), SaveError> {
    let updated = with_domain(row.clone(), next, now);
    let changes = updated.clone().into_active_model().reset_all();
    let result = milestone::Entity::update_many()
        .set(changes)
        .filter(milestone::Column::Id.eq(row.id))
        .filter(milestone::Column::Version.eq(row.version))
        .exec(db.conn())
        .await?;
    if result.rows_affected != 1 {
        return Err(SaveError::Stale);
    }
    db.declare([Changed::Person(row.person_id)]).await;
    let mut events = Vec::with_capacity(steps.len());
    for (version, step) in (row.version + 1..).zip(steps) {
        events.push(append_step(db, &updated, version, step, now).await?);
    }
    Ok((updated, events))
}

/// Appends a step to a milestone's history.
pub async fn append_step(
    db: &impl Write,
    row: &milestone::Model,
    version: i64,
    step: Step,
    now: DateTime<Utc>,
) -> Result<milestone_event::Model, DbErr> {
    let (field, old_date, new_date) = match step.moved {
        Some((field, old, new)) => (Some(field.to_owned()), old, new),
        None => (None, None, None),
    };
    milestone_event::ActiveModel {
        id: Set(new_id()),
        milestone_id: Set(row.id),
        person_id: Set(row.person_id),
        kind: Set(row.kind),
        from_state: Set(step.from.map_or("", State::as_str).to_owned()),
        event: Set(step.event),
        to_state: Set(step.to.as_str().to_owned()),
        effective_on: Set(step.effective_on),
        field: Set(field),
        old_date: Set(old_date),
        new_date: Set(new_date),
        note: Set(step.note),
        note_scope: Set(step.note_scope.map(str::to_owned)),
        actor: Set(step.actor.id),
        actor_role: Set(step.actor.role),
        sessions_attended: Set(step.sessions_attended),
        version: Set(version),
        recorded_at: Set(now),
    }
    .insert(db.conn())
    .await
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<milestone::Model>, DbErr> {
    milestone::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn list_for_person(db: &impl Read, person_id: Uuid) -> Result<Vec<milestone::Model>, DbErr> {
    FOR_PERSON.all::<SelectModel<milestone::Model>>(db.conn(), vec![person_id.into()]).await
}

/// Read on every schedule the cache misses: the statement is kept (`store::kept`).
static FOR_PERSON: KeptSelect = KeptSelect::new(|| for_person(Uuid::nil()));

fn for_person(person_id: Uuid) -> SelectStatement {
    milestone::Entity::find()
        .filter(milestone::Column::PersonId.eq(person_id))
        .order_by_asc(milestone::Column::Id)
        .into_query()
}

/// The hand-off meetings of a referral, latest last.
pub async fn handoffs_of_referral(db: &impl Read, referral_id: Uuid) -> Result<Vec<milestone::Model>, DbErr> {
    milestone::Entity::find()
        .filter(milestone::Column::ReferralId.eq(referral_id))
        .filter(milestone::Column::Kind.eq(MilestoneKind::Handoff.as_str()))
        .order_by_asc(milestone::Column::Id)
        .all(db.conn())
        .await
}

pub async fn active_programmes(db: &impl Read, person_id: Uuid) -> Result<Vec<milestone::Model>, DbErr> {
    milestone::Entity::find()
        .filter(milestone::Column::PersonId.eq(person_id))
        .filter(milestone::Column::Kind.eq(MilestoneKind::ProgramEnrollment.as_str()))
        .filter(milestone::Column::State.eq(State::Active.as_str()))
        .order_by_asc(milestone::Column::Id)
        .all(db.conn())
        .await
}

pub async fn events_of(db: &impl Read, milestone_id: Uuid) -> Result<Vec<milestone_event::Model>, DbErr> {
    milestone_event::Entity::find()
        .filter(milestone_event::Column::MilestoneId.eq(milestone_id))
        .order_by_asc(milestone_event::Column::Version)
        .all(db.conn())
        .await
}

pub async fn events_of_person(
    db: &impl Read,
    person_id: Uuid,
    kinds: &[&str],
) -> Result<Vec<milestone_event::Model>, DbErr> {
    milestone_event::Entity::find()
        .filter(milestone_event::Column::PersonId.eq(person_id))
        .filter(milestone_event::Column::Kind.is_in(kinds.iter().copied()))
        .all(db.conn())
        .await
}

/// Windows whose state the passing days may have changed by `latest_today` (the latest local
/// date anywhere): pending ones whose first day has come, running ones past their last day.
pub async fn windows_due(
    db: &impl Read,
    person_id: Option<Uuid>,
    latest_today: NaiveDate,
) -> Result<Vec<milestone::Model>, DbErr> {
    // Two range reads, one per index, rather than one OR the planner may answer by a scan.
    let window = || {
        let query = milestone::Entity::find()
            .filter(milestone::Column::Kind.eq(MilestoneKind::EmploymentSupportWindow.as_str()));
        match person_id {
            Some(person_id) => query.filter(milestone::Column::PersonId.eq(person_id)),
            None => query,
        }
    };
    let mut due = window()
        .filter(milestone::Column::State.eq(State::Pending.as_str()))
        .filter(milestone::Column::OpensOn.lte(latest_today))
        .all(db.conn())
        .await?;
    due.extend(
        window()
            .filter(milestone::Column::State.is_in([State::Open.as_str(), State::Extended.as_str()]))
            .filter(milestone::Column::ClosesOn.lt(latest_today))
            .all(db.conn())
            .await?,
    );
    due.sort_by_key(|row| row.id);
    Ok(due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::kept::assert_same_as_built;

    #[test]
    fn a_persons_milestones_are_read_with_the_statement_the_query_builder_writes() {
        let person = Uuid::new_v4();
        assert_same_as_built(&FOR_PERSON, vec![person.into()], &for_person(person));
    }
}
