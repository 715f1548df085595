use chrono::{DateTime, Utc};
use entity::organization;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set};
use uuid::Uuid;

use super::{new_id, page, Page, PageRequest};
use crate::domain::{DisplayName, OrganizationKind, Zone};

pub struct NewOrganization {
    pub kind: OrganizationKind,
    pub name: DisplayName,
    pub zone: Zone,
}

#[derive(Default)]
pub struct OrganizationChanges {
    pub name: Option<DisplayName>,
    pub zone: Option<Zone>,
}

pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewOrganization,
    now: DateTime<Utc>,
) -> Result<organization::Model, DbErr> {
    organization::ActiveModel {
        id: Set(new_id()),
        kind: Set(new.kind.as_str().to_owned()),
        name: Set(new.name.into_inner()),
        timezone: Set(new.zone.name().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn find_many(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<organization::Model>, DbErr> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        found.extend(
            organization::Entity::find().filter(organization::Column::Id.is_in(chunk.iter().copied())).all(db).await?,
        );
    }
    Ok(found)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<organization::Model>, DbErr> {
    organization::Entity::find_by_id(id).one(db).await
}

pub async fn list(db: &impl ConnectionTrait, request: PageRequest) -> Result<Page<organization::Model>, DbErr> {
    page(db, organization::Entity::find(), organization::Column::Id, request, |row| row.id).await
}

pub async fn update(
    db: &impl ConnectionTrait,
    existing: organization::Model,
    changes: OrganizationChanges,
    now: DateTime<Utc>,
) -> Result<organization::Model, DbErr> {
    let mut row = existing.into_active_model();
    if let Some(name) = changes.name {
        row.name = Set(name.into_inner());
    }
    if let Some(zone) = changes.zone {
        row.timezone = Set(zone.name().to_owned());
    }
    row.updated_at = Set(now);
    row.update(db).await
}
