//! An organisation's on-duty rota, as its staff (and admins) keep it: who is on duty now and
//! the week's gaps, the weekly shifts with the wait before escalation, the escalation list and
//! the managers in one form, and the one-off overrides with their own forms.

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Request, Response,
};
use uuid::Uuid;

use super::{
    forms::access_failed,
    frame::{failed, html, id_of, not_found, signed_in, viewer_frame, Failure, Viewer},
    resident::Done,
    staff::Shown,
    words,
};
use crate::{access, domain::Language, entity::organization, state::AppState, store, workflow};

/// Blank shift rows the form offers beyond those set, to add shifts without JavaScript.
const BLANK_SHIFTS: usize = 2;
/// The most places the escalation list's part of the form offers.
const MOST_ESCALATION_ROWS: usize = 10;

/// `GET /app/organizations/{id}/rota`: staff of the organisation, and admins; 404 for anyone
/// else, as for no organisation at all.
#[handler]
pub async fn rota_page(req: &Request, state: Data<&AppState>, id: Path<String>, done: Query<Done>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let organization = match access::organization_roll(&state, &viewer.principal, id, "rota.read").await {
        Ok(organization) => organization,
        Err(err) => return access_failed(req, &viewer, err),
    };
    let notice = done.0.done.as_deref().and_then(|done| notice(done, viewer.language));
    let shown = Shown { notice, ..Shown::default() };
    rota(req, &state, &viewer, &organization, (StatusCode::OK, shown, Rows::default())).await
}

/// What a form stored, in words: `done` is a code the form redirected with, never text.
fn notice(done: &str, language: Language) -> Option<String> {
    let (ja, en) = match done {
        "rota" => ("当番表", "the rota"),
        "override" => ("交代", "the cover"),
        "override-removed" => ("交代を取り消しました", "the cover removed"),
        _ => return None,
    };
    Some(words::stored(if language == Language::Ja { ja } else { en }, language))
}

/// How many rows of each list the form shows at least: a refused form comes back with every
/// row that was typed.
#[derive(Default, Clone, Copy)]
pub struct Rows {
    pub shifts: usize,
    pub escalation: usize,
}

/// The page, with what `shown` says (a refused form as typed, with its status).
pub async fn rota(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    organization: &organization::Model,
    (status, shown, typed): (StatusCode, Shown, Rows),
) -> Response {
    match gather(state, viewer, organization, typed).await {
        Ok(context) => {
            let title = match viewer.language {
                Language::Ja => format!("{}の当番表", organization.name),
                Language::En => format!("{}'s on-duty rota", organization.name),
            };
            let shown = context! { problem => shown.problem, posted => shown.posted, notice => shown.notice };
            html(status, "rota.html", context! { ..viewer_frame(req, viewer, &title), ..shown, ..context })
        }
        Err(err) => failed(err),
    }
}

async fn gather(
    state: &AppState,
    viewer: &Viewer,
    organization: &organization::Model,
    typed: Rows,
) -> Result<Value, Failure> {
    let language = viewer.language;
    let stored = workflow::rota::rota_of(state, organization).await?;
    let staff = store::parties::staff_of(&state.reads, organization.id).await?;
    let mut names: HashMap<Uuid, String> = staff.iter().map(|party| (party.id, party.display_name.clone())).collect();
    // Someone named on the rota who has since left the staff is still shown by name.
    let named = stored
        .rota
        .shifts
        .iter()
        .map(|shift| shift.party_id)
        .chain(stored.rota.overrides.iter().map(|cover| cover.party_id))
        .chain(stored.managers.iter().copied())
        .chain(stored.escalation.iter().copied());
    let gone: Vec<Uuid> = named.filter(|id| !names.contains_key(id)).collect();
    for party in store::parties::find_many(&state.reads, &gone).await? {
        names.insert(party.id, party.display_name);
    }
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let now = state.clock.now();
    let zone = stored.rota.zone;
    let local = |at| words::local_time(at, zone, language);
    let duty = stored.rota.on_duty(now);
    let gaps: Vec<String> = workflow::rota::gaps_ahead(&stored, now)
        .into_iter()
        .map(|(from, to)| format!("{} – {}", local(from), local(to)))
        .collect();
    let staff_options: Vec<Value> = staff
        .iter()
        .map(|party| {
            let label = match (party.disabled_at.is_some(), language) {
                (false, _) => party.display_name.clone(),
                (true, Language::Ja) => format!("{}（停止中）", party.display_name),
                (true, Language::En) => format!("{} (disabled)", party.display_name),
            };
            words::option(&party.id.to_string(), &label)
        })
        .collect();
    let weekdays: Vec<Value> =
        (1..=7u8).map(|day| words::option(&day.to_string(), words::weekday(day, language))).collect();
    let mut shifts: Vec<Value> = stored
        .rota
        .shifts
        .iter()
        .map(|shift| {
            context! {
                party_id => shift.party_id.to_string(),
                weekdays => shift.weekdays.iter().map(u8::to_string).collect::<Vec<_>>(),
                starts_at => shift.starts_at.format("%H:%M").to_string(),
                ends_at => shift.ends_at.format("%H:%M").to_string(),
                set => true,
            }
        })
        .collect();
    let blank = (shifts.len() + BLANK_SHIFTS).max(typed.shifts) - shifts.len();
    shifts.extend((0..blank).map(|_| context! { party_id => "", weekdays => Vec::<String>::new(), set => false }));
    let escalation_rows = (stored.escalation.len() + 1).clamp(3, MOST_ESCALATION_ROWS).max(typed.escalation);
    let escalation: Vec<String> = (0..escalation_rows)
        .map(|index| stored.escalation.get(index).map(Uuid::to_string).unwrap_or_default())
        .collect();
    let overrides: Vec<Value> = stored
        .override_ids
        .iter()
        .zip(&stored.rota.overrides)
        .filter(|(_, cover)| cover.ends_at > now)
        .map(|(id, cover)| {
            context! { id => id, who => name(&cover.party_id), from => local(cover.starts_at), to => local(cover.ends_at) }
        })
        .collect();
    Ok(context! {
        organization_id => organization.id,
        zone => zone.name(),
        set => stored.set,
        on_duty => duty.party_id.map(|id| name(&id)),
        until => duty.until.map(local),
        gaps => gaps,
        staff => staff_options,
        weekday_options => weekdays,
        shifts => shifts,
        minutes => stored.escalate_after_minutes,
        managers => stored.managers.iter().map(Uuid::to_string).collect::<Vec<_>>(),
        escalation => escalation,
        overrides => overrides,
    })
}
