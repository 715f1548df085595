//! Object-level authorization, in one place. Every endpoint that touches a person's data asks
//! here; this gathers the facts, lets the domain policy decide, and writes the audit log —
//! allowed or denied — before anything is read or written.

pub mod alerts;
pub mod referrals;

use std::sync::Arc;

use crate::entity::{link, milestone, party, person};
use sea_orm::DbErr;
use uuid::Uuid;

pub use crate::domain::access::Target;

use crate::{
    auth::Principal,
    domain::{
        access::{decide, doors, Action, Decision, HeldLink, HeldReferral, PersonFacts, Standing},
        milestones::MilestoneKind,
        PartyRole, Zone,
    },
    state::AppState,
    store::{
        self,
        audit::{AuditEntry, Outcome},
        links::scope_of,
        Corrupt,
    },
};

/// Why access was not given. `NotFound` is also the answer for what the caller may not see:
/// the two must be indistinguishable.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("not found")]
    NotFound,
    /// The caller can see the person but their role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// What an audit line says was done.
pub type AuditAction = &'static str;

/// Permission to act on one person's record, and why it was given.
#[derive(Debug)]
pub struct PersonAccess {
    pub person: person::Model,
    pub standing: Standing,
}

impl PersonAccess {
    pub fn zone(&self) -> Result<Zone, Corrupt> {
        Ok(self.person.timezone)
    }
}

pub fn audit_entry(
    principal: &Principal,
    action: AuditAction,
    person_id: Option<Uuid>,
    resource_id: Option<Uuid>,
    outcome: Outcome,
) -> AuditEntry {
    AuditEntry {
        actor: principal.actor_id(),
        actor_role: Some(principal.role),
        action,
        person_id,
        person_ids: Vec::new(),
        resource_id,
        outcome,
    }
}

/// The one audit line of a list page: every person it showed, named in that line. A page that
/// showed no one is no read of anyone's data and writes nothing.
pub fn list_entries(
    principal: &Principal,
    action: AuditAction,
    shown: impl IntoIterator<Item = Uuid>,
) -> Vec<AuditEntry> {
    let mut person_ids: Vec<Uuid> = shown.into_iter().collect();
    person_ids.sort_unstable();
    person_ids.dedup();
    if person_ids.is_empty() {
        return Vec::new();
    }
    vec![AuditEntry { person_ids, ..audit_entry(principal, action, None, None, Outcome::Allowed) }]
}

/// Decides whether `principal` may do `action` on the person, and audits the decision.
///
/// A person the caller may not see answers exactly like one that does not exist.
pub async fn person(
    state: &AppState,
    principal: &Principal,
    person_id: Uuid,
    action: Action,
    audit_action: AuditAction,
    target: Target,
) -> Result<PersonAccess, AccessError> {
    let resource_id = match target {
        Target::Link(id) => Some(id),
        Target::Person | Target::Kind(_) => None,
    };
    person_as(state, principal, person_id, action, audit_action, target, resource_id).await
}

async fn person_as(
    state: &AppState,
    principal: &Principal,
    person_id: Uuid,
    action: Action,
    audit_action: AuditAction,
    target: Target,
    resource_id: Option<Uuid>,
) -> Result<PersonAccess, AccessError> {
    let now = state.clock.now();
    let holder = link_holder(principal);
    let found =
        state.cache.person_with_links(person_id, holder, || person_with_links(state, person_id, holder)).await?;
    let (person, held_link) = match &found {
        Some(found) => (Some(&found.0), found.1.iter().find(|link| store::links::is_active(link, now))),
        None => (None, None),
    };
    let decision = match person {
        None => Decision::Invisible,
        Some(person) => {
            let facts = facts(state, principal, person, held_link).await?;
            decide(&principal.caller(), &facts, action, target)
        }
    };
    let outcome = if matches!(decision, Decision::Allowed(_)) { Outcome::Allowed } else { Outcome::Denied };
    let entry = audit_entry(principal, audit_action, Some(person_id), resource_id, outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    match (decision, person) {
        (Decision::Allowed(standing), Some(person)) => {
            // The receiving side's first sight of the person is a provision: recorded once.
            // Boxed: a write most requests never make is not laid out in every request's future.
            if let Standing::Referred(held) = &standing {
                Box::pin(crate::workflow::referrals::seen_by_receiving_side(state, &[held.referral_id])).await?;
            }
            Ok(PersonAccess { person: person.clone(), standing })
        }
        (Decision::Forbidden, _) => Err(AccessError::Forbidden("Your role may not do this for this person.")),
        _ => Err(AccessError::NotFound),
    }
}

/// Audits an attempt on an id that does not exist, and answers it as any invisible one.
async fn missing(state: &AppState, principal: &Principal, audit_action: AuditAction, resource_id: Uuid) -> AccessError {
    let entry = audit_entry(principal, audit_action, None, Some(resource_id), Outcome::Denied);
    match state.audit.record(vec![entry], state.clock.now()).await {
        Ok(()) => AccessError::NotFound,
        Err(err) => err.into(),
    }
}

/// Finds a link and decides access to its person; `action_for` picks the action from the link
/// (a change that only narrows consent is a different action from one that widens it).
pub async fn link(
    state: &AppState,
    principal: &Principal,
    link_id: Uuid,
    audit_action: AuditAction,
    action_for: impl FnOnce(&link::Model) -> Action,
) -> Result<(PersonAccess, link::Model), AccessError> {
    let Some(link) = store::links::find(&state.reads, link_id).await? else {
        return Err(missing(state, principal, audit_action, link_id).await);
    };
    let action = action_for(&link);
    let access = person(state, principal, link.person_id, action, audit_action, Target::Link(link_id)).await?;
    Ok((access, link))
}

/// Finds a milestone and decides access to it: its person, and its kind within the caller's
/// consent scope.
pub async fn milestone(
    state: &AppState,
    principal: &Principal,
    milestone_id: Uuid,
    action: Action,
    audit_action: AuditAction,
) -> Result<(PersonAccess, milestone::Model), AccessError> {
    let Some(row) = store::milestones::find(&state.reads, milestone_id).await? else {
        return Err(missing(state, principal, audit_action, milestone_id).await);
    };
    let kind: MilestoneKind = row.kind;
    let target = Target::Kind(kind.scope_kind());
    let access = person_as(state, principal, row.person_id, action, audit_action, target, Some(milestone_id)).await?;
    Ok((access, row))
}

/// A person, and every link `holder` holds to them (the one in force is picked at the time of
/// the request, so that what is kept stays right as links expire).
///
/// A holder's links, with the persons they name, are kept for its own pages and lists
/// (`links_held`): the person and the links to them are taken from there, and only a person
/// none of them names (a resident of a facility, say) is read by id, with no links.
async fn person_with_links(
    state: &AppState,
    person_id: Uuid,
    holder: Option<Uuid>,
) -> Result<crate::cache::PersonWithLinks, DbErr> {
    if let Some(party_id) = holder {
        let held = crate::workflow::links_held(state, party_id).await?;
        if let Some(person) = held.persons.get(&person_id) {
            let mut links: Vec<link::Model> =
                held.rows.iter().filter(|link| link.person_id == person_id).cloned().collect();
            links.sort_by_key(|link| link.id);
            return Ok(Some(Arc::new((person.clone(), links))));
        }
    }
    Ok(store::persons::find(&state.reads, person_id).await?.map(|person| Arc::new((person, Vec::new()))))
}

/// The party whose access to a person comes from a link: everyone but admins and the person.
fn link_holder(principal: &Principal) -> Option<Uuid> {
    principal.party_id.filter(|_| !matches!(principal.role, PartyRole::Admin | PartyRole::Person))
}

/// What bears on this caller's access: only what their role needs is looked up.
async fn facts(
    state: &AppState,
    principal: &Principal,
    person: &person::Model,
    held_link: Option<&link::Model>,
) -> Result<PersonFacts, AccessError> {
    // Staff's reads are boxed: they are not laid out in the future of every family's request.
    let current_placements = if principal.role == PartyRole::Staff {
        Box::pin(crate::workflow::placed_now(state, person.id)).await?
    } else {
        Vec::new()
    };
    let held_link = match held_link {
        Some(link) => Some(HeldLink { link_id: link.id, scope: scope_of(link)?, relationship: link.relationship }),
        None => None,
    };
    // Staff of an organisation the person is referred to (and not placed at) see what the
    // referral's scope allows.
    let referred = match principal.organization_id {
        Some(organization_id)
            if principal.role == PartyRole::Staff && !current_placements.contains(&organization_id) =>
        {
            match Box::pin(store::referrals::seen_by(&state.reads, person.id, organization_id)).await? {
                // The hand-off meetings of a referral are the receiving side's own business.
                Some(referral) => Some(HeldReferral {
                    referral_id: referral.id,
                    scope: store::links::parse_scope(referral.id, &referral.scope)?
                        .with(crate::domain::ScopeKind::Handoff),
                }),
                None => None,
            }
        }
        _ => None,
    };
    Ok(PersonFacts { person_id: person.id, current_placements, held_link, referred })
}

/// Gathers what the staff rule of `domain::access::doors` needs, and asks it.
async fn staff_may_open_doors(
    state: &AppState,
    organization_id: Uuid,
    party: &party::Model,
) -> Result<bool, AccessError> {
    let account = doors::AccountFacts {
        role: Some(party.role),
        opened_by_organization_id: party.opened_by_organization_id,
        has_signed_in: party.first_signed_in_at.is_some(),
    };
    if !doors::staff_may_open_account(organization_id, &account) {
        return Ok(false);
    }
    let now = state.clock.now();
    let mut persons: Vec<Uuid> = store::links::links_of_party(&state.reads, party.id, now)
        .await?
        .into_iter()
        .map(|link| link.person_id)
        .collect();
    persons.extend(party.person_id);
    persons.sort_unstable();
    persons.dedup();
    let placed_here: std::collections::HashSet<Uuid> =
        store::placements::current_of_persons(&state.reads, &persons, now)
            .await?
            .into_iter()
            .filter(|(_, organization)| *organization == organization_id)
            .map(|(person, _)| person)
            .collect();
    Ok(doors::staff_may_open_doors(&persons, &placed_here))
}

/// Audits a decision about a party and answers it: the party, or 404 as for one that does not exist.
async fn decided(
    state: &AppState,
    principal: &Principal,
    party: Option<party::Model>,
    party_id: Uuid,
    allowed: bool,
    audit_action: AuditAction,
) -> Result<party::Model, AccessError> {
    let outcome = if allowed { Outcome::Allowed } else { Outcome::Denied };
    let entry = audit_entry(principal, audit_action, None, Some(party_id), outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    match party {
        Some(party) if allowed => Ok(party),
        _ => Err(AccessError::NotFound),
    }
}

/// Decides whether `principal` may open or tend a party's doors (its invitations, sign-in
/// addresses, preferences and sessions), and audits the decision: admins, any party; the party
/// itself, its own; staff, only as [`staff_may_open_doors`] says. Any caller who may not gets
/// 404, as for a party that does not exist.
async fn party_decision(
    state: &AppState,
    principal: &Principal,
    party_id: Uuid,
    own_allowed: bool,
    audit_action: AuditAction,
) -> Result<party::Model, AccessError> {
    let party = store::parties::find(&state.reads, party_id).await?;
    let allowed = match &party {
        None => false,
        Some(party) => match doors::door_reach(&principal.caller(), party_id, own_allowed) {
            doors::DoorReach::Allowed => true,
            doors::DoorReach::Denied => false,
            doors::DoorReach::IfStaffMayOpen { organization_id } => {
                staff_may_open_doors(state, organization_id, party).await?
            }
        },
    };
    decided(state, principal, party, party_id, allowed, audit_action).await
}

/// Whether `principal` may manage a party's addresses, preferences and sessions (admins; the
/// party itself; staff as [`staff_may_open_doors`] says). Audited; 404 otherwise.
pub async fn party_reach(
    state: &AppState,
    principal: &Principal,
    party_id: Uuid,
    audit_action: AuditAction,
) -> Result<party::Model, AccessError> {
    party_decision(state, principal, party_id, true, audit_action).await
}

/// Whether `principal` may invite a party to sign in: admins, any party; staff, as
/// [`staff_may_open_doors`] says; never the party itself (it is signed in already). Audited;
/// 404 otherwise.
pub async fn party_to_invite(
    state: &AppState,
    principal: &Principal,
    party_id: Uuid,
    audit_action: AuditAction,
) -> Result<party::Model, AccessError> {
    party_decision(state, principal, party_id, false, audit_action).await
}

/// An organisation as the caller stands to its directory entries.
pub struct SeenOrganization {
    pub organization: crate::entity::organization::Model,
    /// Whether the caller may change its services (else they read the public ones).
    pub edits: bool,
}

/// How `principal` stands to an organisation's services: editors (staff of it, admins) always
/// see it; anyone else signed in while it has something public (`public`). Audited; 404
/// otherwise, as for an organisation that does not exist.
pub async fn organization_services(
    state: &AppState,
    principal: &Principal,
    organization_id: Uuid,
    audit_action: AuditAction,
    public: bool,
) -> Result<SeenOrganization, AccessError> {
    use crate::domain::access::{directory_standing, DirectoryStanding};
    let organization = store::organizations::find(&state.db, organization_id).await?;
    let edits = directory_standing(&principal.caller(), organization_id) == DirectoryStanding::Edits;
    let allowed = organization.is_some() && (edits || public);
    let outcome = if allowed { Outcome::Allowed } else { Outcome::Denied };
    let entry = audit_entry(principal, audit_action, None, Some(organization_id), outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    let organization = organization.filter(|_| allowed).ok_or(AccessError::NotFound)?;
    Ok(SeenOrganization { organization, edits })
}

/// Whether `principal` may fill an organisation's roll from a spreadsheet: admins, and staff
/// of that organisation. Audited; 404 otherwise, as for an organisation that does not exist.
pub async fn organization_roll(
    state: &AppState,
    principal: &Principal,
    organization_id: Uuid,
    audit_action: AuditAction,
) -> Result<crate::entity::organization::Model, AccessError> {
    let organization = store::organizations::find(&state.db, organization_id).await?;
    let allowed = organization.is_some()
        && match principal.role {
            PartyRole::Admin => true,
            PartyRole::Staff => principal.organization_id == Some(organization_id),
            _ => false,
        };
    let outcome = if allowed { Outcome::Allowed } else { Outcome::Denied };
    let entry = audit_entry(principal, audit_action, None, Some(organization_id), outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    organization.filter(|_| allowed).ok_or(AccessError::NotFound)
}
