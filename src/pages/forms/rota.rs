//! The rota page's forms: the weekly shifts with the ladder's settings, an override, and an
//! override's removal. Staff of the organisation and admins; anyone else gets 404. A refused
//! form comes back with every value as typed and why beside each field.

use poem::{
    handler,
    web::{Data, Path},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{access_failed, poster, read_form, refused_form, Posted};
use crate::{
    access,
    domain::{Invalid, Refusal, Refusals, Why},
    entity::organization,
    pages::{
        frame::{failed, id_of, not_found, see_other, Viewer},
        rota::{rota, Rows},
        staff::Shown,
    },
    state::AppState,
    workflow::{
        self,
        rota::{RotaAsked, ShiftAsked},
        WorkflowError,
    },
};

/// The most shift rows a form is read for: the rota's limit and the blank rows beyond it.
const MOST_ROWS: usize = crate::domain::rota::MAX_SHIFTS + 10;

/// The viewer, the organisation whose rota it is (the access decision audited), and the form.
async fn rota_form(
    req: &Request,
    state: &AppState,
    raw_id: &str,
    body: Body,
    action: &'static str,
) -> Result<(Viewer, organization::Model, Posted), Response> {
    let viewer = poster(req, state).await?;
    let Some(id) = id_of(raw_id) else { return Err(not_found(req, viewer.language)) };
    let organization = access::organization_roll(state, &viewer.principal, id, action)
        .await
        .map_err(|err| access_failed(req, &viewer, err))?;
    let posted = read_form(req, &viewer, body).await?;
    Ok((viewer, organization, posted))
}

/// Back to the rota page with a notice, or the page again with the form as typed and why.
async fn answer<T>(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    organization: &organization::Model,
    (form, posted): (&str, &Posted),
    done: Result<T, WorkflowError>,
    notice: &str,
) -> Response {
    match done {
        Ok(_) => see_other(&format!("/app/organizations/{}/rota?done={notice}", organization.id)),
        Err(WorkflowError::NotFound) => not_found(req, viewer.language),
        Err(err) => match refused_form(&err, posted, form, viewer.language) {
            Some((status, problem, refused)) => {
                let shown = Shown { problem: Some(problem), posted: Some(refused), notice: None };
                rota(req, state, viewer, organization, (status, shown, rows_typed(posted))).await
            }
            None => failed(err),
        },
    }
}

/// How many rows of each list the form came with.
fn rows_typed(posted: &Posted) -> Rows {
    let count =
        |field: &dyn Fn(usize) -> String| (0..MOST_ROWS).take_while(|row| !posted.all(&field(*row)).is_empty()).count();
    Rows {
        shifts: count(&|row| format!("shifts[{row}].party_id")),
        escalation: count(&|place| format!("escalation[{place}]")),
    }
}

/// A staff member chosen in `field`: `None`, and refused beside the field, when none was or
/// what was sent is not an id (the workflow then checks the id is one of the staff).
fn party(posted: &Posted, field: &str, refusals: &mut Refusals) -> Option<Uuid> {
    let chosen = match posted.text(field) {
        "" => Err(Why::Required),
        typed => id_of(typed).ok_or(Why::NotStaffHere),
    };
    refusals.check(field, chosen.map_err(Invalid::from))
}

/// The rota as the form asks for it. Blank shift rows and those marked to remove are left out;
/// the rows kept are numbered as the workflow sees them, and `rows` says which row of the form
/// each is, so that its refusals are shown beside the fields typed.
fn asked(posted: &Posted) -> (RotaAsked, Vec<usize>, Vec<usize>) {
    let mut refused = Refusals::default();
    let mut shifts = Vec::new();
    let mut rows = Vec::new();
    for row in 0..MOST_ROWS {
        let field = |part: &str| format!("shifts[{row}].{part}");
        if posted.all(&field("party_id")).is_empty() {
            break;
        }
        let weekdays = posted.all(&field("weekdays"));
        let (starts_at, ends_at) = (posted.text(&field("starts_at")), posted.text(&field("ends_at")));
        let blank = posted.text(&field("party_id")).is_empty()
            && weekdays.is_empty()
            && starts_at.is_empty()
            && ends_at.is_empty();
        if blank || posted.text(&field("remove")) == "yes" {
            continue;
        }
        let index = shifts.len();
        let party_id = party(posted, &format!("shifts[{index}].party_id"), &mut refused);
        let weekdays = weekdays
            .iter()
            .filter_map(|day| {
                let read = day.parse::<i64>().map_err(|_| Invalid::from(Why::Between { min: 1, max: 7 }));
                refused.check(&format!("shifts[{index}].weekdays"), read)
            })
            .collect();
        shifts.push(ShiftAsked { party_id, weekdays, starts_at: starts_at.to_owned(), ends_at: ends_at.to_owned() });
        rows.push(row);
    }
    let escalate_after_minutes = match posted.text("escalate_after_minutes") {
        "" => {
            refused.push("escalate_after_minutes", Why::Required.into());
            None
        }
        typed => typed.parse::<i64>().ok().or_else(|| {
            let bounds = crate::domain::rota::ESCALATE_AFTER;
            refused.push("escalate_after_minutes", Why::Between { min: bounds.0, max: bounds.1 }.into());
            None
        }),
    };
    let mut managers = Vec::new();
    for typed in posted.all("managers") {
        match id_of(typed) {
            Some(id) => managers.push(id),
            None => refused.push("managers", Why::NotStaffHere.into()),
        }
    }
    let mut escalation = Vec::new();
    let mut places = Vec::new();
    for place in 0..crate::domain::rota::MAX_SHIFTS {
        let field = format!("escalation[{place}]");
        if posted.all(&field).is_empty() {
            break;
        }
        match posted.text(&field) {
            "" => continue,
            typed => match id_of(typed) {
                Some(id) => {
                    escalation.push(id);
                    places.push(place);
                }
                // Not an id: it takes no place in the list, and is refused beside the list.
                None => refused.push("escalation", Why::NotStaffHere.into()),
            },
        }
    }
    let asked = RotaAsked { shifts, escalate_after_minutes, managers, escalation, refused };
    (asked, rows, places)
}

/// A refusal's field as the form names it: `shifts[n]` and `escalation[n]` are the rows of the
/// form they came from, and every manager is one field.
fn on_the_form(refusal: Refusal, rows: &[usize], places: &[usize]) -> Refusal {
    let renumbered = |list: &str, positions: &[usize], field: &str| -> Option<String> {
        let rest = field.strip_prefix(list)?.strip_prefix('[')?;
        let (index, tail) = rest.split_once(']')?;
        let row = positions.get(index.parse::<usize>().ok()?)?;
        Some(format!("{list}[{row}]{tail}"))
    };
    let field = if refusal.field.starts_with("managers") {
        "managers".to_owned()
    } else {
        renumbered("shifts", rows, &refusal.field)
            .or_else(|| renumbered("escalation", places, &refusal.field))
            .unwrap_or(refusal.field.clone())
    };
    Refusal { field, ..refusal }
}

/// `POST /app/organizations/{id}/rota`: the weekly shifts, the wait, the escalation list and
/// the managers, as they are to be.
#[handler]
pub async fn set_rota(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, organization, posted) = match rota_form(req, &state, &id.0, body, "rota.set").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let (asked, rows, places) = asked(&posted);
    let done = workflow::rota::set_rota(&state, &organization, asked).await.map_err(|err| match err {
        WorkflowError::Refused(refusals) => WorkflowError::Refused(Refusals(
            refusals.0.into_iter().map(|refusal| on_the_form(refusal, &rows, &places)).collect(),
        )),
        err => err,
    });
    answer(req, &state, &viewer, &organization, ("rota", &posted), done, "rota").await
}

/// `POST /app/organizations/{id}/rota/overrides`: someone on duty between two local times of
/// the organisation's zone.
#[handler]
pub async fn add_rota_override(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, organization, posted) = match rota_form(req, &state, &id.0, body, "rota.override").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let party_id = party(&posted, "party_id", &mut refusals);
    let zone = organization.timezone;
    let starts_at = refusals.check("starts_at", zone.parse_local(posted.text("starts_at")));
    let ends_at = refusals.check("ends_at", zone.parse_local(posted.text("ends_at")));
    let done = match (party_id, starts_at, ends_at) {
        (Some(party_id), Some(starts_at), Some(ends_at)) if refusals.is_empty() => {
            workflow::rota::add_override(&state, &organization, party_id, starts_at, ends_at).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    answer(req, &state, &viewer, &organization, ("override", &posted), done, "override").await
}

/// `POST /app/rota-overrides/{id}/remove`: staff of its organisation, and admins.
#[handler]
pub async fn remove_rota_override(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let cover = match id_of(&id.0) {
        Some(id) => workflow::rota::find_override(&state, id).await,
        None => Ok(None),
    };
    let cover = match cover {
        Ok(Some(cover)) => cover,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    let organization =
        match access::organization_roll(&state, &viewer.principal, cover.organization_id, "rota.override").await {
            Ok(organization) => organization,
            Err(err) => return access_failed(req, &viewer, err),
        };
    match workflow::rota::remove_override(&state, cover.id).await {
        Ok(()) => see_other(&format!("/app/organizations/{}/rota?done=override-removed", organization.id)),
        Err(err) => failed(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Posted {
        Posted::from_query(body).unwrap()
    }

    #[test]
    fn blank_and_removed_rows_are_left_out_and_refusals_go_back_to_their_rows() {
        let posted = form(
            "shifts%5B0%5D.party_id=&shifts%5B0%5D.starts_at=&shifts%5B0%5D.ends_at=\
             &shifts%5B1%5D.party_id=00000000-0000-0000-0000-000000000001&shifts%5B1%5D.weekdays=1\
             &shifts%5B1%5D.starts_at=09:00&shifts%5B1%5D.ends_at=18:00&shifts%5B1%5D.remove=yes\
             &shifts%5B2%5D.party_id=&shifts%5B2%5D.weekdays=6&shifts%5B2%5D.weekdays=sat\
             &shifts%5B2%5D.starts_at=22:00&shifts%5B2%5D.ends_at=09:00\
             &escalate_after_minutes=45&escalation%5B0%5D=&escalation%5B1%5D=nobody\
             &escalation%5B2%5D=00000000-0000-0000-0000-000000000002",
        );
        let (asked, rows, places) = asked(&posted);
        let typed = rows_typed(&posted);
        assert_eq!((typed.shifts, typed.escalation), (3, 3), "every row typed is shown again");
        assert_eq!(asked.shifts.len(), 1, "the blank row and the removed one are left out");
        assert_eq!(rows, vec![2]);
        assert_eq!(asked.escalate_after_minutes, Some(45));
        // What cannot be read is refused as typed, never read as something else.
        assert_eq!(asked.shifts[0].weekdays, vec![6], "\"sat\" is not taken for a day");
        assert_eq!(asked.escalation, vec![Uuid::from_u128(2)], "\"nobody\" takes no place");
        assert_eq!(places, vec![2]);
        let mut refused = asked.refused.0;
        // As the workflow would refuse its own: the first of the list, and a manager.
        refused.push(Refusal { field: "escalation[0]".to_owned(), why: Why::NotStaffHere.into() });
        refused.push(Refusal { field: "managers[3]".to_owned(), why: Why::NotStaffHere.into() });
        let fields: Vec<String> =
            refused.into_iter().map(|refusal| on_the_form(refusal, &rows, &places).field).collect();
        // The form's third row is refused there, not in the first; the list's second place
        // beside the list, its third in its place.
        assert_eq!(fields, ["shifts[2].party_id", "shifts[2].weekdays", "escalation", "escalation[2]", "managers"]);
    }
}
