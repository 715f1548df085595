use phonenumber::{country, Mode};

use super::{text_enum, Invalid, Note};

text_enum! {
    /// What kind of organisation takes part in a person's support.
    pub enum OrganizationKind ("organisation kind") {
        RehabFacility = "rehab_facility",
        ProbationOffice = "probation_office",
        LawOffice = "law_office",
        ConsultationWindow = "consultation_window",
        /// 精神保健福祉センター: where the Voice Bridges calls come from.
        MentalHealthWelfareCentre = "mental_health_welfare_centre",
        Medical = "medical",
        Other = "other",
    }
}

impl OrganizationKind {
    /// Where a person or family can turn for advice: shown to them on their page.
    pub fn is_a_place_to_turn(self) -> bool {
        matches!(
            self,
            OrganizationKind::ConsultationWindow
                | OrganizationKind::MentalHealthWelfareCentre
                | OrganizationKind::LawOffice
                | OrganizationKind::Medical
        )
    }

    /// Whose staff may coordinate a person's follow-up.
    pub fn coordinates(self) -> bool {
        matches!(
            self,
            OrganizationKind::ConsultationWindow
                | OrganizationKind::MentalHealthWelfareCentre
                | OrganizationKind::RehabFacility
        )
    }
}

/// How people reach an organisation. Each field is optional; empty text means none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// E.164.
    pub phone: Option<String>,
    pub hours: Option<Note>,
    pub helps_with: Option<Note>,
    pub area: Option<Note>,
}

/// Lengths of the free-text fields.
pub const HOURS_CHARS: usize = 200;
pub const HELPS_WITH_CHARS: usize = 500;
pub const AREA_CHARS: usize = 100;

/// A phone number anyone may call (landline, mobile, toll-free), read as Japanese when written
/// without a country code, kept in E.164; empty means none.
pub fn parse_phone(raw: &str) -> Result<Option<String>, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let refused = || Invalid(super::Why::NotAPhoneNumber { given: raw.to_owned() });
    if raw.len() > 32 {
        return Err(refused());
    }
    let number = phonenumber::parse(Some(country::Id::JP), raw).map_err(|_| refused())?;
    if !phonenumber::is_valid(&number) {
        return Err(refused());
    }
    Ok(Some(number.format().mode(Mode::E164).to_string()))
}

/// A stored number as people write it at home: `03-1234-5678` in Japan, international elsewhere.
pub fn phone_for_people(e164: &str) -> String {
    match phonenumber::parse(None, e164) {
        Ok(number) if number.country().id() == Some(country::Id::JP) => {
            number.format().mode(Mode::National).to_string()
        }
        Ok(number) => number.format().mode(Mode::International).to_string(),
        Err(_) => e164.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_of_any_kind_are_kept_in_e164_and_shown_the_local_way() {
        assert_eq!(parse_phone("03-1234-5678").unwrap().as_deref(), Some("+81312345678"));
        assert_eq!(parse_phone("0120-123-456").unwrap().as_deref(), Some("+81120123456"));
        assert_eq!(parse_phone(" ").unwrap(), None);
        assert!(parse_phone("12").is_err());
        assert_eq!(phone_for_people("+81312345678"), "03-1234-5678");
    }

    #[test]
    fn round_trips_through_its_text_form() {
        for &kind in OrganizationKind::ALL {
            assert_eq!(kind.as_str().parse::<OrganizationKind>(), Ok(kind));
        }
        assert!("prison".parse::<OrganizationKind>().is_err());
    }
}
