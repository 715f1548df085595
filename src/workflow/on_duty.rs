//! A team alert reaches the staff member on duty on their own phone and e-mail, and a critical
//! one climbs the rota's ladder until someone says they have it: the next on the escalation
//! list, then the managers, each step recorded on the alert. A 「了解」 or "OK" texted back from
//! the number it went to acknowledges it, and stops the ladder.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use crate::{
    domain::{
        access::Caller,
        channels::{Channel, ContactStatus},
        provision,
        risk::Severity,
        rota::{AcknowledgedVia, Rung, Skipped},
    },
    entity::{alert, contact_point, party},
    outbox::{
        compose::{self, Notice, Provided},
        duty, Reach,
    },
    state::AppState,
    store::{
        self,
        outbox::{NewMessage, Priority, Subject, EMAIL, LINE, SMS},
        rota::Step,
        Write,
    },
};

const BATCH: u64 = 200;

/// Whether `party` may be told of a team alert of `organization_id` on their own channels.
pub fn on_team(party: &party::Model, organization_id: Uuid) -> Result<(), Skipped> {
    let caller =
        Caller { role: party.role, party_id: Some(party.id), organization_id: party.organization_id, person_id: None };
    crate::domain::rota::may_be_told(&caller, party.disabled_at.is_some(), organization_id)
}

/// Tells each of `party_ids` of a team alert on their own channels, by their preferences, and
/// records a step for each (the channel it went on, or why it reached no one). Whether it
/// reached anyone.
async fn tell(
    db: &impl Write,
    reach: &Reach,
    alert: &alert::Model,
    organization_id: Uuid,
    rung: Rung,
    party_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let parties: HashMap<Uuid, party::Model> =
        store::parties::find_many(db, party_ids).await?.into_iter().map(|party| (party.id, party)).collect();
    let mut addresses: HashMap<Uuid, Vec<contact_point::Model>> = HashMap::new();
    for contact in store::contact_points::of_parties(db, party_ids).await? {
        addresses.entry(contact.party_id).or_default().push(contact);
    }
    let mut steps = Vec::new();
    let mut messages = Vec::new();
    for party_id in party_ids {
        let step = |channel, skipped| Step { alert_id: alert.id, party_id: Some(*party_id), rung, channel, skipped };
        let party = match parties.get(party_id).ok_or(Skipped::NotOnTeam).and_then(|party| {
            on_team(party, organization_id)?;
            Ok(party)
        }) {
            Ok(party) => party,
            Err(skipped) => {
                steps.push(step(None, Some(skipped)));
                continue;
            }
        };
        let written = messages_to(reach, alert, party, addresses.get(party_id).map_or(&[][..], Vec::as_slice));
        let channels: BTreeSet<Channel> = written.iter().map(|(channel, _)| *channel).collect();
        if channels.is_empty() {
            steps.push(step(None, Some(Skipped::NoAddress)));
        }
        steps.extend(channels.into_iter().map(|channel| step(Some(channel), None)));
        messages.extend(written.into_iter().map(|(_, message)| message));
    }
    let reached = !messages.is_empty();
    store::outbox::enqueue(db, messages, now).await?;
    store::rota::record_steps(db, steps, now).await?;
    Ok(reached)
}

/// The messages that tell one staff member of a team alert: one per confirmed address that
/// takes it now by their preferences (on duty, their quiet hours do not apply).
fn messages_to(
    reach: &Reach,
    alert: &alert::Model,
    party: &party::Model,
    addresses: &[contact_point::Model],
) -> Vec<(Channel, NewMessage)> {
    // Corrupt (logged where found): sent on no channel rather than on a guess.
    let Ok(preferences) = store::parties::preferences_of(party) else { return Vec::new() };
    let provided = || Provided {
        person_id: alert.person_id,
        link_id: None,
        items: provision::Provided::Notice { alert_id: alert.id }.items(),
    };
    addresses
        .iter()
        .filter(|contact| {
            reach.offers(contact.channel)
                && preferences.sends_at_once(contact.channel, alert.severity)
                && contact.status == ContactStatus::Confirmed
        })
        .map(|contact| {
            let url = reach.respond_url(alert.id, party.id, contact.channel);
            let (channel, payload) = match contact.channel {
                Channel::Email => (
                    EMAIL,
                    serde_json::to_string(&duty::team_alert_email(
                        party.language,
                        &url,
                        reach.unsubscribe_url(contact.id),
                        provided(),
                    )),
                ),
                Channel::Sms => (SMS, serde_json::to_string(&duty::team_alert_sms(party.language, &url, provided()))),
                Channel::Line => (
                    LINE,
                    serde_json::to_string(&compose::line_notice(
                        party.language,
                        Notice::TeamAlert,
                        &url,
                        vec![provided()],
                    )),
                ),
            };
            let message = NewMessage {
                channel,
                target_id: contact.id,
                about: Subject::Alert(alert.id),
                person_id: Some(alert.person_id),
                party_id: Some(party.id),
                event_type: crate::outbox::ALERT,
                payload: payload.unwrap_or_default(),
                priority: if alert.severity == Severity::Critical { Priority::Now } else { Priority::Normal },
            };
            (contact.channel, message)
        })
        .collect()
}

/// The team alerts just delivered reach whoever is on duty at their organisation now; a
/// critical one's ladder starts (at once when no one was reached). An organisation with no
/// rota hears in its inbox and webhooks alone, as before. Call it in the transaction that
/// delivers the alerts.
pub async fn reach_on_duty(
    db: &impl Write,
    reach: &Reach,
    delivered: &[&alert::Model],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut rotas = HashMap::new();
    for alert in delivered {
        let Some(organization_id) = alert.team_organization_id else { continue };
        if let std::collections::hash_map::Entry::Vacant(entry) = rotas.entry(organization_id) {
            let rota = match store::organizations::find(db, organization_id).await? {
                // A rota that cannot be read (logged where found) is treated as none set.
                Some(organization) => store::rota::of_organization(db, &organization).await?.ok().filter(|r| r.set),
                None => None,
            };
            entry.insert(rota);
        }
        let Some(Some(rota)) = rotas.get(&organization_id) else { continue };
        let reached = match rota.rota.on_duty(now).party_id {
            Some(party_id) => tell(db, reach, alert, organization_id, Rung::OnDuty, &[party_id], now).await?,
            None => {
                let step = Step {
                    alert_id: alert.id,
                    party_id: None,
                    rung: Rung::OnDuty,
                    channel: None,
                    skipped: Some(Skipped::NoOneOnDuty),
                };
                store::rota::record_steps(db, vec![step], now).await?;
                false
            }
        };
        if alert.severity == Severity::Critical {
            let wait = Duration::minutes(rota.escalate_after_minutes);
            store::rota::set_ladder(db, alert.id, Some(if reached { now + wait } else { now })).await?;
        }
    }
    Ok(())
}

/// Takes the due steps of critical team alerts' ladders: each goes to the next on the
/// escalation list not yet tried, then to the managers not yet tried, and then climbs no more.
/// A step that reaches no one is recorded and the next taken at once. Returns the alerts that
/// climbed.
pub async fn climb(state: &AppState) -> Result<usize, DbErr> {
    let now = state.clock.now();
    let mut climbed = 0;
    for alert in store::rota::ladder_due(&state.db, now, BATCH).await? {
        let Some(organization_id) = alert.team_organization_id else { continue };
        let txn = state.db.begin().await?;
        // Another instance took it, or someone acknowledged it meanwhile.
        if !store::rota::take_step(&txn, &alert).await? {
            continue;
        }
        let rota = match store::organizations::find(&txn, organization_id).await? {
            Some(organization) => store::rota::of_organization(&txn, &organization).await?.ok(),
            None => None,
        };
        if let Some(rota) = rota {
            let tried: HashSet<Uuid> =
                store::rota::steps_of(&txn, &[alert.id]).await?.into_iter().filter_map(|step| step.party_id).collect();
            let mut next = rota.escalation.iter().filter(|party| !tried.contains(party));
            let mut waiting = None;
            for party_id in next.by_ref() {
                if tell(&txn, &state.outbox.reach, &alert, organization_id, Rung::Escalation, &[*party_id], now).await?
                {
                    waiting = Some(now + Duration::minutes(rota.escalate_after_minutes));
                    break;
                }
            }
            if waiting.is_none() {
                let managers: Vec<Uuid> =
                    rota.managers.iter().copied().filter(|party| !tried.contains(party)).collect();
                if !managers.is_empty() {
                    // The last rung: the managers are told and the ladder ends.
                    tell(&txn, &state.outbox.reach, &alert, organization_id, Rung::Manager, &managers, now).await?;
                }
            }
            store::rota::set_ladder(&txn, alert.id, waiting).await?;
        }
        txn.commit().await?;
        climbed += 1;
    }
    Ok(climbed)
}

/// A 「了解」 or "OK" from a number: the open team alerts texted to it are acknowledged by its
/// owner, where they are still enabled staff of the alert's organisation. How many were.
pub async fn acknowledge_by_text(
    db: &impl Write,
    contacts: &[contact_point::Model],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let ids: Vec<Uuid> = contacts.iter().map(|contact| contact.id).collect();
    let owners: Vec<Uuid> = contacts.iter().map(|contact| contact.party_id).collect();
    let parties = store::parties::find_many(db, &owners).await?;
    let mut acknowledged = 0;
    for alert in store::rota::open_team_alerts_sent_to(db, &ids).await? {
        let Some(organization_id) = alert.team_organization_id else { continue };
        let Some(party) = parties.iter().find(|party| on_team(party, organization_id).is_ok()) else { continue };
        store::inbox::acknowledge(db, alert, Some(party.id), AcknowledgedVia::Sms, now).await?;
        acknowledged += 1;
    }
    Ok(acknowledged)
}
