use super::text_enum;

text_enum! {
    /// What kind of organisation takes part in a person's support.
    pub enum OrganizationKind ("organisation kind") {
        RehabFacility = "rehab_facility",
        ProbationOffice = "probation_office",
        LawOffice = "law_office",
        ConsultationWindow = "consultation_window",
        Medical = "medical",
        Other = "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_text_form() {
        for &kind in OrganizationKind::ALL {
            assert_eq!(kind.as_str().parse::<OrganizationKind>(), Ok(kind));
        }
        assert!("prison".parse::<OrganizationKind>().is_err());
    }
}
