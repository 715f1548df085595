//! Who is on duty, as the staff home shows it: the one on duty now and until when, and every
//! stretch of the coming week with no one on duty — a gap is shown, never silent.

use minijinja::{context, Value};

use super::frame::{Failure, Viewer};
use crate::{domain::Language, state::AppState, store, workflow};

/// The viewer's organisation's duty now, for the staff home; `None` without a rota.
pub async fn duty(state: &AppState, viewer: &Viewer) -> Result<Option<Value>, Failure> {
    let Some(organization_id) = viewer.principal.organization_id else { return Ok(None) };
    let Some(organization) = store::organizations::find(&state.reads, organization_id).await? else { return Ok(None) };
    let rota = workflow::rota::rota_of(state, &organization).await?;
    if !rota.set {
        return Ok(None);
    }
    let zone = organization.timezone;
    let local = |at: chrono::DateTime<chrono::Utc>| match viewer.language {
        Language::Ja => at.with_timezone(&zone.tz()).format("%-m月%-d日 %H:%M").to_string(),
        Language::En => at.with_timezone(&zone.tz()).format("%-d %b %H:%M").to_string(),
    };
    let now = rota.rota.on_duty(state.clock.now());
    let name = match now.party_id {
        Some(id) => store::parties::find(&state.reads, id).await?.map(|party| party.display_name),
        None => None,
    };
    let gaps: Vec<String> = workflow::rota::gaps_ahead(&rota, state.clock.now())
        .into_iter()
        .map(|(from, to)| format!("{} – {}", local(from), local(to)))
        .collect();
    Ok(Some(context! { on_duty => name, until => now.until.map(local), gaps => gaps }))
}
