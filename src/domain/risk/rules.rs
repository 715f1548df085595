//! The high-risk periods, as data: which date they hang on, how long they last, who hears of
//! them, how early, and why.

use super::super::{
    text_enum,
    wording::{period_or_generic, Reader},
    Language, Relationship, ScopeKind,
};

text_enum! {
    /// How serious a period is. Critical alerts cross quiet hours and escalate when unread.
    pub enum Severity ("severity") {
        Notice = "notice",
        High = "high",
        Critical = "critical",
    }
}

text_enum! {
    /// The date a period hangs on.
    pub enum Anchor ("anchor") {
        /// The day a bail released the person.
        BailRelease = "bail_release",
        /// The judgment date of a bail.
        Judgment = "judgment",
        /// A bail hearing.
        Hearing = "hearing",
        /// The release from prison: the day it happened, or the day it is scheduled.
        Release = "release",
        /// The last day of an unused employment-support window.
        WindowClose = "window_close",
        /// The day a programme was completed or dropped out of.
        ProgrammeEnd = "programme_end",
        /// The last day of parole supervision.
        SupervisionEnd = "supervision_end",
        /// A lapse.
        Lapse = "lapse",
        /// The day a person is expected out (a scheduled release, a granted bail) while no
        /// hand-off meeting is arranged for it.
        ExpectedRelease = "expected_release",
        /// The day a hand-off meeting was missed.
        MissedMeeting = "missed_meeting",
    }
}

impl Anchor {
    /// The consent kind a period of this anchor falls under.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Anchor::BailRelease | Anchor::Judgment | Anchor::Hearing => ScopeKind::Bail,
            Anchor::Release | Anchor::SupervisionEnd => ScopeKind::Release,
            Anchor::WindowClose => ScopeKind::EmploymentSupportWindow,
            Anchor::ProgrammeEnd => ScopeKind::ProgramEnrollment,
            Anchor::Lapse => ScopeKind::Lapse,
            Anchor::ExpectedRelease | Anchor::MissedMeeting => ScopeKind::Handoff,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskRule {
    pub id: String,
    pub anchor: Anchor,
    /// First and last day, in days from the anchor date (both included).
    pub from_day: i32,
    pub to_day: i32,
    pub severity: Severity,
    /// Which linked relationships hear of it (within their consent).
    pub audience: Vec<Relationship>,
    /// Days before the period begins that alerts go out.
    pub lead_days: Vec<u32>,
    pub why_ja: String,
    pub why_en: String,
    pub title_ja: String,
    pub title_en: String,
}

fn rule(
    id: &str,
    anchor: Anchor,
    (from_day, to_day): (i32, i32),
    severity: Severity,
    audience: &[Relationship],
) -> RiskRule {
    // The staff words are the rule's own; family and person words are looked up per reader.
    let ja = period_or_generic(id, Reader::Staff, Language::Ja);
    let en = period_or_generic(id, Reader::Staff, Language::En);
    RiskRule {
        id: id.to_owned(),
        anchor,
        from_day,
        to_day,
        severity,
        audience: audience.to_vec(),
        lead_days: vec![7, 1],
        why_ja: ja.why,
        why_en: en.why,
        title_ja: ja.title,
        title_en: en.title,
    }
}

/// The brief's default periods.
pub fn default_rules() -> Vec<RiskRule> {
    use Relationship::*;
    vec![
        rule("bail_craving", Anchor::BailRelease, (0, 90), Severity::High, &[FacilityStaff, Family, Lawyer, Supporter]),
        rule("before_judgment", Anchor::Judgment, (-7, 0), Severity::High, &[FacilityStaff, Family, Lawyer]),
        rule("hearing", Anchor::Hearing, (0, 0), Severity::Notice, &[FacilityStaff, Family, Lawyer]),
        rule(
            "after_release_critical",
            Anchor::Release,
            (0, 14),
            Severity::Critical,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
        ),
        rule(
            "after_release_high",
            Anchor::Release,
            (15, 28),
            Severity::High,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
        ),
        rule(
            "window_closing",
            Anchor::WindowClose,
            (-30, 0),
            Severity::High,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
        ),
        rule("after_programme", Anchor::ProgrammeEnd, (0, 28), Severity::High, &[FacilityStaff, Family, Supporter]),
        rule(
            "supervision_ends",
            Anchor::SupervisionEnd,
            (0, 28),
            Severity::High,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
        ),
        rule("after_lapse", Anchor::Lapse, (0, 14), Severity::High, &[FacilityStaff, Family, Supporter]),
        // Told the day 14 days remain, not ahead of it: the warning is that the time is short.
        RiskRule {
            lead_days: vec![0],
            ..rule("not_yet_connected", Anchor::ExpectedRelease, (-14, 0), Severity::High, &[FacilityStaff])
        },
        RiskRule {
            lead_days: vec![0],
            ..rule("after_missed_meeting", Anchor::MissedMeeting, (0, 6), Severity::High, &[FacilityStaff])
        },
    ]
}
