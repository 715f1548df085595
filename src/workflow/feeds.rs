//! Calendar feeds: a capability URL per party serving what that party may see as iCalendar.

use chrono::NaiveDate;
use sea_orm::DbErr;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::provision::{Provided, Provision, ProvisionChannel, Recipient};
use crate::{
    auth::{capability_hash, new_capability_token},
    domain::{
        ical,
        risk::wording,
        wording::{calendar_name, date_label, discreet_title, projected_mark, Reader},
        words::about,
        Language,
    },
    state::AppState,
    store::{self, links::scope_of},
    workflow::{self, WorkflowError},
};

/// A feed just made: its secret, and whether it replaced one (whose URL no longer works).
pub struct NewFeed {
    pub token: String,
    pub replaced: bool,
}

/// A new secret for the party's feed (256 bits); any earlier URL stops working. Event titles
/// name what is coming only when `detailed_titles`; otherwise they say 「つなぐ：大切な日」.
pub async fn create_or_rotate(state: &AppState, party_id: Uuid, detailed_titles: bool) -> Result<NewFeed, DbErr> {
    let token = new_capability_token();
    let txn = state.db.begin().await?;
    let replaced =
        store::feeds::replace(&txn, party_id, capability_hash(&token), detailed_titles, state.clock.now()).await?;
    txn.commit().await?;
    Ok(NewFeed { token, replaced })
}

pub async fn revoke(state: &AppState, party_id: Uuid) -> Result<bool, DbErr> {
    store::feeds::delete(&state.db, party_id).await
}

fn uid(parts: &[&str]) -> String {
    let digest: String =
        Sha256::digest(parts.join("|").as_bytes()).iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{digest}@tsunagu")
}

/// An alarm at 09:00 local time, `lead` days before an all-day event.
fn trigger(lead: u32) -> String {
    match lead {
        0 => "PT9H".to_owned(),
        1 => "-PT15H".to_owned(),
        lead => format!("-P{}DT15H", lead - 1),
    }
}

struct Event {
    uid: String,
    sequence: i64,
    first: NaiveDate,
    last: NaiveDate,
    summary: String,
    description: Option<String>,
    alarms: Vec<u32>,
}

/// The feed behind `token`, or `None` for a token that names no feed (revoked or never made).
pub async fn render(state: &AppState, token: &str) -> Result<Option<String>, WorkflowError> {
    let Some(feed) = store::feeds::with_hash(&state.reads, &capability_hash(token)).await? else {
        return Ok(None);
    };
    let Some(party) = store::parties::find(&state.reads, feed.party_id).await? else { return Ok(None) };
    let language: Language = party.language;
    let reader = Reader::of_role(party.role);
    // What a lock screen shows: the detail only for an owner who chose it.
    let titled = |detail: &str| if feed.detailed_titles { detail.to_owned() } else { discreet_title(language) };
    let now = state.clock.now();
    let mut events = Vec::new();
    for link in store::links::links_of_party(&state.reads, party.id, now).await? {
        let scope = scope_of(&link)?;
        let Some(person) = store::persons::find(&state.reads, link.person_id).await? else { continue };
        let zone: crate::domain::Zone = person.timezone;
        let today = zone.date_at(now);
        let mut provided = Vec::new();
        let schedule = workflow::current_schedule(state, person.id, zone, &scope).await?;
        let version_of = |id: Uuid| schedule.milestones.iter().find(|(m, _)| *m == id).map_or(0, |(_, m)| m.version);
        for period in &schedule.periods {
            if period.is_over(today) {
                continue;
            }
            let Some(rule) = state.rules.iter().find(|rule| rule.id == period.rule_id) else { continue };
            let words = wording(rule, reader, language);
            provided.push(format!("period {} {} … {}", period.rule_id, period.starts_on, period.ends_on));
            let (kind, mark) = if period.projected {
                ("projected-period", projected_mark(reader, language))
            } else {
                ("period", String::new())
            };
            let detail = about(&person.display_name, &format!("{}{mark}", words.title), language);
            events.push(Event {
                uid: uid(&[kind, &party.id.to_string(), &period.rule_id, &period.source_id.to_string()]),
                sequence: version_of(period.source_id),
                first: period.starts_on,
                last: period.ends_on,
                summary: titled(&detail),
                description: Some(format!("{detail}\n{}", words.why)),
                alarms: rule.lead_days.clone(),
            });
        }
        // The schedule is already cut to the link's scope.
        for date in schedule.dates() {
            let workflow::ScheduledDate { source_id, label, on, version: sequence, projected, .. } = date;
            if on < today {
                continue;
            }
            provided.push(format!("{label} {on}"));
            let (kind, mark) =
                if projected { ("projected-date", projected_mark(reader, language)) } else { ("date", String::new()) };
            let detail =
                about(&person.display_name, &format!("{}{mark}", date_label(label, reader, language)), language);
            events.push(Event {
                uid: uid(&[kind, &party.id.to_string(), &source_id.to_string(), label]),
                sequence,
                first: on,
                last: on,
                summary: titled(&detail),
                description: Some(detail),
                alarms: vec![1],
            });
        }
        if !provided.is_empty() {
            let provision = Provision {
                person_id: person.id,
                channel: ProvisionChannel::CalendarFeed,
                recipient: Recipient::Party(party.id),
                provided: Provided::Calendar { dates: provided },
                link_id: Some(link.id),
                source_id: None,
            };
            store::provisions::record(&state.db, provision, now).await?;
        }
    }
    let mut out = String::new();
    for fixed in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tsunagu//Reentry support//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        ical::line(&mut out, fixed);
    }
    ical::line(&mut out, &format!("X-WR-CALNAME:{}", ical::text(&calendar_name(language))));
    let stamp = ical::instant(now);
    for event in events {
        ical::line(&mut out, "BEGIN:VEVENT");
        ical::line(&mut out, &format!("UID:{}", event.uid));
        ical::line(&mut out, &format!("DTSTAMP:{stamp}"));
        ical::line(&mut out, &format!("SEQUENCE:{}", event.sequence));
        ical::line(&mut out, &format!("DTSTART;VALUE=DATE:{}", ical::date(event.first)));
        ical::line(&mut out, &format!("DTEND;VALUE=DATE:{}", ical::date(event.last.succ_opt().unwrap_or(event.last))));
        ical::line(&mut out, &format!("SUMMARY:{}", ical::text(&event.summary)));
        if let Some(description) = &event.description {
            ical::line(&mut out, &format!("DESCRIPTION:{}", ical::text(description)));
        }
        ical::line(&mut out, "TRANSP:TRANSPARENT");
        for lead in event.alarms {
            ical::line(&mut out, "BEGIN:VALARM");
            ical::line(&mut out, "ACTION:DISPLAY");
            ical::line(&mut out, &format!("DESCRIPTION:{}", ical::text(&event.summary)));
            ical::line(&mut out, &format!("TRIGGER:{}", trigger(lead)));
            ical::line(&mut out, "END:VALARM");
        }
        ical::line(&mut out, "END:VEVENT");
    }
    ical::line(&mut out, "END:VCALENDAR");
    Ok(Some(out))
}
