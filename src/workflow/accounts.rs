//! Accounts a facility opens around its resident: a family member's or a lawyer's, together
//! with their link and the consent given, or the person's own. One transaction: an account
//! staff open is never left without the resident it was opened for.

use crate::entity::{link, party};
use chrono::NaiveDate;
use uuid::Uuid;

use super::{links::insert_link, NewLink, WorkflowError};
use crate::{
    domain::{DisplayName, Language, PartyRole, Refusals, Relationship, Scope, Why, Zone},
    state::AppState,
    store::{self, links::RecordedBy, parties::NewParty},
};

/// Whom the account is for: someone linked to the person, or the person themself.
pub enum AccountFor {
    Linked { relationship: Relationship, scope: Option<Scope>, expires_on: Option<NaiveDate> },
    Themself,
}

pub struct NewAccount {
    pub role: PartyRole,
    pub display_name: DisplayName,
    pub language: Language,
    pub account_for: AccountFor,
}

/// The account opened, and its link when it is someone else's.
pub struct Opened {
    pub party: party::Model,
    pub link: Option<link::Model>,
}

/// Opens the account in the person's zone. `opened_by` is the organisation whose staff open it
/// (they may open its doors until it is first used); `None` for an admin.
pub async fn open_account(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    account: NewAccount,
    opened_by: Option<Uuid>,
    by: &RecordedBy,
) -> Result<Opened, WorkflowError> {
    let fits = match (&account.account_for, account.role) {
        (AccountFor::Themself, PartyRole::Person) => Ok(()),
        (AccountFor::Linked { relationship, .. }, PartyRole::Family | PartyRole::Lawyer) => {
            relationship.check_role(account.role)
        }
        // The person's own account has no link; no other kind of account is opened here.
        _ => Err(Why::RoleDoesNotFit.into()),
    };
    fits.map_err(|why| Refusals::one("party.role", why))?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let themself = matches!(account.account_for, AccountFor::Themself);
    if themself && store::parties::find_for_person(&txn, person_id).await?.is_some() {
        return Err(WorkflowError::Conflict(super::Clash::PersonHasAccount));
    }
    let new = NewParty {
        role: account.role,
        display_name: account.display_name,
        organization_id: None,
        language: account.language,
        zone,
        quiet_hours: None,
        person_id: themself.then_some(person_id),
        opened_by_organization_id: opened_by,
    };
    let party = store::parties::insert(&txn, new, now).await?;
    let link = match account.account_for {
        AccountFor::Themself => None,
        AccountFor::Linked { relationship, scope, expires_on } => {
            let new_link = NewLink { party_id: party.id, relationship, scope, expires_on };
            Some(insert_link(&txn, now, person_id, zone, new_link, by).await?)
        }
    };
    txn.commit().await?;
    Ok(Opened { party, link })
}
