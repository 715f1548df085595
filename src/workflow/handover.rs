//! The hand-over at a shift change: the staff member coming on duty gets one message listing
//! the team's open alerts and how many periods start in their shift — by e-mail where they
//! take it, else one text — once per change, however many instances look.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::{
    domain::{
        channels::{Channel, ContactStatus},
        risk::{wording_of, Severity},
        wording::Reader,
    },
    entity::{alert, organization, party},
    outbox::{
        compose::{self, Notice, Period, Provided},
        duty::{self, Counts, Open},
    },
    state::AppState,
    store::{
        self,
        inbox::TeamFilter,
        outbox::{NewMessage, Priority, Subject, EMAIL, LINE, SMS},
        Write,
    },
};

pub const HANDOVER: &str = "rota.handover";
/// The most open alerts a hand-over lists.
const LISTED: u64 = 50;

/// Writes the hand-over of each organisation's latest shift change since it last looked, if
/// the one who came on is still on duty. Returns how many were written.
pub async fn write_due(state: &AppState) -> Result<usize, DbErr> {
    let now = state.clock.now();
    let mut written = 0;
    for organization_id in store::rota::organizations_with_rota(&state.db).await? {
        let Some(organization) = store::organizations::find(&state.db, organization_id).await? else { continue };
        // A rota that cannot be read is logged where found; the others go on.
        let Ok(rota) = store::rota::of_organization(&state.db, &organization).await? else { continue };
        let from = rota.handover_checked_until.unwrap_or(now);
        let changes = rota.rota.changes(from, now);
        // Looked at again at least daily, so the mark stays near.
        if changes.is_empty() && now - from < Duration::days(1) {
            continue;
        }
        let txn = state.db.begin().await?;
        if !store::rota::mark_handovers_checked(&txn, organization_id, rota.handover_checked_until, now).await? {
            continue;
        }
        let duty = rota.rota.on_duty(now);
        // Only the latest change matters: a hand-over to someone whose shift is over helps no one.
        if let Some((starts_at, party_id)) = changes.last().copied().filter(|(_, party)| duty.party_id == Some(*party))
        {
            let ends_at = duty.until.unwrap_or(starts_at + Duration::days(1));
            if hand_over(&txn, state, &organization, party_id, (starts_at, ends_at), now).await? {
                written += 1;
            }
        }
        txn.commit().await?;
    }
    Ok(written)
}

/// Writes one hand-over to `party_id` for the shift `(starts_at, ends_at)`: whether it was
/// written (not already, and they have an address that takes it).
async fn hand_over(
    db: &impl Write,
    state: &AppState,
    organization: &organization::Model,
    party_id: Uuid,
    (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(party) = store::parties::find(db, party_id).await? else { return Ok(false) };
    if super::on_duty::on_team(&party, organization.id).is_err() {
        return Ok(false);
    }
    let zone = organization.timezone;
    let filter = TeamFilter { acknowledged: Some(false), today: Some(zone.date_at(now)), ..TeamFilter::default() };
    let (open, _) = store::inbox::team_inbox(db, organization.id, &filter, None, LISTED).await?;
    let starting =
        store::rota::team_periods_starting(db, organization.id, zone.date_at(starts_at), zone.date_at(ends_at))
            .await?
            .into_iter()
            // A period starts at the beginning of its first day, in the organisation's zone.
            .filter(|alert| (starts_at..ends_at).contains(&zone.start_of(alert.starts_on)))
            .map(|alert| (alert.person_id, alert.rule, alert.starts_on))
            .collect::<HashSet<_>>();
    let counts = Counts { open_alerts: open.len(), periods_starting: starting.len() };
    let Some(handover) = store::rota::record_handover(
        db,
        organization.id,
        party.id,
        starts_at,
        (counts.open_alerts, counts.periods_starting),
        now,
    )
    .await?
    else {
        return Ok(false);
    };
    let messages = messages(db, state, &party, &open, counts, handover.id).await?;
    let any = !messages.is_empty();
    store::outbox::enqueue(db, messages, now).await?;
    Ok(any)
}

/// One e-mail to each confirmed address that takes e-mail, or else one text.
async fn messages(
    db: &impl Write,
    state: &AppState,
    party: &party::Model,
    open: &[alert::Model],
    counts: Counts,
    handover_id: Uuid,
) -> Result<Vec<NewMessage>, DbErr> {
    let reach = &state.outbox.reach;
    let addresses: Vec<_> = store::contact_points::of_party(db, party.id)
        .await?
        .into_iter()
        .filter(|contact| contact.status == ContactStatus::Confirmed && reach.offers(contact.channel))
        .collect();
    let person_ids: Vec<Uuid> = open.iter().map(|alert| alert.person_id).collect();
    let names = if party.email_detail { store::persons::find_many(db, &person_ids).await? } else { Vec::new() };
    let words: Vec<_> = open
        .iter()
        .map(|alert| wording_of(&state.rules, &alert.rule, Reader::of_role(party.role), party.language))
        .collect();
    let url = reach.service_url();
    let message = |channel, target_id, payload: Result<String, serde_json::Error>| NewMessage {
        channel,
        target_id,
        about: Subject::Handover(handover_id),
        person_id: None,
        party_id: Some(party.id),
        event_type: HANDOVER,
        payload: payload.unwrap_or_default(),
        priority: Priority::Normal,
    };
    let emails: Vec<NewMessage> = addresses
        .iter()
        .filter(|contact| contact.channel == Channel::Email)
        .map(|contact| {
            let listed: Vec<Open<'_>> = open
                .iter()
                .zip(&words)
                .map(|(alert, words)| Open {
                    severity: alert.severity,
                    period: names.iter().find(|person| person.id == alert.person_id).map(|person| Period {
                        person_name: &person.display_name,
                        title: &words.title,
                        why: &words.why,
                        severity: alert.severity,
                        starts_on: alert.starts_on,
                        ends_on: alert.ends_on,
                    }),
                    url: reach.respond_url(alert.id, party.id, Channel::Email),
                })
                .collect();
            let provides = listed
                .iter()
                .zip(open)
                .filter(|(listed, _)| listed.period.is_some())
                .map(|(_, alert)| Provided {
                    person_id: alert.person_id,
                    link_id: None,
                    items: crate::domain::provision::Provided::Alert(store::alerts::period_named(alert)).items(),
                })
                .collect();
            let payload = duty::handover_email(
                party.language,
                counts,
                &listed,
                &url,
                reach.unsubscribe_url(contact.id),
                provides,
            );
            message(EMAIL, contact.id, serde_json::to_string(&payload))
        })
        .collect();
    if !emails.is_empty() {
        return Ok(emails);
    }
    let critical = open.iter().any(|alert| alert.severity == Severity::Critical);
    // Without e-mail, LINE (a notice and the link) before a text.
    if let Some(contact) = addresses.iter().find(|contact| contact.channel == Channel::Line) {
        let payload = compose::line_notice(party.language, Notice::Handover, &url, Vec::new());
        let mut line = message(LINE, contact.id, serde_json::to_string(&payload));
        line.priority = if critical { Priority::Now } else { Priority::Normal };
        return Ok(vec![line]);
    }
    let text = addresses.iter().find(|contact| contact.channel == Channel::Sms).map(|contact| {
        let payload = duty::handover_sms(party.language, counts, &url);
        let mut text = message(SMS, contact.id, serde_json::to_string(&payload));
        text.priority = if critical { Priority::Now } else { Priority::Normal };
        text
    });
    Ok(text.into_iter().collect())
}
