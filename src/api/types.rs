//! API enums mirroring the domain's, so the spec lists their values and the domain stays framework-free.

use crate::domain::{
    channels::{Channel, EmailPreference, LinePreference, SmsPreference},
    directory::{Freq, ServiceKind, ServiceStatus},
    follow_up::{Channel as ContactChannel, Ended, Outcome, PlanState},
    milestones::{MilestoneKind, Program, ReleaseType},
    referral::{Follow, ReferralState},
    BasisKind, Language, OrganizationKind, PartyRole, Relationship, Scope, ScopeKind,
};

macro_rules! api_enum {
    ($(#[$meta:meta])* $api:ident <=> $domain:ident as $name:literal { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(poem_openapi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        #[oai(rename_all = "snake_case", rename = $name)]
        pub enum $api { $($variant),+ }

        impl From<$api> for $domain {
            fn from(value: $api) -> Self {
                match value { $($api::$variant => $domain::$variant),+ }
            }
        }

        impl From<$domain> for $api {
            fn from(value: $domain) -> Self {
                match value { $($domain::$variant => $api::$variant),+ }
            }
        }
    };
}

api_enum! {
    /// How a follow-up check-in went; `withdrew` ends the plan.
    ApiCheckInOutcome <=> Outcome as "CheckInOutcome" { Reached, NoAnswer, Declined, Withdrew }
}

api_enum! {
    /// How the person was reached, or tried.
    ApiContactChannel <=> ContactChannel as "ContactChannel" { Phone, InPerson, Message }
}

api_enum! {
    /// `active`, `paused` while the person is in custody, or `ended`.
    ApiPlanState <=> PlanState as "PlanState" { Active, Paused, Ended }
}

api_enum! {
    /// Why a follow-up plan ended.
    ApiPlanEnded <=> Ended as "PlanEnded" { Withdrew, ConsentEnded, Completed }
}

api_enum! {
    /// A way to reach a party outside the service. A `line` address is linked from LINE (by
    /// following the official account), never given.
    ApiChannel <=> Channel as "Channel" { Email, Sms, Line }
}

api_enum! {
    /// `immediate` (each alert), `digest` (one e-mail a day; critical alerts still at once) or `off`.
    ApiEmailPreference <=> EmailPreference as "EmailPreference" { Immediate, Digest, Off }
}

api_enum! {
    /// `critical` (only critical alerts), `all` or `off`.
    ApiSmsPreference <=> SmsPreference as "SmsPreference" { Critical, All, Off }
}

api_enum! {
    /// `immediate` (each alert), `critical` (only critical alerts) or `off`.
    ApiLinePreference <=> LinePreference as "LinePreference" { Immediate, Critical, Off }
}

api_enum! {
    /// How the person gave their consent again: `written` (a signed form) or `in_person`.
    ApiBasisKind <=> BasisKind as "ConsentBasisKind" { Written, InPerson }
}

api_enum! {
    /// What kind of organisation this is.
    ApiOrganizationKind <=> OrganizationKind as "OrganizationKind" {
        RehabFacility, ProbationOffice, LawOffice, ConsultationWindow, MentalHealthWelfareCentre, Medical, Other,
    }
}

api_enum! {
    /// The role of an account that can sign in.
    ApiPartyRole <=> PartyRole as "PartyRole" { Admin, Staff, Lawyer, Family, Probation, Person }
}

api_enum! {
    /// A kind of information a link's consent covers: the milestone kinds (`handoff`: hand-off
    /// meetings and the referrals they come of), `lapse`, and `follow_up` (being contacted to
    /// stay in touch: a follow-up plan, its check-ins, the person's requests for a call).
    ApiScopeKind <=> ScopeKind as "ScopeKind" {
        Bail, Release, EmploymentSupportWindow, ProgramEnrollment, Lapse, Handoff, FollowUp,
    }
}

api_enum! {
    /// How a party relates to a person (`coordinator`: whose job it is to stay in touch, and
    /// who holds the person's follow-up plan).
    ApiRelationship <=> Relationship as "Relationship" {
        Lawyer, Family, FacilityStaff, ProbationOfficer, Supporter, Coordinator,
    }
}

api_enum! {
    /// A kind of reentry milestone, each its own state machine.
    ApiMilestoneKind <=> MilestoneKind as "MilestoneKind" {
        Bail, Release, EmploymentSupportWindow, ProgramEnrollment, Handoff,
    }
}

api_enum! {
    /// Where a referral stands: `requested` → `accepted` / `declined` / `waitlisted` →
    /// `connected` (the first meeting held) or `not_connected`; `withdrawn` until it ends.
    ApiReferralState <=> ReferralState as "ReferralState" {
        Requested, Accepted, Declined, Waitlisted, Connected, NotConnected, Withdrawn,
    }
}

api_enum! {
    /// What follows an acceptance: the person `placement` with the receiving organisation, or
    /// a `link` of the accepting staff member within the referral's scope.
    ApiFollow <=> Follow as "ReferralFollow" { Placement, Link }
}

api_enum! {
    /// `full_term` (満期釈放, opens the employment-support window) or `parole` (仮釈放).
    ApiReleaseType <=> ReleaseType as "ReleaseType" { FullTerm, Parole }
}

api_enum! {
    /// A recovery programme.
    ApiProgram <=> Program as "Program" {
        Smarpp, SelfHelpGroup, Residential, FamilyClass, PsychoEducation, EmploymentSupport, Other,
    }
}

api_enum! {
    /// The language Tsunagu speaks to a person or party.
    ApiLanguage <=> Language as "Language" { Ja, En }
}

pub fn scope_from_api(kinds: &[ApiScopeKind]) -> Scope {
    Scope::new(kinds.iter().copied().map(ScopeKind::from))
}

pub fn scope_to_api(scope: &Scope) -> Vec<ApiScopeKind> {
    scope.kinds().map(ApiScopeKind::from).collect()
}

api_enum! {
    /// What a service offers.
    ApiServiceKind <=> ServiceKind as "ServiceKind" {
        Consultation,
        FamilyClass,
        SelfHelpMeeting,
        OutpatientTreatment,
        DualDiagnosis,
        MedicineDependence,
        LegalConsultation,
        EmploymentSupport,
    }
}

api_enum! {
    /// Whether the directory shows a service.
    ApiServiceStatus <=> ServiceStatus as "ServiceStatus" { Active, Inactive }
}

api_enum! {
    /// How often a schedule repeats (RRULE `FREQ`).
    ApiFreq <=> Freq as "ScheduleFreq" { Weekly, Monthly }
}
