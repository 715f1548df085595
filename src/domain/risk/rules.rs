//! The high-risk periods, as data: which date they hang on, how long they last, who hears of
//! them, how early, and why.

use super::super::{text_enum, Relationship, ScopeKind};

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

#[allow(clippy::too_many_arguments)]
fn rule(
    id: &str,
    anchor: Anchor,
    (from_day, to_day): (i32, i32),
    severity: Severity,
    audience: &[Relationship],
    (title_ja, title_en): (&str, &str),
    why_ja: &str,
    why_en: &str,
) -> RiskRule {
    RiskRule {
        id: id.to_owned(),
        anchor,
        from_day,
        to_day,
        severity,
        audience: audience.to_vec(),
        lead_days: vec![7, 1],
        why_ja: why_ja.to_owned(),
        why_en: why_en.to_owned(),
        title_ja: title_ja.to_owned(),
        title_en: title_en.to_owned(),
    }
}

/// The brief's default periods.
pub fn default_rules() -> Vec<RiskRule> {
    use Relationship::*;
    vec![
        rule(
            "bail_craving",
            Anchor::BailRelease,
            (0, 90),
            Severity::High,
            &[FacilityStaff, Family, Lawyer, Supporter],
            ("保釈後の渇望が強まる時期", "Craving after release on bail"),
            "薬物をやめてから数週間、渇望は強まり（1〜3か月頃が山）、保釈の時期がちょうど重なります。そばにいることが支えになります。",
            "Craving grows for weeks after use stops, peaking around one to three months, and bail falls right there. Being close by helps.",
        ),
        rule(
            "before_judgment",
            Anchor::Judgment,
            (-7, 0),
            Severity::High,
            &[FacilityStaff, Family, Lawyer],
            ("判決前の一週間", "The week before judgment"),
            "判決を前にした緊張は大きく、実刑になれば保釈は終わります。話を聞ける人がいることが大切です。",
            "The days before a judgment are stressful, and a custodial sentence ends bail. Having someone to talk to matters.",
        ),
        rule(
            "hearing",
            Anchor::Hearing,
            (0, 0),
            Severity::Notice,
            &[FacilityStaff, Family, Lawyer],
            ("公判期日", "Court hearing"),
            "公判の日です。同行や送り迎えの段取りを確認しておきましょう。",
            "A court hearing is coming. Check who goes along and how the person gets there.",
        ),
        rule(
            "after_release_critical",
            Anchor::Release,
            (0, 14),
            Severity::Critical,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
            ("出所直後の二週間", "The first two weeks after release"),
            "出所後最初の二週間は、薬物による死亡が何倍にも高くなる時期です（NEJM 2007;356:157、Addiction 2010;105:1545）。連絡を絶やさないでください。",
            "Deaths from drugs are many times higher in the first two weeks after prison (NEJM 2007;356:157; Addiction 2010;105:1545). Stay in touch.",
        ),
        rule(
            "after_release_high",
            Anchor::Release,
            (15, 28),
            Severity::High,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
            ("出所後三〜四週目", "Weeks three and four after release"),
            "出所後一か月の間は危険が高いままです。生活が落ち着くまで見守りを続けましょう。",
            "The risk stays high through the first month after release. Keep checking in until daily life settles.",
        ),
        rule(
            "window_closing",
            Anchor::WindowClose,
            (-30, 0),
            Severity::High,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
            ("就労支援期間の終わりが近い", "Employment support ends soon"),
            "満期釈放後六か月の就労支援は、使わないまま期限を迎えると受けられなくなります。",
            "The six months of employment support after a full-term release are lost if they run out unused.",
        ),
        rule(
            "after_programme",
            Anchor::ProgrammeEnd,
            (0, 28),
            Severity::High,
            &[FacilityStaff, Family, Supporter],
            ("プログラム終了後の四週間", "Four weeks after a programme"),
            "プログラムは「その後」を見ないまま終わりがちです。次のつながり先を一緒に確かめましょう。",
            "Programmes tend to end without seeing what comes after. Check together where the person connects next.",
        ),
        rule(
            "supervision_ends",
            Anchor::SupervisionEnd,
            (0, 28),
            Severity::High,
            &[FacilityStaff, Family, ProbationOfficer, Supporter],
            ("保護観察の終了後", "After parole supervision ends"),
            "保護観察が終わると、生活の枠組みが一度に外れます。",
            "When parole supervision ends, the structure of daily life falls away at once.",
        ),
        rule(
            "after_lapse",
            Anchor::Lapse,
            (0, 14),
            Severity::High,
            &[FacilityStaff, Family, Supporter],
            ("再使用の後の二週間", "Two weeks after a lapse"),
            "再使用は回復の途中で起こりうることです。責めずに、つながり直すことがいちばん大切な時期です。",
            "A lapse can be part of recovery. Right now re-engaging, without blame, matters most.",
        ),
    ]
}
