use super::{text_enum, Invalid, OrganizationKind, Why};

text_enum! {
    /// The role of an account that can sign in.
    pub enum PartyRole ("role") {
        Admin = "admin",
        Staff = "staff",
        Lawyer = "lawyer",
        Family = "family",
        Probation = "probation",
        Person = "person",
    }
}

/// Whether a party of a role belongs to an organisation, and of which kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationRequirement {
    /// Staff work for one organisation; a probation party for a probation office.
    Required(Option<OrganizationKind>),
    /// A lawyer may belong to a law office.
    Optional(OrganizationKind),
    /// Family members and the person themself speak for no organisation.
    Forbidden,
}

impl PartyRole {
    pub fn organization_requirement(self) -> OrganizationRequirement {
        match self {
            PartyRole::Staff => OrganizationRequirement::Required(None),
            PartyRole::Probation => OrganizationRequirement::Required(Some(OrganizationKind::ProbationOffice)),
            PartyRole::Lawyer => OrganizationRequirement::Optional(OrganizationKind::LawOffice),
            PartyRole::Admin | PartyRole::Family | PartyRole::Person => OrganizationRequirement::Forbidden,
        }
    }

    /// Checks a party's organisation (given by its kind, if any) against what the role allows.
    pub fn check_organization(self, organization: Option<OrganizationKind>) -> Result<(), Invalid> {
        match (self.organization_requirement(), organization) {
            (OrganizationRequirement::Required(_), None) => Err(Why::OrganizationNeeded { role: self.as_str() }.into()),
            (OrganizationRequirement::Required(Some(expected)), Some(kind))
            | (OrganizationRequirement::Optional(expected), Some(kind))
                if kind != expected =>
            {
                Err(Why::OrganizationOfKind { role: self.as_str(), expected: expected.as_str(), given: kind.as_str() }
                    .into())
            }
            (OrganizationRequirement::Forbidden, Some(_)) => Err(Why::NoOrganization { role: self.as_str() }.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrganizationKind::*;

    #[test]
    fn round_trips_through_its_text_form() {
        for &role in PartyRole::ALL {
            assert_eq!(role.as_str().parse::<PartyRole>(), Ok(role));
        }
        assert!("root".parse::<PartyRole>().is_err());
    }

    #[test]
    fn staff_need_an_organisation_of_any_kind() {
        assert!(PartyRole::Staff.check_organization(None).is_err());
        for &kind in OrganizationKind::ALL {
            assert!(PartyRole::Staff.check_organization(Some(kind)).is_ok());
        }
    }

    #[test]
    fn probation_parties_belong_to_a_probation_office() {
        assert!(PartyRole::Probation.check_organization(Some(ProbationOffice)).is_ok());
        assert!(PartyRole::Probation.check_organization(Some(RehabFacility)).is_err());
        assert!(PartyRole::Probation.check_organization(None).is_err());
    }

    #[test]
    fn lawyers_may_belong_to_a_law_office_only() {
        assert!(PartyRole::Lawyer.check_organization(None).is_ok());
        assert!(PartyRole::Lawyer.check_organization(Some(LawOffice)).is_ok());
        assert!(PartyRole::Lawyer.check_organization(Some(Medical)).is_err());
    }

    #[test]
    fn family_person_and_admin_belong_to_no_organisation() {
        for role in [PartyRole::Family, PartyRole::Person, PartyRole::Admin] {
            assert!(role.check_organization(None).is_ok());
            assert!(role.check_organization(Some(RehabFacility)).is_err());
        }
    }
}
