//! `GET /help/family-classes.ics?area=…`: every family class of an area (or of everywhere) for
//! the coming year, as an iCalendar feed anyone may subscribe to. Public: it names no person.

use poem::{
    handler,
    web::{Data, Query},
    Response,
};

use super::HelpQuery;
use crate::{
    domain::{calendar::add_days, directory::ServiceKind, ical, organization::phone_for_people},
    state::AppState,
    workflow::services::{self as directory, Search},
};

/// How far ahead the feed looks.
const FEED_DAYS: i64 = 365;

#[handler]
pub async fn family_class_feed(state: Data<&AppState>, query: Query<HelpQuery>) -> Response {
    let area = query.0.area.map(|area| area.trim().to_owned()).filter(|area| !area.is_empty());
    let search = Search { kind: Some(ServiceKind::FamilyClass), area: area.clone(), ..Search::default() };
    let found = match directory::search(&state, &search).await {
        Ok(found) => found,
        Err(err) => return super::super::frame::failed(err),
    };
    let now = state.clock.now();
    let mut out = String::new();
    ical::line(&mut out, "BEGIN:VCALENDAR");
    ical::line(&mut out, "VERSION:2.0");
    ical::line(&mut out, "PRODID:-//Tsunagu//Directory of help//JA");
    ical::line(&mut out, "CALSCALE:GREGORIAN");
    let name = match &area {
        Some(area) => format!("家族教室 Family classes – {area}"),
        None => "家族教室 Family classes".to_owned(),
    };
    ical::line(&mut out, &format!("X-WR-CALNAME:{}", ical::text(&name)));
    for listed in &found {
        let today = listed.organization.timezone.date_at(now);
        let Some(until) = add_days(today, FEED_DAYS) else { continue };
        for occurrence in directory::occurrences(listed, today, until) {
            let row = &listed.service.row;
            ical::line(&mut out, "BEGIN:VEVENT");
            ical::line(&mut out, &format!("UID:{}-{}@tsunagu", occurrence.id, ical::date(occurrence.day)));
            ical::line(&mut out, &format!("DTSTAMP:{}", ical::instant(row.updated_at)));
            ical::line(&mut out, &format!("DTSTART:{}", ical::instant(occurrence.starts_at)));
            if let Some(ends) = occurrence.ends_at {
                ical::line(&mut out, &format!("DTEND:{}", ical::instant(ends)));
            }
            ical::line(&mut out, &format!("SUMMARY:{}", ical::text(&row.name)));
            let place = occurrence.session.as_ref().and_then(|session| session.place.clone());
            if let Some(place) = place {
                ical::line(&mut out, &format!("LOCATION:{}", ical::text(&place)));
            }
            let mut about = vec![listed.organization.name.clone()];
            if let Some(phone) = row.phone.as_deref().or(listed.organization.phone.as_deref()) {
                about.push(format!("TEL {}", phone_for_people(phone)));
            }
            if let Some(session) = &occurrence.session {
                if let Some(seats) = session.capacity {
                    about.push(format!("定員 Capacity {seats}"));
                }
                if let Some(apply_by) = session.apply_by {
                    about.push(format!("申込期限 Apply by {apply_by}"));
                }
            }
            if let Some(how) = &row.how_to_apply {
                about.push(how.clone());
            }
            ical::line(&mut out, &format!("DESCRIPTION:{}", ical::text(&about.join("\n"))));
            ical::line(&mut out, "END:VEVENT");
        }
    }
    ical::line(&mut out, "END:VCALENDAR");
    Response::builder()
        .content_type("text/calendar; charset=utf-8")
        .header("cache-control", "public, max-age=300")
        .body(out)
}
