use sea_orm::entity::prelude::*;

use crate::domain::milestones::MilestoneKind;

/// One step in a milestone's history: a transition, or a date that moved. Never updated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "milestone_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub milestone_id: Uuid,
    pub person_id: Uuid,
    pub kind: MilestoneKind,
    pub from_state: String,
    /// The event, or `date_moved`.
    pub event: String,
    pub to_state: String,
    pub effective_on: Date,
    /// For a date move: which date, from what, to what.
    pub field: Option<String>,
    pub old_date: Option<Date>,
    pub new_date: Option<Date>,
    pub note: Option<String>,
    /// For a note the service wrote about another consent kind (`custody` on an interruption):
    /// shown only to those whose consent covers it.
    pub note_scope: Option<String>,
    pub actor: String,
    pub actor_role: String,
    /// For a programme's sessions recorded: the count they came to.
    pub sessions_attended: Option<i32>,
    /// The milestone's version after this step.
    pub version: i64,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
