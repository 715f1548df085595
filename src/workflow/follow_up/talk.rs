//! "I want to talk" (話したい): the person's request for a call, from their page, the API, a
//! text or LINE, as one high alert to their coordinator and facility team, never to family.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{consent_to_contact, WorkflowError};
use crate::{
    domain::{calendar, follow_up, risk::Severity},
    entity::{organization, party},
    state::AppState,
    store::{self, follow_up::PlanAlert, Write},
};

/// Whom the person's request to talk reached, as they are told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoCalls {
    /// The coordinator's name, or none for a facility team.
    pub name: Option<String>,
    pub organization: String,
    pub phone: Option<String>,
    /// When the place is open, as it says itself.
    pub hours: Option<String>,
}

/// What a press of "I want to talk" did.
#[derive(Debug, Clone)]
pub struct Talked {
    /// False when it was the same request as one already sent (a burst of presses, or one
    /// nobody has answered yet): nothing new was sent, and the person is told the same.
    pub sent_now: bool,
    pub requested_at: DateTime<Utc>,
    pub who: Vec<WhoCalls>,
}

/// The person asks for a call: one high alert, due now, to their coordinator and the team of
/// their facility; never to family. A press soon after the last is the same request.
pub async fn talk(state: &AppState, person_id: Uuid) -> Result<Talked, WorkflowError> {
    let txn = state.db.begin().await?;
    let talked = talk_in(&txn, person_id, state.clock.now()).await?;
    txn.commit().await?;
    Ok(talked)
}

/// [`talk`] inside the caller's transaction (a text or LINE message that says 「話したい」).
pub(in crate::workflow) async fn talk_in(
    db: &impl Write,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Talked, WorkflowError> {
    let last = store::follow_up::last_talk(db, person_id).await?;
    let last_talk = last.first().map(|row| follow_up::LastTalk {
        at: row.created_at,
        acknowledged: last.iter().any(|row| row.acknowledged_at.is_some()),
    });
    let plan = store::follow_up::plan_of(db, person_id).await?;
    // The coordinator, and the link through which they hear, while the person agrees to it.
    let coordinator = match &plan {
        Some(plan) => consent_to_contact(db, person_id, plan.coordinator_party_id, now).await?.map(|link| (plan, link)),
        None => None,
    };
    let mut who = Vec::new();
    if let Some((plan, _)) = &coordinator {
        if let Some(party) = store::parties::find(db, plan.coordinator_party_id).await? {
            let organization = match party.organization_id {
                Some(id) => store::organizations::find(db, id).await?,
                None => None,
            };
            who.push(who_of(Some(&party), organization));
        }
    }
    let teams = store::placements::current_organizations(db, person_id, now).await?;
    for team in &teams {
        who.push(who_of(None, store::organizations::find(db, *team).await?));
    }
    if !follow_up::is_new_talk(last_talk, now) {
        let requested_at = last_talk.map_or(now, |last| last.at);
        return Ok(Talked { sent_now: false, requested_at, who });
    }
    let mut alerts = Vec::new();
    let key = format!("{}|{person_id}|{}", follow_up::TALK_RULE, now.timestamp_micros());
    let today = match store::persons::find(db, person_id).await? {
        Some(person) => person.timezone.date_at(now),
        None => return Err(WorkflowError::NotFound),
    };
    let alert = |recipient: Uuid, plan_id: Uuid, link_id: Option<Uuid>, team: Option<Uuid>| PlanAlert {
        key: format!("{key}|{recipient}"),
        rule: follow_up::TALK_RULE,
        severity: Severity::High,
        plan_id,
        person_id,
        recipient_party_id: recipient,
        link_id,
        team_organization_id: team,
        starts_on: today,
        ends_on: calendar::add_days(today, 2).unwrap_or(today),
        due_at: now,
    };
    // Without a plan the request is about the person, and is known by them.
    let source = plan.as_ref().map_or(person_id, |plan| plan.id);
    if let Some((plan, link)) = coordinator {
        alerts.push(alert(plan.coordinator_party_id, source, Some(link.id), None));
    }
    for team in teams {
        alerts.push(alert(team, source, None, Some(team)));
    }
    store::follow_up::insert_alerts(db, &alerts, now).await?;
    Ok(Talked { sent_now: !alerts.is_empty(), requested_at: now, who })
}

fn who_of(party: Option<&party::Model>, organization: Option<organization::Model>) -> WhoCalls {
    let (organization, phone, hours) = match organization {
        Some(organization) => (
            organization.name,
            organization.phone.as_deref().map(crate::domain::organization::phone_for_people),
            organization.hours,
        ),
        None => (String::new(), None, None),
    };
    WhoCalls { name: party.map(|party| party.display_name.clone()), organization, phone, hours }
}
