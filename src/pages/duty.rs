//! Who is on duty, as the staff home shows it: the one on duty now and until when, and every
//! stretch of the coming week with no one on duty — a gap is shown, never silent.

use minijinja::{context, Value};

use super::frame::{Failure, Viewer};
use crate::{state::AppState, store, workflow};

/// The viewer's organisation's duty now, for the staff home, and the way to its rota; `None`
/// for staff of no organisation.
pub async fn duty(state: &AppState, viewer: &Viewer) -> Result<Option<Value>, Failure> {
    let Some(organization_id) = viewer.principal.organization_id else { return Ok(None) };
    let Some(organization) = store::organizations::find(&state.reads, organization_id).await? else { return Ok(None) };
    let rota = workflow::rota::rota_of(state, &organization).await?;
    if !rota.set {
        return Ok(Some(context! { set => false, organization_id => organization.id }));
    }
    let zone = organization.timezone;
    let local = |at| super::words::local_time(at, zone, viewer.language);
    let now = rota.rota.on_duty(state.clock.now());
    let name = match now.party_id {
        Some(id) => store::parties::find(&state.reads, id).await?.map(|party| party.display_name),
        None => None,
    };
    let gaps: Vec<String> = workflow::rota::gaps_ahead(&rota, state.clock.now())
        .into_iter()
        .map(|(from, to)| format!("{} – {}", local(from), local(to)))
        .collect();
    Ok(Some(
        context! { set => true, organization_id => organization.id, on_duty => name, until => now.until.map(local), gaps => gaps },
    ))
}
