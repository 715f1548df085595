//! Who may open or tend a party's doors (its invitations, sign-in addresses, preferences and
//! sessions): the rules, from facts `src/access` gathers and audits.

use uuid::Uuid;

use super::Caller;
use crate::domain::PartyRole;

/// What decides a caller's reach over a party's doors, before anything more is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorReach {
    Allowed,
    Denied,
    /// Staff of this organisation: allowed only as [`staff_may_open_doors`] says.
    IfStaffMayOpen {
        organization_id: Uuid,
    },
}

/// Admins, any party's; the party itself, its own when `own_allowed`; staff, as
/// [`staff_may_open_doors`] says; nobody else.
pub fn door_reach(caller: &Caller, party_id: Uuid, own_allowed: bool) -> DoorReach {
    match (caller.role, caller.organization_id) {
        (PartyRole::Admin, _) => DoorReach::Allowed,
        _ if caller.party_id == Some(party_id) => {
            if own_allowed {
                DoorReach::Allowed
            } else {
                DoorReach::Denied
            }
        }
        (PartyRole::Staff, Some(organization_id)) => DoorReach::IfStaffMayOpen { organization_id },
        _ => DoorReach::Denied,
    }
}

/// A party's account as it bears on staff opening its doors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountFacts {
    /// `None`: the stored role does not parse.
    pub role: Option<PartyRole>,
    pub opened_by_organization_id: Option<Uuid>,
    pub has_signed_in: bool,
}

/// Whether staff of `organization_id` may open a party's doors: only a family member's,
/// lawyer's or person's account their own organisation made, never yet signed in, and every
/// person of which (its links in force, or the person it is: `persons`) is placed at their
/// organisation now (`placed_here`). Else staff could make themselves a way in as someone who
/// sees more than they do. This is the account's half; [`staff_may_open_doors`] the persons'.
pub fn staff_may_open_account(organization_id: Uuid, account: &AccountFacts) -> bool {
    matches!(account.role, Some(PartyRole::Family | PartyRole::Lawyer | PartyRole::Person))
        && account.opened_by_organization_id == Some(organization_id)
        && !account.has_signed_in
}

/// The second half of the staff rule: the account names someone, and everyone it names is
/// placed at the staff member's organisation now.
pub fn staff_may_open_doors(persons: &[Uuid], placed_here: &std::collections::HashSet<Uuid>) -> bool {
    !persons.is_empty() && persons.iter().all(|person| placed_here.contains(person))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: PartyRole, organization_id: Option<Uuid>) -> Caller {
        Caller { role, party_id: Some(Uuid::now_v7()), organization_id, person_id: None }
    }

    #[test]
    fn staff_reach_only_accounts_their_facility_made_that_never_signed_in() {
        let facility = Uuid::now_v7();
        let made = AccountFacts {
            role: Some(PartyRole::Family),
            opened_by_organization_id: Some(facility),
            has_signed_in: false,
        };
        assert!(staff_may_open_account(facility, &made));
        assert!(!staff_may_open_account(Uuid::now_v7(), &made));
        assert!(!staff_may_open_account(facility, &AccountFacts { has_signed_in: true, ..made }));
        assert!(!staff_may_open_account(facility, &AccountFacts { role: Some(PartyRole::Staff), ..made }));
        assert!(!staff_may_open_account(facility, &AccountFacts { role: None, ..made }));
    }

    #[test]
    fn everyone_the_account_names_must_be_placed_there() {
        let (here, elsewhere) = (Uuid::now_v7(), Uuid::now_v7());
        let placed: std::collections::HashSet<Uuid> = [here].into();
        assert!(staff_may_open_doors(&[here], &placed));
        assert!(!staff_may_open_doors(&[here, elsewhere], &placed));
        assert!(!staff_may_open_doors(&[], &placed));
    }

    #[test]
    fn admins_reach_every_party_and_a_party_its_own_when_allowed() {
        let admin = caller(PartyRole::Admin, None);
        let party = Uuid::now_v7();
        assert_eq!(door_reach(&admin, party, false), DoorReach::Allowed);
        let own = Caller { party_id: Some(party), ..caller(PartyRole::Family, None) };
        assert_eq!(door_reach(&own, party, true), DoorReach::Allowed);
        assert_eq!(door_reach(&own, party, false), DoorReach::Denied);
        let facility = Uuid::now_v7();
        assert_eq!(
            door_reach(&caller(PartyRole::Staff, Some(facility)), party, true),
            DoorReach::IfStaffMayOpen { organization_id: facility }
        );
        assert_eq!(door_reach(&caller(PartyRole::Lawyer, None), party, true), DoorReach::Denied);
    }
}
