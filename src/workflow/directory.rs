//! Organisations, parties and people's profiles: single-row changes, and, where a change moves
//! when someone is alerted (a zone, quiet hours), the request to plan again in the same
//! transaction.

use crate::entity::{organization, party, person};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::sign_in::SessionEnd,
    state::AppState,
    store::{
        self,
        audit::AuditEntry,
        organizations::{NewOrganization, OrganizationChanges},
        parties::{NewParty, PartyChanges},
        persons::PersonChanges,
    },
};

pub async fn create_organization(state: &AppState, new: NewOrganization) -> Result<organization::Model, WorkflowError> {
    Ok(store::organizations::insert(&state.db, new, state.clock.now()).await?)
}

pub async fn update_organization(
    state: &AppState,
    id: Uuid,
    changes: OrganizationChanges,
) -> Result<organization::Model, WorkflowError> {
    let txn = state.db.begin().await?;
    let existing = store::organizations::find(&txn, id).await?.ok_or(WorkflowError::NotFound)?;
    let row = store::organizations::update(&txn, existing, changes, state.clock.now()).await?;
    txn.commit().await?;
    Ok(row)
}

/// A link made together with the party it links: to whom, and as whose decision.
pub struct LinkWithParty {
    pub person_id: Uuid,
    pub zone: crate::domain::Zone,
    pub relationship: crate::domain::Relationship,
    pub scope: Option<crate::domain::Scope>,
    pub expires_on: Option<chrono::NaiveDate>,
    pub by: crate::store::links::RecordedBy,
}

/// Creates a party, and with `link` its link to a person, in one transaction: staff open an
/// account only together with its link to their own resident.
pub async fn create_party(
    state: &AppState,
    new: NewParty,
    link: Option<LinkWithParty>,
) -> Result<party::Model, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let row = store::parties::insert(&txn, new, now).await?;
    if let Some(link) = link {
        let new_link = super::NewLink {
            party_id: row.id,
            relationship: link.relationship,
            scope: link.scope,
            expires_on: link.expires_on,
        };
        super::links::insert_link(&txn, now, link.person_id, link.zone, new_link, &link.by).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// A party's zone and quiet hours decide when their alerts fall due, and a disabled party
/// hears nothing: the persons they are linked to are planned again. Disabling ends the party's
/// sessions, client credentials and invitations. Disabling or enabling is audited (`audit`) in
/// the same transaction.
pub async fn update_party(
    state: &AppState,
    id: Uuid,
    changes: PartyChanges,
    audit: Option<AuditEntry>,
) -> Result<party::Model, WorkflowError> {
    let now = state.clock.now();
    let replan = changes.zone.is_some() || changes.quiet_hours.is_some() || changes.disabled.is_some();
    let txn = state.db.begin().await?;
    let existing = store::parties::find(&txn, id).await?.ok_or(WorkflowError::NotFound)?;
    let disabling = changes.disabled == Some(true);
    let row = store::parties::update(&txn, existing, changes, now).await?;
    if disabling {
        // Every door shuts at once: sessions end, client credentials are revoked (their tokens
        // with them), invitations not yet used expire. Tokens of the party are refused anyway.
        store::sessions::end_all_of(&txn, id, SessionEnd::Disabled, now).await?;
        store::credentials::revoke(&txn, id, None, now).await?;
        store::sign_in::end_invitations_of(&txn, id, now).await?;
    }
    if let Some(entry) = audit {
        store::audit::record(&txn, vec![entry], now).await?;
    }
    if replan {
        for link in store::links::links_of_party(&txn, id, now).await? {
            store::planning::request(&txn, link.person_id, now).await?;
        }
    }
    txn.commit().await?;
    Ok(row)
}

/// A person's zone decides their local dates: their alerts are planned again.
pub async fn update_person(state: &AppState, id: Uuid, changes: PersonChanges) -> Result<person::Model, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let existing = store::persons::find(&txn, id).await?.ok_or(WorkflowError::NotFound)?;
    let row = store::persons::update(&txn, existing, changes, now).await?;
    store::planning::request(&txn, id, now).await?;
    txn.commit().await?;
    Ok(row)
}
