use sea_orm::entity::prelude::*;

use crate::domain::milestones::MilestoneKind;
use crate::domain::milestones::Program;
use crate::domain::milestones::ReleaseType;
use crate::domain::milestones::State;

/// A milestone of a person's reentry: one state machine, its state and its dates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "milestones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: MilestoneKind,
    pub state: State,
    pub version: i64,
    pub state_since: Option<Date>,
    pub requested_on: Option<Date>,
    pub granted_on: Option<Date>,
    pub released_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub hearing_on: Option<Date>,
    pub judgment_on: Option<Date>,
    pub scheduled_on: Option<Date>,
    pub supervision_ends_on: Option<Date>,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
    pub used_on: Option<Date>,
    pub referred_on: Option<Date>,
    pub enrolled_on: Option<Date>,
    pub started_on: Option<Date>,
    pub release_type: Option<ReleaseType>,
    pub program: Option<Program>,
    pub sessions_planned: Option<i32>,
    pub sessions_attended: i32,
    pub extensions: i32,
    /// For a window: the release that opened it.
    pub source_milestone_id: Option<Uuid>,
    /// A hand-off: the day proposed; the meeting's day, local `HH:MM`, place and who meets the
    /// person; the referral it comes of and the release or bail it comes before.
    pub proposed_on: Option<Date>,
    pub meeting_on: Option<Date>,
    pub meeting_at: Option<String>,
    pub place: Option<String>,
    pub met_by: Option<String>,
    pub referral_id: Option<Uuid>,
    pub before_milestone_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
