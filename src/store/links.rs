use crate::entity::{consent_record, link};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Query, SelectStatement},
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QueryTrait,
    SelectModel, Set,
};
use uuid::Uuid;

use super::{kept::KeptSelect, new_id, Corrupt};
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::{Consent, ConsentBasis, PartyRole, Relationship, Scope, Zone};

/// A stored consent scope, of a link or a consent record.
pub fn parse_scope(row: Uuid, text: &str) -> Result<Scope, Corrupt> {
    Scope::from_text(text).map_err(|why| Corrupt::new("consent scope", row, why))
}

/// A link's stored scope.
pub fn scope_of(row: &link::Model) -> Result<Scope, Corrupt> {
    parse_scope(row.id, &row.scope)
}

/// A link's consent as it stands.
pub fn consent_of(row: &link::Model) -> Result<Consent, Corrupt> {
    Ok(Consent { scope: scope_of(row)?, expires_on: row.expires_on })
}

/// Who recorded a consent decision, and, when staff record consent the person had narrowed or
/// revoked, the basis of the person's new consent.
#[derive(Debug, Clone)]
pub struct RecordedBy {
    pub subject: String,
    pub role: PartyRole,
    pub basis: Option<ConsentBasis>,
    /// `staff_invitation` when the change was made in a session a staff member's invitation began.
    pub via: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentChange {
    Granted,
    Changed,
    Revoked,
}

impl ConsentChange {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChange::Granted => "granted",
            ConsentChange::Changed => "changed",
            ConsentChange::Revoked => "revoked",
        }
    }
}

/// Links in force at `now`: not revoked, not expired.
pub fn active(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(link::Column::RevokedAt.is_null())
        .add(Condition::any().add(link::Column::ExpiresAt.is_null()).add(link::Column::ExpiresAt.gt(now)))
}

/// [`active`] for a row already read: whether it is in force at `now`.
pub fn is_active(link: &link::Model, now: DateTime<Utc>) -> bool {
    crate::domain::link_in_force(link.revoked_at, link.expires_at, now)
}

/// Every link a party holds, in force or not.
pub async fn all_of_party(db: &impl Read, party_id: Uuid) -> Result<Vec<link::Model>, DbErr> {
    OF_PARTY.all::<SelectModel<link::Model>>(db.conn(), vec![party_id.into()]).await
}

/// Read on every first visit of a family's page or inbox: the statement is kept (`store::kept`).
static OF_PARTY: KeptSelect = KeptSelect::new(|| of_party(Uuid::nil()));

fn of_party(party_id: Uuid) -> SelectStatement {
    link::Entity::find().filter(link::Column::PartyId.eq(party_id)).into_query()
}

/// Every link one party holds to one person, in force or not, oldest id first.
pub async fn between(db: &impl Read, person_id: Uuid, party_id: Uuid) -> Result<Vec<link::Model>, DbErr> {
    link::Entity::find()
        .filter(link::Column::PersonId.eq(person_id))
        .filter(link::Column::PartyId.eq(party_id))
        .order_by_asc(link::Column::Id)
        .all(db.conn())
        .await
}

fn consent_record(
    link_id: Uuid,
    change: ConsentChange,
    consent: &Consent,
    by: &RecordedBy,
    now: DateTime<Utc>,
) -> consent_record::ActiveModel {
    consent_record::ActiveModel {
        id: Set(new_id()),
        link_id: Set(link_id),
        change: Set(change.as_str().to_owned()),
        scope: Set(consent.scope.to_text()),
        expires_on: Set(consent.expires_on),
        recorded_at: Set(now),
        recorded_by: Set(by.subject.clone()),
        recorded_by_role: Set(by.role),
        basis: Set(by.basis.as_ref().map(|basis| basis.kind)),
        basis_reference: Set(by.basis.as_ref().map(|basis| basis.reference.clone())),
        basis_on: Set(by.basis.as_ref().map(|basis| basis.on)),
        via: Set(by.via.map(str::to_owned)),
    }
}

/// Creates a link and its first consent record; call it inside the change's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    db: &impl Write,
    person_id: Uuid,
    party_id: Uuid,
    relationship: Relationship,
    consent: Consent,
    zone: Zone,
    by: &RecordedBy,
    now: DateTime<Utc>,
) -> Result<link::Model, DbErr> {
    let row = link::ActiveModel {
        id: Set(new_id()),
        person_id: Set(person_id),
        party_id: Set(party_id),
        relationship: Set(relationship),
        scope: Set(consent.scope.to_text()),
        expires_on: Set(consent.expires_on),
        expires_at: Set(consent.expires_on.map(|date| zone.end_of(date))),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    consent_record(row.id, ConsentChange::Granted, &consent, by, now).insert(db.conn()).await?;
    db.declare([Changed::Person(person_id), Changed::Party(party_id)]).await;
    Ok(row)
}

/// Records a new consent decision and makes it the link's current one: never an overwrite of
/// the history. Call it inside the change's transaction.
pub async fn record_consent(
    db: &impl Write,
    existing: link::Model,
    change: ConsentChange,
    consent: Consent,
    zone: Zone,
    by: &RecordedBy,
    now: DateTime<Utc>,
) -> Result<link::Model, DbErr> {
    consent_record(existing.id, change, &consent, by, now).insert(db.conn()).await?;
    let mut row = existing.into_active_model();
    row.scope = Set(consent.scope.to_text());
    row.expires_on = Set(consent.expires_on);
    row.expires_at = Set(consent.expires_on.map(|date| zone.end_of(date)));
    if change == ConsentChange::Revoked {
        row.revoked_at = Set(Some(now));
    }
    row.updated_at = Set(now);
    let row = row.update(db.conn()).await?;
    db.declare([Changed::Person(row.person_id), Changed::Party(row.party_id)]).await;
    Ok(row)
}

/// Whether the person themself ever decided on a link of this party to them (narrowed or
/// revoked it): then only the person's new consent lets anyone else give more again.
pub async fn person_decided(
    db: &impl Read,
    person_id: Uuid,
    party_id: Uuid,
    link_id: Option<Uuid>,
) -> Result<bool, DbErr> {
    let links =
        link::Entity::find().filter(link::Column::PersonId.eq(person_id)).filter(link::Column::PartyId.eq(party_id));
    let links = match link_id {
        Some(id) => links.filter(link::Column::Id.eq(id)),
        None => links,
    };
    let ids: Vec<Uuid> = links.all(db.conn()).await?.into_iter().map(|row| row.id).collect();
    if ids.is_empty() {
        return Ok(false);
    }
    let decided = consent_record::Entity::find()
        .filter(consent_record::Column::LinkId.is_in(ids))
        .filter(consent_record::Column::RecordedByRole.eq(PartyRole::Person.as_str()))
        .one(db.conn())
        .await?;
    Ok(decided.is_some())
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<link::Model>, DbErr> {
    link::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn list_for_person(db: &impl Read, person_id: Uuid) -> Result<Vec<link::Model>, DbErr> {
    link::Entity::find()
        .filter(link::Column::PersonId.eq(person_id))
        .order_by_asc(link::Column::Id)
        .all(db.conn())
        .await
}

/// The party's link to the person that is in force at `now`, if any.
pub async fn active_link(
    db: &impl Read,
    person_id: Uuid,
    party_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<link::Model>, DbErr> {
    link::Entity::find()
        .filter(link::Column::PersonId.eq(person_id))
        .filter(link::Column::PartyId.eq(party_id))
        .filter(active(now))
        .order_by_asc(link::Column::Id)
        .one(db.conn())
        .await
}

pub async fn consent_history(db: &impl Read, link_id: Uuid) -> Result<Vec<consent_record::Model>, DbErr> {
    consent_record::Entity::find()
        .filter(consent_record::Column::LinkId.eq(link_id))
        .order_by_asc(consent_record::Column::RecordedAt)
        .order_by_asc(consent_record::Column::Id)
        .all(db.conn())
        .await
}

/// `SELECT person_id FROM links WHERE party_id = … AND <active>`.
pub fn persons_linked_to(party_id: Uuid, now: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(link::Column::PersonId)
        .from(link::Entity)
        .and_where(link::Column::PartyId.eq(party_id))
        .cond_where(active(now))
        .to_owned()
}

/// The party's links in force at `now`.
pub async fn links_of_party(db: &impl Read, party_id: Uuid, now: DateTime<Utc>) -> Result<Vec<link::Model>, DbErr> {
    link::Entity::find()
        .filter(link::Column::PartyId.eq(party_id))
        .filter(active(now))
        .order_by_asc(link::Column::Id)
        .all(db.conn())
        .await
}

pub async fn find_many(db: &impl Read, ids: &[Uuid]) -> Result<Vec<link::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        found.extend(link::Entity::find().filter(link::Column::Id.is_in(chunk.iter().copied())).all(db.conn()).await?);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::kept::assert_same_as_built;

    #[test]
    fn a_partys_links_are_read_with_the_statement_the_query_builder_writes() {
        let party = Uuid::new_v4();
        assert_same_as_built(&OF_PARTY, vec![party.into()], &of_party(party));
    }
}
