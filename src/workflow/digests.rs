//! The daily digest: once a day at the reader's `digest_at` (local time, outside quiet hours),
//! one e-mail listing, for each of their persons, what is under way or coming in the next 7
//! days within their consent. An empty digest is not sent; a day's digest is written once per
//! party however many instances tick (a unique row per party and local date).

use crate::entity::party;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::provision;
use crate::{
    domain::{
        channels::{Channel, ContactStatus},
        risk::wording,
        wording::{Reader, Wording},
        Language, Zone,
    },
    outbox::{
        compose::{self, Period, Provided},
        Reach,
    },
    state::AppState,
    store::{
        self,
        links::scope_of,
        outbox::{NewMessage, EMAIL},
    },
    workflow::{self, WorkflowError},
};

/// How far ahead a digest looks.
pub const DAYS_AHEAD: i64 = 7;
const PAGE: u64 = 200;

/// Writes the digests now due; returns how many were sent (non-empty ones).
///
/// One reader whose records cannot be read is logged and skipped; only a database that cannot
/// be reached stops the step.
pub async fn write_due(state: &AppState) -> Result<usize, WorkflowError> {
    if state.outbox.reach.mailer.is_none() {
        return Ok(0);
    }
    let now = state.clock.now();
    let mut written = 0;
    let mut after = None;
    loop {
        let readers = store::parties::digest_readers(&state.db, after, PAGE).await?;
        // Who is due now, and of those, whose digest for the day is not yet written: one query
        // for the page, not one per reader on every tick of the day.
        let mut due = Vec::new();
        for party in &readers {
            match due_today(party, now) {
                Ok(Some(today)) => due.push((party, today)),
                Ok(None) => {}
                Err(err) => tracing::error!(party = %party.id, error = %err, "digest skipped"),
            }
        }
        let asked: Vec<(uuid::Uuid, chrono::NaiveDate)> = due.iter().map(|(party, today)| (party.id, *today)).collect();
        let already = store::digests::written(&state.db, &asked).await?;
        for (party, today) in due.into_iter().filter(|(party, today)| !already.contains(&(party.id, *today))) {
            match digest_for(state, party, today, now).await {
                Ok(sent) => written += usize::from(sent),
                Err(WorkflowError::Database(err)) => return Err(WorkflowError::Database(err)),
                Err(err) => tracing::error!(party = %party.id, error = %err, "digest skipped"),
            }
        }
        match readers.last() {
            Some(last) if readers.len() as u64 == PAGE => after = Some(last.id),
            _ => return Ok(written),
        }
    }
}

/// The reader's local date if their digest hour has come and quiet hours do not hold it.
fn due_today(party: &party::Model, now: DateTime<Utc>) -> Result<Option<NaiveDate>, store::Corrupt> {
    let preferences = store::parties::preferences_of(party)?;
    let zone: Zone = party.timezone;
    let local = now.with_timezone(&zone.tz());
    let quiet = store::parties::quiet_hours_of(party)?;
    let held = local.time() < preferences.digest_at || quiet.is_some_and(|quiet| quiet.contains(local.time()));
    Ok((!held).then(|| local.date_naive()))
}

async fn digest_for(
    state: &AppState,
    party: &party::Model,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, WorkflowError> {
    let addresses: Vec<crate::entity::contact_point::Model> = store::contact_points::of_party(&state.db, party.id)
        .await?
        .into_iter()
        .filter(|contact| contact.channel == Channel::Email && contact.status == ContactStatus::Confirmed)
        .collect();
    if addresses.is_empty() {
        return Ok(false);
    }
    let language: Language = party.language;
    let until = crate::domain::calendar::add_days(today, DAYS_AHEAD).unwrap_or(chrono::NaiveDate::MAX);
    let mut listed = Vec::new();
    for link in store::links::links_of_party(&state.db, party.id, now).await? {
        let relationship = link.relationship;
        let scope = scope_of(&link)?;
        let Some(person) = store::persons::find(&state.db, link.person_id).await? else { continue };
        let person_zone: Zone = person.timezone;
        let schedule = workflow::current_schedule(state, person.id, person_zone, &scope).await?;
        for period in schedule.periods {
            let Some(rule) = state.rules.iter().find(|rule| rule.id == period.rule_id) else { continue };
            let ahead = period.starts_on <= until && period.ends_on >= today;
            if period.projected || !ahead || !rule.audience.contains(&relationship) {
                continue;
            }
            listed.push((
                person.display_name.clone(),
                link.id,
                person.id,
                rule,
                period,
                Reader::of_relationship(relationship),
            ));
        }
    }
    listed.sort_by(|a, b| (a.4.starts_on, &a.0).cmp(&(b.4.starts_on, &b.0)));
    let words: Vec<Wording> =
        listed.iter().map(|(_, _, _, rule, _, reader)| wording(rule, *reader, language)).collect();
    let periods: Vec<Period<'_>> = listed
        .iter()
        .zip(&words)
        .map(|((name, _, _, _, period, _), words)| Period {
            person_name: name,
            title: &words.title,
            why: &words.why,
            severity: period.severity,
            starts_on: period.starts_on,
            ends_on: period.ends_on,
        })
        .collect();
    let provides: Vec<Provided> = listed
        .iter()
        .map(|(_, link_id, person_id, rule, period, _)| Provided {
            person_id: *person_id,
            link_id: Some(*link_id),
            items: provision::Provided::DigestLine(provision::PeriodNamed {
                rule: rule.id.clone(),
                severity: period.severity,
                starts_on: period.starts_on,
                ends_on: period.ends_on,
            })
            .items(),
        })
        .collect();
    let txn = state.db.begin().await?;
    let Some(digest_id) = store::digests::claim(&txn, party.id, today, periods.len(), now).await? else {
        return Ok(false);
    };
    if !periods.is_empty() {
        let messages = addresses
            .iter()
            .map(|contact| {
                digest_message(
                    &state.outbox.reach,
                    party,
                    contact,
                    digest_id,
                    &periods,
                    today,
                    language,
                    provides.clone(),
                )
            })
            .collect();
        store::outbox::enqueue(&txn, messages, now).await?;
    }
    txn.commit().await?;
    Ok(!periods.is_empty())
}

#[allow(clippy::too_many_arguments)]
fn digest_message(
    reach: &Reach,
    party: &party::Model,
    contact: &crate::entity::contact_point::Model,
    digest_id: uuid::Uuid,
    periods: &[Period<'_>],
    today: NaiveDate,
    language: Language,
    provides: Vec<Provided>,
) -> NewMessage {
    let payload = compose::digest_email(
        periods,
        today,
        language,
        &reach.service_url(),
        reach.unsubscribe_url(contact.id),
        provides,
        party.email_detail,
    );
    NewMessage {
        channel: EMAIL,
        target_id: contact.id,
        about: crate::store::outbox::Subject::Digest(digest_id),
        person_id: None,
        party_id: Some(party.id),
        event_type: crate::outbox::DIGEST,
        payload: serde_json::to_string(&payload).unwrap_or_default(),
        priority: crate::store::outbox::Priority::Bulk,
    }
}
