//! Links and their consent: every grant, change and revocation is a new consent record,
//! stored with the request to plan the person's alerts again.

use crate::entity::link;
use chrono::NaiveDate;
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::{
        self, needs_basis, Consent, ConsentPatch, PartyRole, Refusals, Relationship, Scope, SharingChoice, Why, Zone,
    },
    state::AppState,
    store::{
        self,
        links::{consent_of, ConsentChange, RecordedBy},
    },
};

/// A party to link to a person; `scope` left out takes the relationship's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub party_id: Uuid,
    pub relationship: Relationship,
    pub scope: Option<Scope>,
    pub expires_on: Option<NaiveDate>,
}

pub type LinkChange = ConsentPatch;

pub async fn create_link(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    new: NewLink,
    by: &RecordedBy,
) -> Result<link::Model, WorkflowError> {
    let txn = state.db.begin().await?;
    let row = insert_link(&txn, state.clock.now(), person_id, zone, new, by).await?;
    txn.commit().await?;
    Ok(row)
}

/// A new link and its first consent record, with the re-plan request, in the caller's transaction.
pub(super) async fn insert_link(
    txn: &impl crate::store::Write,
    now: chrono::DateTime<chrono::Utc>,
    person_id: Uuid,
    zone: Zone,
    new: NewLink,
    by: &RecordedBy,
) -> Result<link::Model, WorkflowError> {
    let mut refusals = Refusals::default();
    match store::parties::find(txn, new.party_id).await? {
        None => refusals.push("party_id", Why::NoSuch { what: "party" }.into()),
        Some(party) => {
            let role: PartyRole = party.role;
            refusals.check("relationship", new.relationship.check_role(role));
        }
    }
    let consent =
        Consent { scope: new.scope.unwrap_or_else(|| new.relationship.default_scope()), expires_on: new.expires_on };
    refusals.check("expires_on", consent.check_expiry(zone.date_at(now)));
    refusals.into_result()?;
    if store::links::active_link(txn, person_id, new.party_id, now).await?.is_some() {
        return Err(WorkflowError::Conflict(super::Clash::LinkAlreadyActive));
    }
    // A new link after the person revoked or narrowed an earlier one gives more than they left.
    let person_decided = store::links::person_decided(txn, person_id, new.party_id, None).await?;
    check_basis(by, person_decided, true)?;
    let row = store::links::insert(txn, person_id, new.party_id, new.relationship, consent, zone, by, now).await?;
    store::planning::request(txn, person_id, now).await?;
    Ok(row)
}

/// Changes a link's consent; the link is read again inside the transaction.
pub async fn change_link(
    state: &AppState,
    link_id: Uuid,
    zone: Zone,
    change: &LinkChange,
    by: &RecordedBy,
) -> Result<link::Model, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let row = store::links::find(&txn, link_id).await?.ok_or(WorkflowError::NotFound)?;
    if row.revoked_at.is_some() {
        return Err(WorkflowError::Conflict(super::Clash::LinkRevoked));
    }
    let current = consent_of(&row)?;
    let consent = current.patched(change);
    if consent.expires_on != current.expires_on {
        consent.check_expiry(zone.date_at(now)).map_err(|why| Refusals::one("expires_on", why))?;
    }
    let person_decided = store::links::person_decided(&txn, row.person_id, row.party_id, Some(row.id)).await?;
    check_basis(by, person_decided, !consent.is_within(&current))?;
    let person_id = row.person_id;
    let row = store::links::record_consent(&txn, row, ConsentChange::Changed, consent, zone, by, now).await?;
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// What staff once offered on a link: every kind any consent on it recorded by someone other
/// than the person ever covered, and what it covers now.
pub async fn offered_scope(db: &impl crate::store::Read, row: &link::Model) -> Result<Scope, WorkflowError> {
    let mut offered = consent_of(row)?.scope;
    for record in store::links::consent_history(db, row.id).await? {
        if record.recorded_by_role != PartyRole::Person {
            offered = offered.union(&store::links::parse_scope(record.id, &record.scope)?);
        }
    }
    Ok(offered)
}

/// The person's choice of what a party sees on their link (`kept`), within what staff once
/// offered. Nothing ticked stores nothing and answers [`SharingChoice::StopInstead`]: the
/// person is asked whether to stop sharing.
pub async fn choose_sharing(
    state: &AppState,
    link_id: Uuid,
    zone: Zone,
    kept: Scope,
    by: &RecordedBy,
) -> Result<SharingChoice, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let row = store::links::find(&txn, link_id).await?.ok_or(WorkflowError::NotFound)?;
    if row.revoked_at.is_some() {
        return Err(WorkflowError::Conflict(super::Clash::LinkRevoked));
    }
    let offered = offered_scope(&txn, &row).await?;
    let choice = domain::choose_sharing(kept, &offered).map_err(|why| Refusals::one("kind", why))?;
    if let SharingChoice::Share(scope) = &choice {
        let current = consent_of(&row)?;
        let consent = Consent { scope: scope.clone(), expires_on: current.expires_on };
        let person_id = row.person_id;
        store::links::record_consent(&txn, row, ConsentChange::Changed, consent, zone, by, now).await?;
        store::planning::request(&txn, person_id, now).await?;
    }
    txn.commit().await?;
    Ok(choice)
}

/// Giving more than the person left in place needs the basis of their new consent.
fn check_basis(by: &RecordedBy, person_decided: bool, widens: bool) -> Result<(), WorkflowError> {
    if needs_basis(by.role == PartyRole::Person, person_decided, widens) && by.basis.is_none() {
        return Err(WorkflowError::Forbidden(super::Denied::NeedsConsentBasis));
    }
    Ok(())
}

/// Revokes a link (a revoked one stays as it is): the party sees nothing of the person from now on.
pub async fn revoke_link(state: &AppState, link_id: Uuid, zone: Zone, by: &RecordedBy) -> Result<(), WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let row = store::links::find(&txn, link_id).await?.ok_or(WorkflowError::NotFound)?;
    if row.revoked_at.is_some() {
        return Ok(());
    }
    let consent = consent_of(&row)?;
    let person_id = row.person_id;
    store::links::record_consent(&txn, row, ConsentChange::Revoked, consent, zone, by, now).await?;
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(())
}
