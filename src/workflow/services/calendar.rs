//! When the directory's services meet: each recurring schedule's days and each one-off
//! session, as instants, between two local days of each service's zone.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::Listed;

/// One meeting of a service.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// The schedule's or the session's id.
    pub id: Uuid,
    /// The local day it falls on, in the service's zone.
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// For a one-off session: its place, seats and deadline to apply.
    pub session: Option<crate::entity::service_session::Model>,
}

/// Every meeting of `listed` from `from` through `to` (local days of its zone), in time order.
pub fn occurrences(listed: &Listed, from: NaiveDate, to: NaiveDate) -> Vec<Occurrence> {
    let zone = listed.organization.timezone;
    let mut found = Vec::new();
    for rule in &listed.service.schedules {
        for day in rule.dates(from, to) {
            found.push(Occurrence {
                id: rule.id,
                day,
                starts_at: zone.at_local(day.and_time(rule.opens_at)),
                ends_at: Some(zone.at_local(day.and_time(rule.closes_at))),
                session: None,
            });
        }
    }
    for session in &listed.service.sessions {
        let day = zone.date_at(session.starts_at);
        if day >= from && day <= to {
            found.push(Occurrence {
                id: session.id,
                day,
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                session: Some(session.clone()),
            });
        }
    }
    found.sort_by_key(|occurrence| occurrence.starts_at);
    found
}

/// Whether a service is open or meeting at `now` in its zone.
pub fn open_now(listed: &Listed, now: DateTime<Utc>) -> bool {
    let local = now.with_timezone(&listed.organization.timezone.tz()).naive_local();
    listed.service.schedules.iter().any(|rule| rule.open_at(local.date(), local.time()))
        || listed
            .service
            .sessions
            .iter()
            .any(|session| session.starts_at <= now && session.ends_at.is_some_and(|ends| now < ends))
}
