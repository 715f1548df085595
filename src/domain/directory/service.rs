//! A service as asked for, checked whole: every refusal at once, nothing guessed.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Recurrence, RecurrenceAsked, ServiceKind};
use crate::domain::{calendar, organization, text_enum, Invalid, Note, Refusals, Why, Zone};

text_enum! {
    /// Whether the directory shows a service.
    pub enum ServiceStatus ("service status") {
        Active = "active",
        Inactive = "inactive",
    }
}

pub const NAME_CHARS: usize = 100;
pub const SHORT_CHARS: usize = 500;
pub const AREA_CHARS: usize = organization::AREA_CHARS;
pub const PLACE_CHARS: usize = 200;
pub const MOST_SCHEDULES: usize = 20;
pub const MOST_SESSIONS: usize = 200;
pub const MOST_LANGUAGES: usize = 10;
pub const MOST_CAPACITY: i64 = 10_000;
/// An entry not assured for this long is flagged as not reviewed.
pub const ASSURED_FOR_DAYS: i64 = 365;

/// A one-off session as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAsked {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: Option<i64>,
    pub apply_by: Option<NaiveDate>,
    pub place: Option<String>,
}

/// A one-off session: a family class on a day, with its seats and its deadline to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: Option<u32>,
    /// The last local day to apply, in the service's zone.
    pub apply_by: Option<NaiveDate>,
    pub place: Option<Note>,
}

impl Session {
    pub fn parse(asked: &SessionAsked, zone: Zone, at: &str) -> Result<Self, Refusals> {
        let mut refused = Refusals::default();
        let field = |name: &str| format!("{at}.{name}");
        refused.check(&field("starts_at"), calendar::in_range(zone.date_at(asked.starts_at)));
        if asked.ends_at.is_some_and(|ends| ends <= asked.starts_at) {
            refused.push(&field("ends_at"), Why::EndsBeforeStart.into());
        }
        let capacity = match asked.capacity {
            None => None,
            Some(seats @ 1..=MOST_CAPACITY) => u32::try_from(seats).ok(),
            Some(_) => {
                refused.push(&field("capacity"), Invalid::new(format!("a number of seats from 1 to {MOST_CAPACITY}")));
                None
            }
        };
        if let Some(apply_by) = asked.apply_by {
            let day = zone.date_at(asked.starts_at);
            if apply_by > day {
                let why = Why::OutOfOrder { earlier: "apply_by", first: apply_by, later: "starts_at", second: day };
                refused.push(&field("apply_by"), why.into());
            }
        }
        let place = asked
            .place
            .as_deref()
            .and_then(|raw| refused.check(&field("place"), Note::parse_at_most(raw, PLACE_CHARS)))
            .flatten();
        refused.into_result()?;
        Ok(Self { starts_at: asked.starts_at, ends_at: asked.ends_at, capacity, apply_by: asked.apply_by, place })
    }
}

/// A service as asked for (the API's or an import's fields, as text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceAsked {
    pub name: String,
    pub kinds: Vec<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    pub for_whom: Option<String>,
    pub area: Option<String>,
    pub phone: Option<String>,
    pub languages: Vec<String>,
    pub cost: Option<String>,
    pub how_to_apply: Option<String>,
    pub url: Option<String>,
    pub assured_on: Option<NaiveDate>,
    pub schedules: Vec<RecurrenceAsked>,
    pub sessions: Vec<SessionAsked>,
}

/// A checked service. Schedules keep the ids they are given (`ids`), so that one changed
/// keeps its identity in HSDS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub kinds: Vec<ServiceKind>,
    pub status: ServiceStatus,
    pub description: Option<Note>,
    pub for_whom: Option<Note>,
    pub area: Option<Note>,
    /// E.164.
    pub phone: Option<String>,
    /// BCP 47 language tags, lower-case (`ja`, `en`, `pt-br`).
    pub languages: Vec<String>,
    pub cost: Option<Note>,
    pub how_to_apply: Option<Note>,
    pub url: Option<String>,
    pub assured_on: Option<NaiveDate>,
    pub schedules: Vec<Recurrence>,
    pub sessions: Vec<Session>,
}

fn language_tag(raw: &str) -> Result<String, Invalid> {
    let tag = raw.trim().to_ascii_lowercase();
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|primary| (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_lowercase()));
    let rest_ok = parts.all(|part| (2..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if primary_ok && rest_ok && tag.len() <= 35 {
        Ok(tag)
    } else {
        Err(Invalid::new(format!("{raw} is not a language tag such as ja, en or pt-BR")))
    }
}

fn web_address(raw: &str) -> Result<Option<String>, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match url::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() && raw.len() <= 500 => {
            Ok(Some(url.to_string()))
        }
        _ => Err(Why::NotAUrl.into()),
    }
}

impl Service {
    /// Checks every field of `asked` against `today` (the organisation's local date): an
    /// assurance cannot be dated after it. `ids` are the schedules' ids, in order, as far as
    /// there are any; new ones get `new_id`.
    pub fn parse(
        asked: &ServiceAsked,
        zone: Zone,
        today: NaiveDate,
        ids: &[Uuid],
        new_id: impl Fn() -> Uuid,
    ) -> Result<Self, Refusals> {
        let mut refused = Refusals::default();
        let optional = |refused: &mut Refusals, field: &str, raw: &Option<String>, max: usize| {
            raw.as_deref().and_then(|raw| refused.check(field, Note::parse_at_most(raw, max))).flatten()
        };
        let name = match refused.check("name", Note::parse_at_most(&asked.name, NAME_CHARS)) {
            Some(Some(name)) => Some(name.into_inner()),
            Some(None) => {
                refused.push("name", Why::Required.into());
                None
            }
            None => None,
        };
        let mut kinds = Vec::new();
        for raw in &asked.kinds {
            if let Some(kind) = refused.check("kinds", raw.trim().parse::<ServiceKind>()) {
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
        }
        if asked.kinds.is_empty() {
            refused.push("kinds", Why::Required.into());
        }
        let status = match asked.status.as_deref().map(str::trim) {
            None | Some("") => Some(ServiceStatus::Active),
            Some(raw) => refused.check("status", raw.parse()),
        };
        let description = optional(&mut refused, "description", &asked.description, Note::MAX_CHARS);
        let for_whom = optional(&mut refused, "for_whom", &asked.for_whom, SHORT_CHARS);
        let area = optional(&mut refused, "area", &asked.area, AREA_CHARS);
        let cost = optional(&mut refused, "cost", &asked.cost, SHORT_CHARS);
        let how_to_apply = optional(&mut refused, "how_to_apply", &asked.how_to_apply, SHORT_CHARS);
        let phone =
            asked.phone.as_deref().and_then(|raw| refused.check("phone", organization::parse_phone(raw))).flatten();
        let url = asked.url.as_deref().and_then(|raw| refused.check("url", web_address(raw))).flatten();
        let mut languages = Vec::new();
        for raw in &asked.languages {
            if let Some(tag) = refused.check("languages", language_tag(raw)) {
                if !languages.contains(&tag) {
                    languages.push(tag);
                }
            }
        }
        if asked.languages.len() > MOST_LANGUAGES {
            refused.push("languages", Invalid::new(format!("at most {MOST_LANGUAGES} languages")));
        }
        let assured_on = asked.assured_on.and_then(|day| refused.check("assured_on", calendar::happened(day, today)));
        if asked.schedules.len() > MOST_SCHEDULES {
            refused.push("schedules", Invalid::new(format!("at most {MOST_SCHEDULES} schedules")));
        }
        if asked.sessions.len() > MOST_SESSIONS {
            refused.push("sessions", Invalid::new(format!("at most {MOST_SESSIONS} sessions")));
        }
        let schedules: Vec<Recurrence> = asked
            .schedules
            .iter()
            .take(MOST_SCHEDULES)
            .enumerate()
            .filter_map(|(at, rule)| {
                let id = ids.get(at).copied().unwrap_or_else(&new_id);
                refused.check_all(Recurrence::parse(rule, id, &format!("schedules[{at}]")))
            })
            .collect();
        let mut sessions: Vec<Session> = asked
            .sessions
            .iter()
            .take(MOST_SESSIONS)
            .enumerate()
            .filter_map(|(at, session)| refused.check_all(Session::parse(session, zone, &format!("sessions[{at}]"))))
            .collect();
        sessions.sort_by_key(|session| session.starts_at);
        sessions.dedup_by_key(|session| session.starts_at);
        refused.into_result()?;
        let (Some(name), Some(status)) = (name, status) else {
            return Err(Refusals::one("name", Why::Required.into()));
        };
        Ok(Self {
            name,
            kinds,
            status,
            description,
            for_whom,
            area,
            phone,
            languages,
            cost,
            how_to_apply,
            url,
            assured_on,
            schedules,
            sessions,
        })
    }

    /// Whether the entry is due for review: never assured, or not for `ASSURED_FOR_DAYS`.
    pub fn needs_review(assured_on: Option<NaiveDate>, today: NaiveDate) -> bool {
        assured_on.is_none_or(|on| (today - on).num_days() > ASSURED_FOR_DAYS)
    }
}
