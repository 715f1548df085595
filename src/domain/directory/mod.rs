//! The directory of help: services that organisations offer (consultation, family classes,
//! self-help meetings, treatment that accepts drug dependence, …), when they meet, and one-off
//! sessions with their capacity and application deadline. Public by design: a service names
//! no person, ever. Checked here whole; stored and served elsewhere.

pub mod events;
pub mod hsds;
mod recurrence;
mod service;
#[cfg(test)]
mod tests;

pub use recurrence::{ByDay, Freq, Recurrence, RecurrenceAsked};
pub use service::{
    Service, ServiceAsked, ServiceStatus, Session, SessionAsked, ASSURED_FOR_DAYS, MOST_SCHEDULES, MOST_SESSIONS,
};

use super::text_enum;

text_enum! {
    /// What a service offers: the paper's list of where to turn.
    pub enum ServiceKind ("service kind") {
        Consultation = "consultation",
        FamilyClass = "family_class",
        SelfHelpMeeting = "self_help_meeting",
        /// Outpatient treatment that accepts drug dependence.
        OutpatientTreatment = "outpatient_treatment",
        DualDiagnosis = "dual_diagnosis",
        /// Dependence on prescription or over-the-counter medicine.
        MedicineDependence = "medicine_dependence",
        LegalConsultation = "legal_consultation",
        EmploymentSupport = "employment_support",
    }
}

impl ServiceKind {
    /// What the person's and the family's "where to turn" lists.
    pub fn is_a_place_to_turn(self) -> bool {
        !matches!(self, ServiceKind::EmploymentSupport)
    }
}

/// How an area is compared: its words, trimmed, case and width aside (`東京都` = `東京都 `).
pub fn same_area(one: &str, other: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let key = |text: &str| text.trim().nfkc().collect::<String>().to_lowercase();
    key(one) == key(other)
}
