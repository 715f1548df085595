use std::collections::HashMap;

use crate::entity::{consent_record, provision_record};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{new_id, page, Page, PageRequest};
use super::{Connected, Read, Write};

pub use crate::domain::provision::Provision;

/// Records a provision, with the consent decision in force on its link at this moment.
pub async fn record(db: &impl Write, provision: Provision, now: DateTime<Utc>) -> Result<(), DbErr> {
    let consent = match provision.link_id {
        Some(link_id) => latest_consents(db, &[link_id]).await?.get(&link_id).copied(),
        None => None,
    };
    record_many(db, vec![(provision, consent)], now).await
}

/// The consent decision now in force on each link: its latest consent record.
pub async fn latest_consents(db: &impl Read, links: &[Uuid]) -> Result<HashMap<Uuid, Uuid>, DbErr> {
    if links.is_empty() {
        return Ok(HashMap::new());
    }
    let mut latest = HashMap::new();
    for chunk in links.chunks(super::IDS_PER_STATEMENT) {
        let records = consent_record::Entity::find()
            .filter(consent_record::Column::LinkId.is_in(chunk.iter().copied()))
            .order_by_asc(consent_record::Column::RecordedAt)
            .order_by_asc(consent_record::Column::Id)
            .all(db.conn())
            .await?;
        for record in records {
            latest.insert(record.link_id, record.id);
        }
    }
    Ok(latest)
}

/// Records provisions, each relying on a consent record already looked up, in one insert.
pub async fn record_many(
    db: &impl Write,
    provisions: Vec<(Provision, Option<Uuid>)>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if provisions.is_empty() {
        return Ok(());
    }
    let rows: Vec<provision_record::ActiveModel> = provisions
        .into_iter()
        .map(|(provision, consent)| provision_record::ActiveModel {
            id: Set(new_id()),
            person_id: Set(provision.person_id),
            channel: Set(provision.channel.as_str().to_owned()),
            recipient: Set(provision.recipient.name()),
            recipient_party_id: Set(provision.recipient.party_id()),
            items: Set(provision.provided.items()),
            basis: Set(provision.basis().to_owned()),
            link_id: Set(provision.link_id),
            consent_record_id: Set(consent),
            source_id: Set(provision.source_id),
            provided_at: Set(now),
        })
        .collect();
    for chunk in rows.chunks(super::ROWS_PER_STATEMENT) {
        provision_record::Entity::insert_many(chunk.to_vec()).exec_without_returning(db.conn()).await?;
    }
    Ok(())
}

pub async fn list_for_person(
    db: &impl Read,
    person_id: Uuid,
    request: PageRequest,
) -> Result<Page<provision_record::Model>, DbErr> {
    let query = provision_record::Entity::find().filter(provision_record::Column::PersonId.eq(person_id));
    page(db.conn(), query, provision_record::Column::Id, request, |row| row.id).await
}

/// What the provision records' list is narrowed to.
#[derive(Default)]
pub struct ProvisionFilter {
    pub person_id: Option<Uuid>,
    /// The party the data went to.
    pub recipient_party_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub async fn list(
    db: &impl Read,
    filter: ProvisionFilter,
    request: PageRequest,
) -> Result<Page<provision_record::Model>, DbErr> {
    let mut query = provision_record::Entity::find();
    if let Some(person_id) = filter.person_id {
        query = query.filter(provision_record::Column::PersonId.eq(person_id));
    }
    if let Some(party_id) = filter.recipient_party_id {
        query = query.filter(provision_record::Column::RecipientPartyId.eq(party_id));
    }
    if let Some(from) = filter.from {
        query = query.filter(provision_record::Column::ProvidedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(provision_record::Column::ProvidedAt.lt(to));
    }
    page(db.conn(), query, provision_record::Column::Id, request, |row| row.id).await
}

pub async fn all_for_person(db: &impl Read, person_id: Uuid) -> Result<Vec<provision_record::Model>, DbErr> {
    provision_record::Entity::find()
        .filter(provision_record::Column::PersonId.eq(person_id))
        .order_by_asc(provision_record::Column::Id)
        .all(db.conn())
        .await
}
