//! Reading another directory's HSDS 3.0 export: an array of services (`compiled/service.json`
//! shape), or a page of them (`{"contents": [...]}`). Each becomes a service as asked for; it
//! is then checked like any other. One-off sessions travel in HSDS as schedules with `count`
//! 1 and a `dtstart`, which is how Tsunagu writes them too.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde_json::Value;

use super::{RecurrenceAsked, ServiceAsked, SessionAsked};
use crate::domain::{Invalid, Zone};

/// At most this many services in one file.
pub const MOST_SERVICES: usize = 500;

/// One service of the file, numbered from 1 in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsdsEntry {
    pub row: usize,
    pub asked: ServiceAsked,
    /// Fields the file gives in a form this service cannot read, with why.
    pub unreadable: Vec<(String, Invalid)>,
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned).filter(|text| !text.trim().is_empty())
}

fn date(value: &Value, key: &str, unreadable: &mut Vec<(String, Invalid)>) -> Option<NaiveDate> {
    let raw = text(value, key)?;
    // HSDS writes dates as text; a date-time's day is taken as written.
    let day = raw.get(..10).and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok());
    if day.is_none() {
        unreadable.push((key.to_owned(), crate::domain::Why::NotADate.into()));
    }
    day
}

/// A session's start: an instant with its offset, or a local date-time read in `zone`.
fn instant(raw: &str, zone: Zone) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok().map(|local| zone.at_local(local)))
        .or_else(|| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").ok().map(|local| zone.at_local(local)))
}

/// A time of day as HSDS writes it (`18:30`, `18:30:00`, `18:30+09:00`): the local time.
fn clock(raw: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(raw.get(..5)?, "%H:%M").ok()
}

/// A one-off schedule's start and end: `dtstart` as an instant, or its date with `opens_at`
/// (and `closes_at`) read in `zone`.
fn session_times(schedule: &Value, zone: Zone) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let raw = text(schedule, "dtstart")?;
    if let Some(at) = instant(&raw, zone) {
        return Some((at, None));
    }
    let day = NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok()?;
    let opens = text(schedule, "opens_at").and_then(|raw| clock(&raw))?;
    let closes = text(schedule, "closes_at").and_then(|raw| clock(&raw));
    Some((zone.at_local(day.and_time(opens)), closes.map(|closes| zone.at_local(day.and_time(closes)))))
}

fn entry(row: usize, service: &Value, zone: Zone) -> HsdsEntry {
    let mut unreadable = Vec::new();
    let status = text(service, "status").map(|status| match status.as_str() {
        "active" => "active".to_owned(),
        "inactive" | "defunct" | "temporarily closed" => "inactive".to_owned(),
        other => other.to_owned(),
    });
    let phone = service
        .get("phones")
        .and_then(Value::as_array)
        .and_then(|phones| phones.first())
        .and_then(|phone| text(phone, "number"));
    let languages = service
        .get("languages")
        .and_then(Value::as_array)
        .map(|languages| languages.iter().filter_map(|language| text(language, "code")).collect())
        .unwrap_or_default();
    let area = service
        .get("service_areas")
        .and_then(Value::as_array)
        .and_then(|areas| areas.first())
        .and_then(|area| text(area, "name").or_else(|| text(area, "description")));
    let mut schedules = Vec::new();
    let mut sessions = Vec::new();
    for (at, schedule) in service.get("schedules").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let once = schedule.get("count").and_then(Value::as_f64) == Some(1.0);
        if once {
            match session_times(schedule, zone) {
                Some((starts_at, ends_at)) => {
                    sessions.push(SessionAsked { starts_at, ends_at, capacity: None, apply_by: None, place: None })
                }
                None => unreadable.push((format!("schedules[{at}].dtstart"), crate::domain::Why::NotADateTime.into())),
            }
            continue;
        }
        schedules.push(RecurrenceAsked {
            freq: text(schedule, "freq").unwrap_or_default(),
            byday: text(schedule, "byday"),
            bymonthday: text(schedule, "bymonthday"),
            opens_at: text(schedule, "opens_at").map(|time| time.chars().take(5).collect()).unwrap_or_default(),
            closes_at: text(schedule, "closes_at").map(|time| time.chars().take(5).collect()).unwrap_or_default(),
            // `freq` is upper case in HSDS; the check reads either.
            valid_from: date(schedule, "valid_from", &mut unreadable),
            valid_to: date(schedule, "valid_to", &mut unreadable),
        });
    }
    let asked = ServiceAsked {
        name: text(service, "name").unwrap_or_default(),
        kinds: Vec::new(),
        status,
        description: text(service, "description"),
        for_whom: text(service, "eligibility_description"),
        area,
        phone,
        languages,
        cost: text(service, "fees_description"),
        how_to_apply: text(service, "application_process"),
        url: text(service, "url"),
        assured_on: date(service, "assured_date", &mut unreadable),
        schedules,
        sessions,
    };
    HsdsEntry { row, asked, unreadable }
}

/// The services of an export, or why the file as a whole cannot be read.
pub fn read(file: &Value, zone: Zone) -> Result<Vec<HsdsEntry>, Invalid> {
    let services = match file {
        Value::Array(services) => services,
        Value::Object(page) => match page.get("contents") {
            Some(Value::Array(services)) => services,
            _ => return Err(Invalid::new("an HSDS export is an array of services, or a page with `contents`")),
        },
        _ => return Err(Invalid::new("an HSDS export is an array of services, or a page with `contents`")),
    };
    if services.len() > MOST_SERVICES {
        return Err(crate::domain::Why::TooManyRows { most: MOST_SERVICES }.into());
    }
    Ok(services.iter().enumerate().map(|(at, service)| entry(at + 1, service, zone)).collect())
}
