use crate::entity::person;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use super::{links, new_id, page, placements, Page, PageRequest};
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::{access::ListVisibility, DisplayName, Language, Zone};

pub struct NewPerson {
    pub display_name: DisplayName,
    pub birth_date: Option<NaiveDate>,
    pub language: Language,
    pub zone: Zone,
}

#[derive(Default)]
pub struct PersonChanges {
    pub display_name: Option<DisplayName>,
    /// `Some(None)` clears the birth date.
    pub birth_date: Option<Option<NaiveDate>>,
    pub language: Option<Language>,
    pub zone: Option<Zone>,
}

pub async fn insert(db: &impl Write, new: NewPerson, now: DateTime<Utc>) -> Result<person::Model, DbErr> {
    let row = person::ActiveModel {
        id: Set(new_id()),
        display_name: Set(new.display_name.into_inner()),
        birth_date: Set(new.birth_date),
        language: Set(new.language),
        timezone: Set(new.zone),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    db.declare([Changed::Person(row.id)]).await;
    Ok(row)
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<person::Model>, DbErr> {
    person::Entity::find_by_id(id).one(db.conn()).await
}

/// Persons by id, a thousand ids a query (SQLite allows 32 766 parameters a statement).
pub async fn find_many(db: &impl Read, ids: &[Uuid]) -> Result<Vec<person::Model>, DbErr> {
    let ids: Vec<Uuid> = ids.iter().copied().collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    super::readable_by_ids::<person::Entity>(db, person::Column::Id, &ids).await
}

/// The persons a caller may see, a page at a time.
pub async fn list_visible(
    db: &impl Read,
    visibility: ListVisibility,
    now: DateTime<Utc>,
    request: PageRequest,
) -> Result<Page<person::Model>, DbErr> {
    let condition = match visibility {
        ListVisibility::All => Condition::all(),
        ListVisibility::Nothing => return Ok(Page { items: Vec::new(), next_cursor: None }),
        ListVisibility::Only { placed_at, linked_to, themself } => Condition::any()
            .add_option(placed_at.map(|org| person::Column::Id.in_subquery(placements::persons_placed_at(org, now))))
            .add_option(linked_to.map(|party| person::Column::Id.in_subquery(links::persons_linked_to(party, now))))
            .add_option(themself.map(|id| person::Column::Id.eq(id))),
    };
    page(db.conn(), person::Entity::find().filter(condition), person::Column::Id, request, |row| row.id).await
}

pub async fn update(
    db: &impl Write,
    existing: person::Model,
    changes: PersonChanges,
    now: DateTime<Utc>,
) -> Result<person::Model, DbErr> {
    let mut row = existing.into_active_model();
    if let Some(name) = changes.display_name {
        row.display_name = Set(name.into_inner());
    }
    if let Some(birth_date) = changes.birth_date {
        row.birth_date = Set(birth_date);
    }
    if let Some(language) = changes.language {
        row.language = Set(language);
    }
    if let Some(zone) = changes.zone {
        row.timezone = Set(zone);
    }
    row.updated_at = Set(now);
    let row = row.update(db.conn()).await?;
    db.declare([Changed::Person(row.id)]).await;
    Ok(row)
}
