use crate::entity::organization;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set};
use uuid::Uuid;

use super::{new_id, page, Page, PageRequest};
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::{organization::Reach, DisplayName, Note, OrganizationKind, Zone};

pub struct NewOrganization {
    pub kind: OrganizationKind,
    pub name: DisplayName,
    pub zone: Zone,
    pub reach: Reach,
}

/// Fields left `None` stay as they are; `Some(None)` clears one.
#[derive(Default)]
pub struct OrganizationChanges {
    pub name: Option<DisplayName>,
    pub zone: Option<Zone>,
    pub phone: Option<Option<String>>,
    pub hours: Option<Option<Note>>,
    pub helps_with: Option<Option<Note>>,
    pub area: Option<Option<Note>>,
}

fn text(note: Option<Note>) -> Option<String> {
    note.map(Note::into_inner)
}

pub async fn insert(db: &impl Write, new: NewOrganization, now: DateTime<Utc>) -> Result<organization::Model, DbErr> {
    let row = organization::ActiveModel {
        id: Set(new_id()),
        kind: Set(new.kind),
        name: Set(new.name.into_inner()),
        timezone: Set(new.zone),
        phone: Set(new.reach.phone),
        hours: Set(text(new.reach.hours)),
        helps_with: Set(text(new.reach.helps_with)),
        area: Set(text(new.reach.area)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    // A new place to turn to shows on the pages that list them.
    db.declare([Changed::Directory]).await;
    Ok(row)
}

pub async fn find_many(db: &impl Read, ids: &[Uuid]) -> Result<Vec<organization::Model>, DbErr> {
    super::readable_by_ids::<organization::Entity>(db, organization::Column::Id, ids).await
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn list(db: &impl Read, request: PageRequest) -> Result<Page<organization::Model>, DbErr> {
    page(db.conn(), organization::Entity::find(), organization::Column::Id, request, |row| row.id).await
}

pub async fn update(
    db: &impl Write,
    existing: organization::Model,
    changes: OrganizationChanges,
    now: DateTime<Utc>,
) -> Result<organization::Model, DbErr> {
    let mut row = existing.into_active_model();
    if let Some(name) = changes.name {
        row.name = Set(name.into_inner());
    }
    if let Some(zone) = changes.zone {
        row.timezone = Set(zone);
    }
    if let Some(phone) = changes.phone {
        row.phone = Set(phone);
    }
    if let Some(hours) = changes.hours {
        row.hours = Set(text(hours));
    }
    if let Some(helps_with) = changes.helps_with {
        row.helps_with = Set(text(helps_with));
    }
    if let Some(area) = changes.area {
        row.area = Set(text(area));
    }
    row.updated_at = Set(now);
    let row = row.update(db.conn()).await?;
    // Its name, zone and phone are shown beside its services.
    db.declare([Changed::Directory]).await;
    Ok(row)
}

/// The places to turn to (consultation windows, law offices, medical services) serving `area`,
/// or every one when `area` is `None`; those that name no area serve everyone.
pub async fn places_to_turn(db: &impl Read, area: Option<&str>) -> Result<Vec<organization::Model>, DbErr> {
    use sea_orm::{Condition, QueryOrder};
    let kinds = [OrganizationKind::ConsultationWindow, OrganizationKind::LawOffice, OrganizationKind::Medical];
    let mut query =
        organization::Entity::find().filter(organization::Column::Kind.is_in(kinds.iter().map(|kind| kind.as_str())));
    if let Some(area) = area {
        query = query.filter(
            Condition::any().add(organization::Column::Area.eq(area)).add(organization::Column::Area.is_null()),
        );
    }
    query
        .order_by_asc(organization::Column::Kind)
        .order_by_asc(organization::Column::Name)
        .limit(50)
        .all(db.conn())
        .await
}

/// Every organisation (a directory's worth: tens to hundreds), by name.
pub async fn all(db: &impl Read) -> Result<Vec<organization::Model>, DbErr> {
    use sea_orm::QueryOrder;
    organization::Entity::find().order_by_asc(organization::Column::Name).all(db.conn()).await
}
