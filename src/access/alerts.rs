//! Which alerts a caller may see and act on.

use entity::alert;
use uuid::Uuid;

use super::AccessError;
use crate::{auth::Principal, domain::PartyRole, state::AppState, store};

/// Whether the caller is on the team of `organization_id`: its staff, or an admin.
pub fn on_team(principal: &Principal, organization_id: Uuid) -> bool {
    principal.is_admin() || (principal.role == PartyRole::Staff && principal.organization_id == Some(organization_id))
}

/// A delivered alert the caller may act on: their own while its consent holds, or their
/// team's while the person is placed there. `None` answers 404 like an id that does not exist.
pub async fn actionable(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<Option<alert::Model>, AccessError> {
    let Some(row) = store::alerts::find(&state.reads, id).await?.filter(|row| row.status == store::alerts::DELIVERED)
    else {
        return Ok(None);
    };
    match row.team_organization_id {
        Some(team) => {
            let placed =
                store::placements::current_organizations(&state.reads, row.person_id, state.clock.now()).await?;
            Ok((on_team(principal, team) && placed.contains(&team)).then_some(row))
        }
        None if Some(row.recipient_party_id) == principal.party_id => Ok(still_visible(state, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// The alerts whose consent still holds for their recipient.
pub async fn still_visible(state: &AppState, rows: Vec<alert::Model>) -> Result<Vec<alert::Model>, AccessError> {
    let link_ids: Vec<Uuid> = rows.iter().filter_map(|row| row.link_id).collect();
    let links =
        store::links::find_many(&state.reads, &link_ids).await?.into_iter().map(|link| (link.id, link)).collect();
    let now = state.clock.now();
    Ok(rows.into_iter().filter(|row| crate::workflow::alerts::still_consented(&links, row, now)).collect())
}
