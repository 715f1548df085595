//! Who may see and act on a referral, and on an organisation's list of them: the rule is the
//! domain's (`domain::access::referrals`); this gathers the row and writes the audit line.

use uuid::Uuid;

use super::{audit_entry, AccessError, AuditAction};
use crate::{
    auth::Principal,
    domain::{
        access::referrals::{may_list, sides},
        referral::Side,
    },
    entity::referral,
    state::AppState,
    store::{self, audit::Outcome},
};

/// A referral the caller stands on a side of, and the sides; anyone else gets 404, as for a
/// referral that does not exist.
pub async fn referral(
    state: &AppState,
    principal: &Principal,
    referral_id: Uuid,
    audit_action: AuditAction,
) -> Result<(referral::Model, Vec<Side>), AccessError> {
    let row = store::referrals::find(&state.reads, referral_id).await?;
    let sides = row.as_ref().map(|row| sides(&principal.caller(), &row.parties())).unwrap_or_default();
    let allowed = !sides.is_empty();
    let outcome = if allowed { Outcome::Allowed } else { Outcome::Denied };
    let person_id = row.as_ref().filter(|_| allowed).map(|row| row.person_id);
    let entry = audit_entry(principal, audit_action, person_id, Some(referral_id), outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    match row {
        Some(row) if allowed => Ok((row, sides)),
        _ => Err(AccessError::NotFound),
    }
}

/// Whether the caller may list an organisation's referrals: its staff (probation officers,
/// the ones it made) and admins. Audited; 404 otherwise, as for an organisation that does not
/// exist.
pub async fn organization(
    state: &AppState,
    principal: &Principal,
    organization_id: Uuid,
    audit_action: AuditAction,
) -> Result<(), AccessError> {
    let exists = store::organizations::find(&state.reads, organization_id).await?.is_some();
    let allowed = exists && may_list(&principal.caller(), organization_id);
    let outcome = if allowed { Outcome::Allowed } else { Outcome::Denied };
    let entry = audit_entry(principal, audit_action, None, Some(organization_id), outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    if allowed {
        Ok(())
    } else {
        Err(AccessError::NotFound)
    }
}
