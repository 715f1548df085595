//! Which alerts a caller may see and act on, and which links of their own record a person may
//! choose for: the facts gathered here, the rules in `domain::access::alerts`, each decision
//! audited once, here.

use crate::entity::{alert, link, organization};
use uuid::Uuid;

use super::{audit_entry, AccessError, AuditAction};
use crate::{
    auth::Principal,
    domain::{
        access::{
            alerts::{may_act_on_alert, may_choose_sharing, may_see_deliveries, on_team, still_consented, AlertFacts},
            Caller,
        },
        link_in_force,
    },
    state::AppState,
    store::{self, audit::Outcome},
};

/// A delivered alert the caller may act on: their own while its consent holds, or their
/// team's while the person is placed there. Audited; `None` answers 404 like an id that does
/// not exist.
pub async fn actionable(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    audit_action: AuditAction,
) -> Result<Option<alert::Model>, AccessError> {
    acting_on(state, principal, delivered(state, id).await?, id, audit_action).await
}

/// A delivered alert whose deliveries the caller may see (what reached whom), as
/// `domain::access::alerts::may_see_deliveries` says. Audited; `None` answers 404.
pub async fn deliveries_of(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    audit_action: AuditAction,
) -> Result<Option<alert::Model>, AccessError> {
    let row = delivered(state, id).await?;
    decided(state, principal, row, id, audit_action, true, |caller, facts| {
        may_see_deliveries(caller, &facts.placed_at, &facts.alert)
    })
    .await
}

/// A delivered team alert the caller may act on (snooze, wake), as [`actionable`] says.
pub async fn team_alert(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    audit_action: AuditAction,
) -> Result<Option<alert::Model>, AccessError> {
    let row = delivered(state, id).await?.filter(|row| row.team_organization_id.is_some());
    acting_on(state, principal, row, id, audit_action).await
}

/// Decides (and audits) whether the caller may act on `row`.
async fn acting_on(
    state: &AppState,
    principal: &Principal,
    row: Option<alert::Model>,
    id: Uuid,
    audit_action: AuditAction,
) -> Result<Option<alert::Model>, AccessError> {
    decided(state, principal, row, id, audit_action, false, |caller, facts| may_act_on_alert(caller, &facts.alert))
        .await
}

/// A facility whose team inbox the caller may read (its staff, admins). A refusal is audited
/// here; what the inbox then shows is audited with the persons it lists.
pub async fn team_inbox(
    state: &AppState,
    principal: &Principal,
    organization_id: Uuid,
    audit_action: AuditAction,
) -> Result<Option<organization::Model>, AccessError> {
    let organization = crate::workflow::organization(state, organization_id)
        .await?
        .filter(|_| on_team(&principal.caller(), organization_id));
    if organization.is_none() {
        let entry = audit_entry(principal, audit_action, None, Some(organization_id), Outcome::Denied);
        state.audit.record(vec![entry], state.clock.now()).await?;
    }
    Ok(organization)
}

/// The alerts whose consent still holds for their recipient.
pub async fn still_visible(state: &AppState, rows: Vec<alert::Model>) -> Result<Vec<alert::Model>, AccessError> {
    let link_ids: Vec<Uuid> = rows.iter().filter_map(|row| row.link_id).collect();
    let links =
        store::links::find_many(&state.reads, &link_ids).await?.into_iter().map(|link| (link.id, link)).collect();
    let now = state.clock.now();
    Ok(rows.into_iter().filter(|row| still_consented(&store::alerts::reliance(&links, row, now))).collect())
}

/// A link on the caller's own record, in force, whose sharing they may choose. Audited;
/// `None` answers 404.
pub async fn own_link(
    state: &AppState,
    principal: &Principal,
    link_id: Uuid,
    audit_action: AuditAction,
) -> Result<Option<link::Model>, AccessError> {
    let row = store::links::find(&state.reads, link_id).await?;
    let now = state.clock.now();
    let allowed = row.as_ref().is_some_and(|link| {
        may_choose_sharing(&principal.caller(), link.person_id, link_in_force(link.revoked_at, link.expires_at, now))
    });
    let entry = audit_entry(
        principal,
        audit_action,
        row.as_ref().map(|link| link.person_id),
        Some(link_id),
        if allowed { Outcome::Allowed } else { Outcome::Denied },
    );
    state.audit.record(vec![entry], now).await?;
    Ok(row.filter(|_| allowed))
}

async fn delivered(state: &AppState, id: Uuid) -> Result<Option<alert::Model>, AccessError> {
    Ok(store::alerts::find(&state.reads, id).await?.filter(|row| row.status == store::alerts::DELIVERED))
}

/// What bears on who may see or act on a delivered alert.
struct Gathered {
    /// Where the person is placed today (read for a team alert, or when `placements` asks).
    placed_at: Vec<Uuid>,
    alert: AlertFacts,
}

/// Reads only what can bear on `caller`: an own alert's consent only for its recipient (no one
/// else may act on it), the person's placements only for a team alert or when `placements`.
async fn gather(
    state: &AppState,
    caller: &Caller,
    row: &alert::Model,
    placements: bool,
) -> Result<Gathered, AccessError> {
    let placed_at = if placements || row.team_organization_id.is_some() {
        crate::workflow::placed_now(state, row.person_id).await?
    } else {
        Vec::new()
    };
    let alert = match row.team_organization_id {
        Some(organization_id) => {
            AlertFacts::Team { organization_id, placed_there: placed_at.contains(&organization_id) }
        }
        None => AlertFacts::Own {
            recipient_party_id: row.recipient_party_id,
            consented: caller.party_id == Some(row.recipient_party_id)
                && !still_visible(state, vec![row.clone()]).await?.is_empty(),
        },
    };
    Ok(Gathered { placed_at, alert })
}

/// Asks `rule` about `row` (none: denied), writes the one audit line, and answers the alert
/// only when allowed.
async fn decided(
    state: &AppState,
    principal: &Principal,
    row: Option<alert::Model>,
    id: Uuid,
    audit_action: AuditAction,
    placements: bool,
    rule: impl FnOnce(&Caller, &Gathered) -> bool,
) -> Result<Option<alert::Model>, AccessError> {
    let caller = principal.caller();
    let allowed = match &row {
        Some(row) => rule(&caller, &gather(state, &caller, row, placements).await?),
        None => false,
    };
    let outcome = if allowed { Outcome::Allowed } else { Outcome::Denied };
    let entry = audit_entry(principal, audit_action, row.as_ref().map(|row| row.person_id), Some(id), outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    Ok(row.filter(|_| allowed))
}
