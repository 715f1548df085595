use std::str::FromStr;

use super::Invalid;

/// What kind of organisation takes part in a person's support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationKind {
    RehabFacility,
    ProbationOffice,
    LawOffice,
    ConsultationWindow,
    Medical,
    Other,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 6] = [
        OrganizationKind::RehabFacility,
        OrganizationKind::ProbationOffice,
        OrganizationKind::LawOffice,
        OrganizationKind::ConsultationWindow,
        OrganizationKind::Medical,
        OrganizationKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::RehabFacility => "rehab_facility",
            OrganizationKind::ProbationOffice => "probation_office",
            OrganizationKind::LawOffice => "law_office",
            OrganizationKind::ConsultationWindow => "consultation_window",
            OrganizationKind::Medical => "medical",
            OrganizationKind::Other => "other",
        }
    }
}

impl FromStr for OrganizationKind {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| Invalid::new(format!("unknown organisation kind {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_text_form() {
        for kind in OrganizationKind::ALL {
            assert_eq!(kind.as_str().parse::<OrganizationKind>(), Ok(kind));
        }
        assert!("prison".parse::<OrganizationKind>().is_err());
    }
}
