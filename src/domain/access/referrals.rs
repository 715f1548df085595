//! Who stands on which side of a referral: the rule, from facts the enforcement gathers.

use uuid::Uuid;

use super::Caller;
use crate::domain::{referral::Side, PartyRole};

/// The parties a referral names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralParties {
    pub person_id: Uuid,
    pub from_organization_id: Uuid,
    pub to_organization_id: Uuid,
    pub from_party_id: Uuid,
}

/// The sides the caller stands on: staff of the receiving organisation receive; the one who
/// made it and the referring organisation's staff or probation officers refer; the person is
/// the person; an admin may act for either organisation. No side: the referral is not theirs
/// to see, and answers as one that does not exist.
pub fn sides(caller: &Caller, referral: &ReferralParties) -> Vec<Side> {
    if caller.role == PartyRole::Admin {
        return vec![Side::Receiving, Side::Referring];
    }
    let mut sides = Vec::new();
    let of = |organization_id: Uuid| caller.organization_id == Some(organization_id);
    if caller.role == PartyRole::Staff && of(referral.to_organization_id) {
        sides.push(Side::Receiving);
    }
    let refers = matches!(caller.role, PartyRole::Staff | PartyRole::Probation) && of(referral.from_organization_id);
    if refers || (caller.party_id.is_some() && caller.party_id == Some(referral.from_party_id)) {
        sides.push(Side::Referring);
    }
    if caller.role == PartyRole::Person && caller.person_id == Some(referral.person_id) {
        sides.push(Side::Person);
    }
    sides
}

/// Whether the caller may list an organisation's referrals: its staff (and probation
/// officers, for the ones it made), and admins.
pub fn may_list(caller: &Caller, organization_id: Uuid) -> bool {
    caller.role == PartyRole::Admin
        || (matches!(caller.role, PartyRole::Staff | PartyRole::Probation)
            && caller.organization_id == Some(organization_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn caller(role: PartyRole, party: u128, organization: Option<u128>, person: Option<u128>) -> Caller {
        Caller { role, party_id: Some(id(party)), organization_id: organization.map(id), person_id: person.map(id) }
    }

    const REFERRAL: ReferralParties = ReferralParties {
        person_id: Uuid::from_u128(1),
        from_organization_id: Uuid::from_u128(10),
        to_organization_id: Uuid::from_u128(20),
        from_party_id: Uuid::from_u128(100),
    };

    #[test]
    fn each_side_is_known_and_anyone_else_stands_nowhere() {
        assert_eq!(sides(&caller(PartyRole::Staff, 5, Some(20), None), &REFERRAL), [Side::Receiving]);
        assert_eq!(sides(&caller(PartyRole::Staff, 6, Some(10), None), &REFERRAL), [Side::Referring]);
        assert_eq!(sides(&caller(PartyRole::Probation, 100, None, None), &REFERRAL), [Side::Referring]);
        assert_eq!(sides(&caller(PartyRole::Person, 7, None, Some(1)), &REFERRAL), [Side::Person]);
        for stranger in [
            caller(PartyRole::Staff, 8, Some(30), None),
            caller(PartyRole::Probation, 9, Some(20), None),
            caller(PartyRole::Family, 11, None, None),
            caller(PartyRole::Person, 12, None, Some(2)),
        ] {
            assert!(sides(&stranger, &REFERRAL).is_empty(), "{stranger:?}");
        }
    }

    #[test]
    fn lists_are_for_the_organisations_own_people() {
        assert!(may_list(&caller(PartyRole::Staff, 5, Some(20), None), id(20)));
        assert!(may_list(&caller(PartyRole::Probation, 5, Some(10), None), id(10)));
        assert!(!may_list(&caller(PartyRole::Staff, 5, Some(20), None), id(10)));
        assert!(!may_list(&caller(PartyRole::Family, 5, None, None), id(10)));
    }
}
