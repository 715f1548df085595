//! Who may see and do what with a person's record. One decision function, called by every
//! endpoint that touches a person; the handlers gather the facts, this decides.

pub mod alerts;
pub mod doors;
pub mod referrals;

use uuid::Uuid;

use super::{PartyRole, Relationship, Scope, ScopeKind};

/// What a caller asks to do with one person's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadPerson,
    UpdatePerson,
    ReadPlacements,
    ManagePlacements,
    ReadLinks,
    /// Create links, widen or change consent, revoke: the person's facility and admins.
    ManageLinks,
    /// Narrow or revoke consent: also the person themself.
    NarrowConsent,
    /// Record milestones, events, custody and lapses: the person's facility and admins.
    RecordMilestones,
    /// Push scheduled dates from a probation office's system: a linked probation party.
    PushSchedule,
    /// Refer the person to another organisation: staff of their facility, or a linked
    /// probation party (from their probation office).
    Refer,
    /// Set the person's follow-up plan and record its check-ins: staff of their facility, or
    /// their coordinator.
    FollowUp,
    /// Read the plan: also admins and the person themself (without the notes). Never family.
    ReadFollowUp,
}

/// What, within the person's record, the caller asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The person, their placements, or the list of their links.
    Person,
    /// One link: a linked party sees only its own.
    Link(Uuid),
    /// Information of one kind (a milestone kind, or lapses): only within the consent scope.
    Kind(ScopeKind),
}

/// The caller as the policy needs to know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub role: PartyRole,
    pub party_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// For a caller who is a person: which person they are.
    pub person_id: Option<Uuid>,
}

/// An active, unexpired link the caller holds to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLink {
    pub link_id: Uuid,
    pub scope: Scope,
    pub relationship: Relationship,
}

/// What is true of the person, as far as it bears on this caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub person_id: Uuid,
    /// Organisations the person is placed at today.
    pub current_placements: Vec<Uuid>,
    /// The caller's active link to the person, if they hold one.
    pub held_link: Option<HeldLink>,
    /// For staff: a referral of the person to the caller's organisation that lets it see them
    /// (requested, waitlisted or taken on; not declined or withdrawn).
    pub referred: Option<HeldReferral>,
}

/// A referral to the caller's organisation, and the kinds the person agreed it may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldReferral {
    pub referral_id: Uuid,
    pub scope: Scope,
}

/// Why a caller can see a person at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Admin,
    /// Staff of an organisation the person is placed at today.
    Facility,
    /// The person themself.
    Themself,
    /// A party with an active link, within its consent scope.
    Linked(HeldLink),
    /// Staff of an organisation the person is referred to: the person's name and, within the
    /// scope agreed for the referral, their milestones; nothing else, and nothing changed.
    Referred(HeldReferral),
}

impl Standing {
    /// The kinds of milestone this caller may see.
    pub fn scope(&self) -> Scope {
        match self {
            Standing::Admin | Standing::Facility | Standing::Themself => Scope::everything(),
            Standing::Linked(link) => link.scope.clone(),
            Standing::Referred(referral) => referral.scope.clone(),
        }
    }

    /// Whether this caller sees every link of the person, or only their own.
    pub fn sees_all_links(&self) -> bool {
        !matches!(self, Standing::Linked(_) | Standing::Referred(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed(Standing),
    /// The caller can see the person but may not do this.
    Forbidden,
    /// The caller cannot see the person: answered exactly like a person that does not exist.
    Invisible,
}

pub fn standing(caller: &Caller, facts: &PersonFacts) -> Option<Standing> {
    match caller.role {
        PartyRole::Admin => Some(Standing::Admin),
        PartyRole::Person if caller.person_id == Some(facts.person_id) => Some(Standing::Themself),
        PartyRole::Staff if caller.organization_id.is_some_and(|org| facts.current_placements.contains(&org)) => {
            Some(Standing::Facility)
        }
        // A party without a stored record holds no links and sees nothing.
        _ if caller.party_id.is_some() => facts
            .held_link
            .clone()
            .map(Standing::Linked)
            .or_else(|| facts.referred.clone().filter(|_| caller.role == PartyRole::Staff).map(Standing::Referred)),
        _ => None,
    }
}

/// Visibility first, then permission: a caller who may not see the target learns nothing,
/// not even that it exists.
pub fn decide(caller: &Caller, facts: &PersonFacts, action: Action, target: Target) -> Decision {
    let Some(standing) = standing(caller, facts) else {
        return Decision::Invisible;
    };
    let visible = match (&standing, target) {
        (Standing::Linked(held), Target::Link(link_id)) => held.link_id == link_id,
        (Standing::Referred(_), Target::Link(_)) => false,
        (_, Target::Kind(kind)) => standing.scope().contains(kind),
        _ => true,
    };
    if !visible {
        return Decision::Invisible;
    }
    let allowed = match action {
        Action::ReadPerson => true,
        Action::ReadPlacements | Action::ReadLinks => !matches!(standing, Standing::Referred(_)),
        Action::UpdatePerson | Action::ManagePlacements | Action::ManageLinks => {
            matches!(standing, Standing::Admin | Standing::Facility)
        }
        // The side a person is referred to arranges and records its own hand-off meetings.
        Action::RecordMilestones => {
            matches!(standing, Standing::Admin | Standing::Facility)
                || (matches!(standing, Standing::Referred(_)) && target == Target::Kind(ScopeKind::Handoff))
        }
        Action::NarrowConsent => matches!(standing, Standing::Admin | Standing::Facility | Standing::Themself),
        Action::PushSchedule => {
            matches!(standing, Standing::Admin)
                || (caller.role == PartyRole::Probation && matches!(standing, Standing::Linked(_)))
        }
        // A referral is made from an organisation: an admin belongs to none.
        Action::Refer => {
            matches!(standing, Standing::Facility)
                || (caller.role == PartyRole::Probation && matches!(standing, Standing::Linked(_)))
        }
        Action::FollowUp => follows_up(&standing),
        Action::ReadFollowUp => {
            matches!(standing, Standing::Admin | Standing::Facility | Standing::Themself) || coordinates(&standing)
        }
    };
    if allowed {
        Decision::Allowed(standing)
    } else {
        Decision::Forbidden
    }
}

/// Whether the caller sets the person's follow-up plan and records its check-ins.
pub fn follows_up(standing: &Standing) -> bool {
    matches!(standing, Standing::Facility) || coordinates(standing)
}

/// Whether the caller holds the person's coordinator link.
fn coordinates(standing: &Standing) -> bool {
    matches!(standing, Standing::Linked(held) if held.relationship == Relationship::Coordinator)
}

/// What a caller may do with an organisation's entries in the directory of help: change them
/// (staff of the organisation, admins), or read the public ones (anyone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryStanding {
    Edits,
    ReadsPublic,
}

pub fn directory_standing(caller: &Caller, organization_id: Uuid) -> DirectoryStanding {
    match caller.role {
        PartyRole::Admin => DirectoryStanding::Edits,
        PartyRole::Staff if caller.organization_id == Some(organization_id) => DirectoryStanding::Edits,
        _ => DirectoryStanding::ReadsPublic,
    }
}

/// Which persons a caller's lists may show: the same rule as [`standing`], as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListVisibility {
    All,
    Only {
        /// Persons placed today at this organisation (staff).
        placed_at: Option<Uuid>,
        /// Persons this party holds an active link to.
        linked_to: Option<Uuid>,
        /// The caller themself (a person).
        themself: Option<Uuid>,
    },
    Nothing,
}

pub fn list_visibility(caller: &Caller) -> ListVisibility {
    match (caller.role, caller.party_id) {
        (PartyRole::Admin, _) => ListVisibility::All,
        (PartyRole::Person, _) => match caller.person_id {
            Some(person) => ListVisibility::Only { placed_at: None, linked_to: None, themself: Some(person) },
            None => ListVisibility::Nothing,
        },
        (_, None) => ListVisibility::Nothing,
        (role, Some(party)) => ListVisibility::Only {
            placed_at: if role == PartyRole::Staff { caller.organization_id } else { None },
            linked_to: Some(party),
            themself: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Relationship, ScopeKind};

    const ACTIONS: [Action; 9] = [
        Action::PushSchedule,
        Action::RecordMilestones,
        Action::ReadPerson,
        Action::UpdatePerson,
        Action::ReadPlacements,
        Action::ManagePlacements,
        Action::ReadLinks,
        Action::ManageLinks,
        Action::NarrowConsent,
    ];

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn caller(role: PartyRole, organization_id: Option<Uuid>, person_id: Option<Uuid>) -> Caller {
        Caller { role, party_id: Some(id(100)), organization_id, person_id }
    }

    fn facts(held_link: Option<HeldLink>) -> PersonFacts {
        PersonFacts { person_id: id(1), current_placements: vec![id(10)], held_link, referred: None }
    }

    #[test]
    fn the_facility_and_a_linked_probation_officer_refer_and_no_one_else() {
        let linked = facts(Some(family_link()));
        let refer = |caller: &Caller, facts: &PersonFacts| decide(caller, facts, Action::Refer, Target::Person);
        assert!(matches!(refer(&caller(PartyRole::Staff, Some(id(10)), None), &linked), Decision::Allowed(_)));
        assert!(matches!(refer(&caller(PartyRole::Probation, Some(id(20)), None), &linked), Decision::Allowed(_)));
        assert_eq!(refer(&caller(PartyRole::Family, None, None), &linked), Decision::Forbidden);
        assert_eq!(refer(&caller(PartyRole::Admin, None, None), &linked), Decision::Forbidden);
        assert_eq!(refer(&caller(PartyRole::Person, None, Some(id(1))), &linked), Decision::Forbidden);
        assert_eq!(refer(&caller(PartyRole::Staff, Some(id(11)), None), &facts(None)), Decision::Invisible);
    }

    #[test]
    fn staff_a_person_is_referred_to_read_the_name_and_the_scope_and_change_nothing() {
        let receiving = caller(PartyRole::Staff, Some(id(11)), None);
        let scope = Scope::new([ScopeKind::Release]);
        let referred =
            PersonFacts { referred: Some(HeldReferral { referral_id: id(70), scope: scope.clone() }), ..facts(None) };
        let standing = Standing::Referred(HeldReferral { referral_id: id(70), scope });
        assert_eq!(decide(&receiving, &referred, Action::ReadPerson, Target::Person), Decision::Allowed(standing));
        assert!(matches!(
            decide(&receiving, &referred, Action::ReadPerson, Target::Kind(ScopeKind::Release)),
            Decision::Allowed(_)
        ));
        for kind in [ScopeKind::Bail, ScopeKind::Lapse] {
            assert_eq!(decide(&receiving, &referred, Action::ReadPerson, Target::Kind(kind)), Decision::Invisible);
        }
        assert_eq!(decide(&receiving, &referred, Action::ReadLinks, Target::Link(id(50))), Decision::Invisible);
        for action in ACTIONS.into_iter().filter(|action| *action != Action::ReadPerson) {
            assert_eq!(decide(&receiving, &referred, action, Target::Person), Decision::Forbidden, "{action:?}");
        }
        // Its own hand-off meetings it records, when the scope shows them; nothing else.
        let with_handoff = PersonFacts {
            referred: Some(HeldReferral {
                referral_id: id(70),
                scope: Scope::new([ScopeKind::Release, ScopeKind::Handoff]),
            }),
            ..facts(None)
        };
        let handoff = Target::Kind(ScopeKind::Handoff);
        assert!(matches!(decide(&receiving, &with_handoff, Action::RecordMilestones, handoff), Decision::Allowed(_)));
        let release = Target::Kind(ScopeKind::Release);
        assert_eq!(decide(&receiving, &with_handoff, Action::RecordMilestones, release), Decision::Forbidden);
        // Without the referral (never made, declined, withdrawn), nothing at all.
        assert_eq!(decide(&receiving, &facts(None), Action::ReadPerson, Target::Person), Decision::Invisible);
        // A family member is never given a referral's standing.
        let family = caller(PartyRole::Family, None, None);
        assert_eq!(decide(&family, &referred, Action::ReadPerson, Target::Person), Decision::Invisible);
    }

    fn family_link() -> HeldLink {
        HeldLink { link_id: id(50), scope: Relationship::Family.default_scope(), relationship: Relationship::Family }
    }

    #[test]
    fn admins_may_do_everything() {
        for action in ACTIONS {
            assert_eq!(
                decide(&caller(PartyRole::Admin, None, None), &facts(None), action, Target::Person),
                Decision::Allowed(Standing::Admin)
            );
        }
    }

    #[test]
    fn staff_see_only_persons_placed_at_their_organisation_today() {
        let own = caller(PartyRole::Staff, Some(id(10)), None);
        let other = caller(PartyRole::Staff, Some(id(11)), None);
        for action in ACTIONS {
            // Schedules come from probation systems; staff record dates through milestones.
            let expected = if action == Action::PushSchedule {
                Decision::Forbidden
            } else {
                Decision::Allowed(Standing::Facility)
            };
            assert_eq!(decide(&own, &facts(None), action, Target::Person), expected);
            assert_eq!(decide(&other, &facts(None), action, Target::Person), Decision::Invisible);
        }
    }

    #[test]
    fn linked_parties_read_within_their_scope_and_change_nothing() {
        for role in [PartyRole::Family, PartyRole::Lawyer] {
            let linked = caller(role, None, None);
            assert_eq!(
                decide(&linked, &facts(Some(family_link())), Action::ReadPerson, Target::Person),
                Decision::Allowed(Standing::Linked(family_link()))
            );
            for action in [Action::UpdatePerson, Action::ManagePlacements, Action::ManageLinks, Action::NarrowConsent] {
                assert_eq!(decide(&linked, &facts(Some(family_link())), action, Target::Person), Decision::Forbidden);
            }
            for action in ACTIONS {
                assert_eq!(decide(&linked, &facts(None), action, Target::Person), Decision::Invisible);
            }
        }
        let family = caller(PartyRole::Family, None, None);
        assert_eq!(
            decide(&family, &facts(Some(family_link())), Action::ReadLinks, Target::Link(family_link().link_id)),
            Decision::Allowed(Standing::Linked(family_link()))
        );
        // Someone else's link is invisible, even for an action the caller could never take.
        for action in ACTIONS {
            assert_eq!(decide(&family, &facts(Some(family_link())), action, Target::Link(id(51))), Decision::Invisible);
        }
        let standing = standing(&family, &facts(Some(family_link()))).unwrap();
        assert!(!standing.scope().contains(ScopeKind::Lapse));
        assert!(!standing.sees_all_links());
    }

    #[test]
    fn a_person_sees_themself_may_narrow_consent_and_sees_no_one_else() {
        let me = caller(PartyRole::Person, None, Some(id(1)));
        let someone_else = caller(PartyRole::Person, None, Some(id(2)));
        assert_eq!(decide(&me, &facts(None), Action::ReadLinks, Target::Person), Decision::Allowed(Standing::Themself));
        assert_eq!(
            decide(&me, &facts(None), Action::NarrowConsent, Target::Person),
            Decision::Allowed(Standing::Themself)
        );
        assert_eq!(decide(&me, &facts(None), Action::ManageLinks, Target::Person), Decision::Forbidden);
        assert_eq!(decide(&me, &facts(None), Action::UpdatePerson, Target::Person), Decision::Forbidden);
        for action in ACTIONS {
            assert_eq!(decide(&someone_else, &facts(None), action, Target::Person), Decision::Invisible);
        }
    }

    #[test]
    fn a_linked_probation_party_pushes_schedules_and_changes_nothing_else() {
        let probation = caller(PartyRole::Probation, Some(id(20)), None);
        let linked = facts(Some(family_link()));
        assert!(matches!(decide(&probation, &linked, Action::PushSchedule, Target::Person), Decision::Allowed(_)));
        assert_eq!(decide(&probation, &linked, Action::UpdatePerson, Target::Person), Decision::Forbidden);
        assert_eq!(decide(&probation, &facts(None), Action::PushSchedule, Target::Person), Decision::Invisible);
        let family = caller(PartyRole::Family, None, None);
        assert_eq!(decide(&family, &linked, Action::PushSchedule, Target::Person), Decision::Forbidden);
    }

    #[test]
    fn kinds_outside_the_consent_scope_are_invisible() {
        let family = caller(PartyRole::Family, None, None);
        let facts = facts(Some(family_link()));
        let lapses = Target::Kind(ScopeKind::Lapse);
        let bail = Target::Kind(ScopeKind::Bail);
        assert_eq!(decide(&family, &facts, Action::ReadPerson, lapses), Decision::Invisible);
        assert!(matches!(decide(&family, &facts, Action::ReadPerson, bail), Decision::Allowed(_)));
        assert_eq!(decide(&family, &facts, Action::RecordMilestones, bail), Decision::Forbidden);
        let staff = caller(PartyRole::Staff, Some(id(10)), None);
        assert!(matches!(decide(&staff, &facts, Action::RecordMilestones, lapses), Decision::Allowed(_)));
    }

    #[test]
    fn a_caller_without_a_stored_party_sees_nothing() {
        let ghost = Caller { role: PartyRole::Family, party_id: None, organization_id: None, person_id: None };
        assert_eq!(
            decide(&ghost, &facts(Some(family_link())), Action::ReadPerson, Target::Person),
            Decision::Invisible
        );
        assert_eq!(list_visibility(&ghost), ListVisibility::Nothing);
    }

    #[test]
    fn lists_follow_the_same_rule() {
        assert_eq!(list_visibility(&caller(PartyRole::Admin, None, None)), ListVisibility::All);
        assert_eq!(
            list_visibility(&caller(PartyRole::Staff, Some(id(10)), None)),
            ListVisibility::Only { placed_at: Some(id(10)), linked_to: Some(id(100)), themself: None }
        );
        assert_eq!(
            list_visibility(&caller(PartyRole::Family, None, None)),
            ListVisibility::Only { placed_at: None, linked_to: Some(id(100)), themself: None }
        );
        assert_eq!(
            list_visibility(&caller(PartyRole::Person, None, Some(id(1)))),
            ListVisibility::Only { placed_at: None, linked_to: None, themself: Some(id(1)) }
        );
    }
}
