use crate::entity::audit_event;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait, IdenStatic, QueryFilter,
    Statement, Value,
};
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
    let backend = db.conn().get_database_backend();
    let mut entries = entries.into_iter();
    loop {
        let values: Vec<Value> =
            entries.by_ref().take(ROWS_A_STATEMENT).flat_map(|(entry, at)| row_values(entry, at)).collect();
        if values.is_empty() {
            return Ok(());
        }
        let sql = insert_sql(backend, values.len() / COLUMNS.len());
        db.conn().execute(Statement::from_sql_and_values(backend, sql, values)).await?;
    }
}

/// The columns of a line, in the order [`row_values`] gives them.
const COLUMNS: [audit_event::Column; 9] = {
    use audit_event::Column::*;
    [Id, At, Actor, ActorRole, Action, PersonId, ResourceId, Outcome, PersonIds]
};

/// A line's values, as the entity's columns bind them.
fn row_values(entry: AuditEntry, at: DateTime<Utc>) -> [Value; COLUMNS.len()] {
    [
        new_id().into(),
        at.into(),
        entry.actor.into(),
        entry.actor_role.map_or(ANONYMOUS, PartyRole::as_str).into(),
        entry.action.into(),
        entry.person_id.into(),
        entry.resource_id.into(),
        entry.outcome.as_str().into(),
        (!entry.person_ids.is_empty()).then(|| join_ids(&entry.person_ids)).into(),
    ]
}

/// `INSERT INTO audit_events (...) VALUES (...), ...` for `rows` lines, in the backend's
/// placeholders. Written by hand: a line is stored on every read, and building this
/// statement through the query builder (and dropping it) took more of the server's time than
/// SQLite's own insert (profiled on `upcoming`).
fn insert_sql(backend: DbBackend, rows: usize) -> String {
    use std::fmt::Write as _;
    let names = COLUMNS.iter().map(IdenStatic::as_str).collect::<Vec<_>>().join(", ");
    let mut sql = format!("INSERT INTO {} ({names}) VALUES ", audit_event::Entity.table_name());
    let mut placeholder = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..COLUMNS.len() {
            placeholder += 1;
            let separator = if column == 0 { "" } else { ", " };
            let _ = match backend {
                DbBackend::Postgres => write!(sql, "{separator}${placeholder}"),
                DbBackend::Sqlite | DbBackend::MySql => write!(sql, "{separator}?"),
            };
        }
        sql.push(')');
    }
    sql
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};

    use super::*;
    use crate::{cache::ReadCache, clock::SystemClock, config::DatabaseUrl, database, store::Writer};

    fn entry(person_id: Uuid, listed: Vec<Uuid>) -> AuditEntry {
        AuditEntry {
            actor: "a-party".to_owned(),
            actor_role: Some(PartyRole::Family),
            action: "upcoming.read",
            person_id: Some(person_id),
            person_ids: listed,
            resource_id: None,
            outcome: Outcome::Allowed,
        }
    }

    #[tokio::test]
    async fn a_group_past_one_statement_is_stored_whole_and_reads_back_as_written() {
        let db = database::connect(&DatabaseUrl::parse("sqlite::memory:").unwrap()).await.unwrap();
        database::migrate(&db).await.unwrap();
        let writer = Writer::new(db.clone(), Arc::new(ReadCache::new(Arc::new(SystemClock))));
        let at: DateTime<Utc> = "2026-12-07T03:00:00Z".parse().unwrap();
        let person = Uuid::now_v7();
        let listed = vec![Uuid::now_v7(), Uuid::now_v7()];
        let mut entries: Vec<_> = (0..ROWS_A_STATEMENT + 2).map(|_| (entry(person, Vec::new()), at)).collect();
        entries.push((AuditEntry { actor_role: None, outcome: Outcome::Denied, ..entry(person, listed.clone()) }, at));

        record_at(&writer, entries).await.unwrap();

        assert_eq!(audit_event::Entity::find().count(&db).await.unwrap(), ROWS_A_STATEMENT as u64 + 3);
        let last = audit_event::Entity::find().order_by_desc(audit_event::Column::Id).one(&db).await.unwrap().unwrap();
        assert_eq!((last.at, last.actor.as_str(), last.action.as_str()), (at, "a-party", "upcoming.read"));
        assert_eq!((last.actor_role.as_str(), last.outcome.as_str()), (ANONYMOUS, "denied"));
        assert_eq!((last.person_id, super::listed(&last), last.resource_id), (Some(person), listed, None));
        let first = audit_event::Entity::find().order_by_asc(audit_event::Column::Id).one(&db).await.unwrap().unwrap();
        assert_eq!((actor_role_of(&first).unwrap(), first.person_ids), (Some(PartyRole::Family), None));
    }
}
