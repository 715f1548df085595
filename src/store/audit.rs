use crate::entity::audit_event;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{new_id, page, Page, PageRequest};
use super::{Connected, Read, Write};
use crate::domain::PartyRole;

/// The role a stored line names: none for a caller not signed in.
pub fn actor_role_of(row: &audit_event::Model) -> Result<Option<PartyRole>, super::Corrupt> {
    match row.actor_role.as_str() {
        ANONYMOUS => Ok(None),
        role => super::parse_stored("actor role", row.id, role).map(Some),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
        }
    }
}

/// The role written for a caller not signed in.
pub const ANONYMOUS: &str = "anonymous";

/// One line of the audit log: who did what to which person's data, and whether it was allowed.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: String,
    /// `None` for a caller not signed in (a refused sign-in), stored as `anonymous`.
    pub actor_role: Option<PartyRole>,
    pub action: &'static str,
    pub person_id: Option<Uuid>,
    /// For a list page: every person it showed, in one line.
    pub person_ids: Vec<Uuid>,
    pub resource_id: Option<Uuid>,
    pub outcome: Outcome,
}

pub async fn record(db: &impl Write, entries: Vec<AuditEntry>, now: DateTime<Utc>) -> Result<(), DbErr> {
    record_at(db, entries.into_iter().map(|entry| (entry, now)).collect()).await
}

/// Stores entries that each carry their own time, a thousand rows an insert.
/// Nine values a row: 1 000 rows a statement stays well inside SQLite's 32 766 parameters,
/// however many requests' entries a group commit gathers.
pub const ROWS_A_STATEMENT: usize = 1_000;

pub async fn record_at(db: &impl Write, entries: Vec<(AuditEntry, DateTime<Utc>)>) -> Result<(), DbErr> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut rows = entries.into_iter().map(|(entry, at)| audit_event::ActiveModel {
        id: Set(new_id()),
        at: Set(at),
        actor: Set(entry.actor),
        actor_role: Set(entry.actor_role.map_or(ANONYMOUS, PartyRole::as_str).to_owned()),
        action: Set(entry.action.to_owned()),
        person_id: Set(entry.person_id),
        resource_id: Set(entry.resource_id),
        outcome: Set(entry.outcome.as_str().to_owned()),
        person_ids: Set((!entry.person_ids.is_empty()).then(|| join_ids(&entry.person_ids))),
    });
    loop {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_A_STATEMENT).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        audit_event::Entity::insert_many(chunk).exec_without_returning(db.conn()).await?;
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub person_id: Option<Uuid>,
    pub actor: Option<String>,
    /// One action, such as `person.read`.
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn join_ids(ids: &[Uuid]) -> String {
    ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",")
}

/// The ids a list line names.
pub fn listed(row: &audit_event::Model) -> Vec<Uuid> {
    row.person_ids.as_deref().map_or_else(Vec::new, |ids| ids.split(',').filter_map(|id| id.parse().ok()).collect())
}

/// The lines about a person: those naming them, and the list pages that showed them.
pub fn about(person_id: Uuid) -> Condition {
    Condition::any()
        .add(audit_event::Column::PersonId.eq(person_id))
        .add(audit_event::Column::PersonIds.like(format!("%{person_id}%")))
}

pub async fn list(
    db: &impl Read,
    filter: AuditFilter,
    request: PageRequest,
) -> Result<Page<audit_event::Model>, DbErr> {
    let mut query = audit_event::Entity::find();
    if let Some(person_id) = filter.person_id {
        query = query.filter(about(person_id));
    }
    if let Some(actor) = filter.actor {
        query = query.filter(audit_event::Column::Actor.eq(actor));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_event::Column::Action.eq(action));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_event::Column::At.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_event::Column::At.lt(to));
    }
    page(db.conn(), query, audit_event::Column::Id, request, |row| row.id).await
}
