//! What the pages call things, in each language, and the items of a schedule as the pages
//! show them: dates and periods in plain words, with why they matter.

use chrono::{Datelike, NaiveDate};
use minijinja::{context, Value};

use super::frame::Failure;
use crate::{
    access::PersonAccess,
    domain::{
        calendar::add_days,
        milestones::{Event, MilestoneKind, Program, ReleaseType, State},
        outcomes::Measure,
        risk::{wording, RiskRule, Severity},
        team::ContactOutcome,
        wording::{date_label, projected_mark, Reader},
        words::{date, span},
        Language, OrganizationKind, PartyRole, Relationship, ScopeKind,
    },
    state::AppState,
    workflow::{self, Schedule},
};

pub fn pick(language: Language, ja: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Ja => ja,
        Language::En => en,
    }
}

pub fn severity(severity: Severity, language: Language) -> &'static str {
    match severity {
        Severity::Critical => pick(language, "特に注意", "Critical"),
        Severity::High => pick(language, "注意", "High"),
        Severity::Notice => pick(language, "お知らせ", "Notice"),
    }
}

pub fn relationship(relationship: Relationship, language: Language) -> &'static str {
    match relationship {
        Relationship::Lawyer => pick(language, "弁護士", "lawyer"),
        Relationship::Family => pick(language, "家族", "family"),
        Relationship::FacilityStaff => pick(language, "施設職員", "facility staff"),
        Relationship::ProbationOfficer => pick(language, "保護観察官", "probation officer"),
        Relationship::Supporter => pick(language, "支援者", "supporter"),
        Relationship::Coordinator => pick(language, "フォローアップ担当", "follow-up coordinator"),
    }
}

pub fn scope_kind(kind: ScopeKind, language: Language) -> &'static str {
    match kind {
        ScopeKind::Bail => pick(language, "保釈", "bail"),
        ScopeKind::Release => pick(language, "出所", "release"),
        ScopeKind::EmploymentSupportWindow => pick(language, "就労支援期間", "employment support"),
        ScopeKind::ProgramEnrollment => pick(language, "回復プログラム", "recovery programme"),
        ScopeKind::Lapse => pick(language, "再使用の記録", "lapses"),
        ScopeKind::Handoff => pick(language, "顔合わせ・紹介", "hand-off meetings and referrals"),
        ScopeKind::FollowUp => pick(language, "連絡を続けること（フォローアップ）", "staying in touch (follow-up)"),
    }
}

pub fn organization_kind(kind: OrganizationKind, language: Language) -> &'static str {
    match kind {
        OrganizationKind::ConsultationWindow => pick(language, "相談窓口", "consultation window"),
        OrganizationKind::MentalHealthWelfareCentre => {
            pick(language, "精神保健福祉センター", "mental-health welfare centre")
        }
        OrganizationKind::LawOffice => pick(language, "法律事務所", "law office"),
        OrganizationKind::Medical => pick(language, "医療機関", "medical service"),
        OrganizationKind::RehabFacility => pick(language, "回復支援施設", "recovery facility"),
        OrganizationKind::ProbationOffice => pick(language, "保護観察所", "probation office"),
        OrganizationKind::Other => pick(language, "その他", "other"),
    }
}

pub fn milestone_kind(kind: MilestoneKind, language: Language) -> &'static str {
    match kind {
        MilestoneKind::Bail => pick(language, "保釈", "Bail"),
        MilestoneKind::Release => pick(language, "出所", "Release"),
        MilestoneKind::EmploymentSupportWindow => pick(language, "就労支援期間", "Employment support"),
        MilestoneKind::ProgramEnrollment => pick(language, "回復プログラム", "Recovery programme"),
        MilestoneKind::Handoff => pick(language, "顔合わせ", "Hand-off meeting"),
    }
}

pub fn state(state: State, language: Language) -> &'static str {
    match state {
        State::Requested => pick(language, "請求中", "requested"),
        State::Granted => pick(language, "許可", "granted"),
        State::Denied => pick(language, "却下", "denied"),
        State::Released => pick(language, "釈放済み", "released"),
        State::Ended => pick(language, "終了", "ended"),
        State::Revoked => pick(language, "取消し", "revoked"),
        State::Lapsed => pick(language, "失効", "lapsed"),
        State::Scheduled => pick(language, "予定", "scheduled"),
        State::Pending => pick(language, "開始前", "pending"),
        State::Open => pick(language, "利用可能", "open"),
        State::Extended => pick(language, "延長中", "extended"),
        State::Used => pick(language, "利用済み", "used"),
        State::Expired => pick(language, "期限切れ", "expired"),
        State::Referred => pick(language, "紹介済み", "referred"),
        State::Enrolled => pick(language, "登録済み", "enrolled"),
        State::Active => pick(language, "参加中", "active"),
        State::Interrupted => pick(language, "中断中", "interrupted"),
        State::Completed => pick(language, "修了", "completed"),
        State::DroppedOut => pick(language, "中断（離脱）", "dropped out"),
        State::Proposed => pick(language, "提案中", "proposed"),
        State::Arranged => pick(language, "日程決定", "arranged"),
        State::Held => pick(language, "実施済み", "held"),
        State::Missed => pick(language, "会えなかった", "missed"),
        State::Declined => pick(language, "本人が辞退", "declined"),
    }
}

/// An event named for what it does to what.
pub fn event(event: Event, kind: MilestoneKind, language: Language) -> &'static str {
    match (event, kind) {
        (Event::Grant, _) => pick(language, "保釈が認められた", "Bail granted"),
        (Event::Deny, _) => pick(language, "保釈が認められなかった", "Bail denied"),
        (Event::Release, MilestoneKind::Bail) => pick(language, "保釈で釈放された", "Released on bail"),
        (Event::Release, _) => pick(language, "予定どおり出所した", "Released as scheduled"),
        (Event::End, _) => pick(language, "保釈が終わった（判決など）", "Bail ended (judgment or otherwise)"),
        (Event::Revoke, _) => pick(language, "保釈が取り消された", "Bail revoked"),
        (Event::LapseBySentence, _) => pick(language, "実刑判決で保釈が失効した", "Bail lapsed by a prison sentence"),
        (Event::Open, _) => pick(language, "就労支援期間が始まった", "Employment-support window opened"),
        (Event::Use, _) => pick(language, "就労支援を利用した", "Employment support used"),
        (Event::Expire, _) => {
            pick(language, "就労支援期間が使われずに終わった", "Employment-support window ended unused")
        }
        (Event::Extend, _) => pick(language, "就労支援期間を延長した", "Employment-support window extended"),
        (Event::Enroll, _) => pick(language, "回復プログラムに登録した", "Enrolled in the programme"),
        (Event::Start, _) => pick(language, "回復プログラムに通い始めた", "Programme started"),
        (Event::Complete, _) => pick(language, "回復プログラムを修了した", "Programme completed"),
        (Event::DropOut, _) => pick(language, "回復プログラムから離れた", "Left the programme"),
        (Event::Interrupt, _) => pick(language, "回復プログラムを中断した", "Programme interrupted"),
        (Event::Resume, _) => pick(language, "回復プログラムを再開した", "Programme resumed"),
        (Event::ReEnroll, _) => pick(language, "回復プログラムに再び登録した", "Enrolled in the programme again"),
        (Event::Arrange, _) => pick(language, "顔合わせの日程を決めた", "Hand-off meeting arranged"),
        (Event::Hold, _) => pick(language, "顔合わせができた", "Hand-off meeting held"),
        (Event::Miss, _) => pick(language, "顔合わせで会えなかった", "Hand-off meeting missed"),
        (Event::Decline, _) => pick(language, "本人が顔合わせを辞退した", "The person declined the meeting"),
    }
}

pub fn program(program: Program, language: Language) -> &'static str {
    match program {
        Program::Smarpp => "SMARPP",
        Program::SelfHelpGroup => pick(language, "自助グループ", "Self-help group"),
        Program::Residential => pick(language, "入所プログラム", "Residential programme"),
        Program::FamilyClass => pick(language, "家族教室", "Family class"),
        Program::PsychoEducation => pick(language, "心理教育", "Psycho-education"),
        Program::EmploymentSupport => pick(language, "就労支援", "Employment support"),
        Program::Other => pick(language, "その他", "Other"),
    }
}

pub fn release_type(release_type: ReleaseType, language: Language) -> &'static str {
    match release_type {
        ReleaseType::FullTerm => pick(language, "満期釈放", "Full term"),
        ReleaseType::Parole => pick(language, "仮釈放", "Parole"),
    }
}

/// A language, named in itself.
pub fn language(language: Language) -> &'static str {
    match language {
        Language::Ja => "日本語",
        Language::En => "English",
    }
}

/// The accounts staff open around a resident.
pub fn account_role(role: PartyRole, language: Language) -> &'static str {
    match role {
        PartyRole::Family => pick(language, "家族", "Family member"),
        PartyRole::Lawyer => pick(language, "弁護士", "Lawyer"),
        PartyRole::Person => pick(language, "本人", "The person"),
        PartyRole::Staff => pick(language, "施設職員", "Staff"),
        PartyRole::Probation => pick(language, "保護観察所", "Probation office"),
        PartyRole::Admin => pick(language, "管理者", "Administrator"),
    }
}

pub fn measure(measure: Measure, language: Language) -> &'static str {
    match measure {
        Measure::PersonsSupported => pick(language, "支援した人", "Persons supported"),
        Measure::WindowsUsed => pick(language, "就労支援を利用した", "Employment support used"),
        Measure::WindowsExpiredUnused => {
            pick(language, "就労支援を使わずに期限切れ", "Employment support expired unused")
        }
        Measure::ProgrammesCompleted => pick(language, "プログラム修了", "Programmes completed"),
        Measure::ProgrammesDroppedOut => pick(language, "プログラムから離れた", "Programmes left"),
        Measure::ProgrammesReEnrolled => pick(language, "離れた後に再び登録", "Enrolled again after leaving"),
        Measure::CriticalAlerts => pick(language, "特に注意のお知らせ", "Critical alerts"),
        Measure::CriticalAlertsAcknowledgedWithin48h => {
            pick(language, "48時間以内に確認", "Acknowledged within 48 hours")
        }
        Measure::MedianHoursToAcknowledge => {
            pick(language, "確認までの時間（中央値・時間）", "Hours to acknowledge (median)")
        }
        Measure::ContactsLoggedInCriticalPeriods => {
            pick(language, "特に注意の時期の連絡", "Contacts in critical periods")
        }
        Measure::LinksKeptThroughCustody => {
            pick(language, "身柄拘束を越えて続いたつながり", "Links kept through custody")
        }
        Measure::LapsesFollowedByContactWithin14Days => {
            pick(language, "再使用後14日以内に連絡", "Lapses followed by contact within 14 days")
        }
        Measure::ReferralsMade => pick(language, "紹介した", "Referrals made"),
        Measure::ReferralsAccepted => pick(language, "紹介が受け入れられた", "Referrals accepted"),
        Measure::ReferralsConnectedWithin30Days => {
            pick(language, "受け入れから30日以内に顔合わせ", "First meeting within 30 days of acceptance")
        }
        Measure::MedianDaysToFirstMeeting => {
            pick(language, "紹介から顔合わせまでの日数（中央値）", "Days from referral to first meeting (median)")
        }
        Measure::PersonsInFollowUp => pick(language, "フォローアップを始めた人", "Persons in a follow-up plan"),
        Measure::FollowUpMonths => pick(language, "フォローアップの月数（延べ）", "Follow-up months"),
        Measure::FollowUpMonthsReached => {
            pick(language, "そのうち本人と話せた月数", "Follow-up months in which the person was reached")
        }
        Measure::FollowUpAt3Months => pick(language, "3か月を迎えた計画", "Plans reaching 3 months"),
        Measure::RetainedAt3Months => pick(language, "3か月でつながっている人", "Still in touch at 3 months"),
        Measure::FollowUpAt6Months => pick(language, "6か月を迎えた計画", "Plans reaching 6 months"),
        Measure::RetainedAt6Months => pick(language, "6か月でつながっている人", "Still in touch at 6 months"),
        Measure::FollowUpAt12Months => pick(language, "12か月を迎えた計画", "Plans reaching 12 months"),
        Measure::RetainedAt12Months => pick(language, "12か月でつながっている人", "Still in touch at 12 months"),
    }
}

/// One choice of a `<select>` or a set of checkboxes: its value and what it is called.
/// An instant as a reader of the page reads it: the local day and time of `zone`.
pub fn local_time(at: chrono::DateTime<chrono::Utc>, zone: crate::domain::Zone, language: Language) -> String {
    let local = at.with_timezone(&zone.tz());
    match language {
        Language::Ja => local.format("%-m月%-d日 %H:%M").to_string(),
        Language::En => local.format("%-d %b %H:%M").to_string(),
    }
}

/// The ISO weekday `day` (Monday = 1), short.
pub fn weekday(day: u8, language: Language) -> &'static str {
    const JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    const EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let index = usize::from(day.clamp(1, 7) - 1);
    match language {
        Language::Ja => JA[index],
        Language::En => EN[index],
    }
}

/// The channels an address may be typed for on this service: e-mail and SMS where configured.
/// A LINE account is linked from LINE, never typed.
pub fn typed_channels(reach: &crate::outbox::Reach, language: Language) -> Vec<Value> {
    let pick = |ja: &'static str, en: &'static str| if language == Language::Ja { ja } else { en };
    crate::domain::channels::Channel::ALL
        .iter()
        .filter(|channel| reach.offers(**channel))
        .filter_map(|channel| match channel {
            crate::domain::channels::Channel::Email => Some(option("email", pick("メール", "E-mail"))),
            crate::domain::channels::Channel::Sms => Some(option("sms", pick("SMS（携帯電話）", "Text message"))),
            crate::domain::channels::Channel::Line => None,
        })
        .collect()
}

pub fn option(value: &str, label: &str) -> Value {
    context! { value => value, label => label }
}

/// The notice after a form stored something: 「記録しました：…」 / "Stored: …".
pub fn stored(what: &str, language: Language) -> String {
    match language {
        Language::Ja => format!("記録しました：{what}"),
        Language::En => format!("Stored: {what}."),
    }
}

pub fn contact_outcome(outcome: ContactOutcome, language: Language) -> &'static str {
    match outcome {
        ContactOutcome::Reached => pick(language, "話せた", "Reached"),
        ContactOutcome::NoAnswer => pick(language, "つながらなかった", "No answer"),
        ContactOutcome::LeftMessage => pick(language, "伝言を残した", "Left a message"),
        ContactOutcome::MetInPerson => pick(language, "直接会った", "Met in person"),
    }
}

/// How far ahead the pages look.
pub const DAYS_AHEAD: i64 = 60;

/// A person's schedule as the viewer may see it, from today (in the person's zone) through
/// `DAYS_AHEAD` days.
pub struct Ahead {
    pub today: NaiveDate,
    pub until: NaiveDate,
    pub schedule: Schedule,
}

impl Ahead {
    pub async fn of(state: &AppState, access: &PersonAccess) -> Result<Self, Failure> {
        let zone = access.zone()?;
        let today = zone.date_at(state.clock.now());
        let schedule = workflow::current_schedule(state, access.person.id, zone, &access.standing.scope()).await?;
        // Past the calendar's end there is nothing more to show: the window runs to its last day.
        let until = add_days(today, DAYS_AHEAD).unwrap_or(NaiveDate::MAX);
        Ok(Self { today, until, schedule })
    }

    /// What is coming, in words for `reader`.
    pub fn coming(&self, rules: &[RiskRule], reader: Reader, language: Language) -> Vec<Coming> {
        coming(&self.schedule, rules, self.today, self.until, Said { reader, language })
    }
}

/// Who the words are for, and in which language.
#[derive(Clone, Copy)]
struct Said {
    reader: Reader,
    language: Language,
}

/// A period as an alert names it: its rule and its days.
pub type PeriodKey = (String, NaiveDate, NaiveDate);

/// One item of what is coming, as a page lists it.
pub struct Coming {
    starts_on: NaiveDate,
    /// On one day, a date comes before the periods that begin with it.
    is_period: bool,
    /// The period's key, so that its alert is shown with it.
    pub key: Option<PeriodKey>,
    pub value: Value,
}

/// The schedule's dates and periods from `today` through `until`, in date order, in words.
fn coming(schedule: &Schedule, rules: &[RiskRule], today: NaiveDate, until: NaiveDate, said: Said) -> Vec<Coming> {
    let Said { reader, language } = said;
    let year = today.year();
    let mut items = Vec::new();
    for period in &schedule.periods {
        if period.ends_on < today || period.starts_on > until {
            continue;
        }
        let Some(rule) = rules.iter().find(|rule| rule.id == period.rule_id) else { continue };
        let words = wording(rule, reader, language);
        items.push(Coming {
            starts_on: period.starts_on,
            is_period: true,
            key: Some((period.rule_id.clone(), period.starts_on, period.ends_on)),
            value: context! {
                when => span(period.starts_on, period.ends_on, language, year), title => words.title, why => words.why,
                severity => period.severity.as_str(), severity_label => severity(period.severity, language),
                current => period.is_current(today),
                projected => period.projected.then(|| projected_mark(reader, language)),
            },
        });
    }
    for scheduled in schedule.dates() {
        if scheduled.on < today || scheduled.on > until {
            continue;
        }
        items.push(Coming {
            starts_on: scheduled.on,
            is_period: false,
            key: None,
            value: context! {
                when => date(scheduled.on, language, year), title => date_label(scheduled.label, reader, language),
                current => scheduled.on == today,
                projected => scheduled.projected.then(|| projected_mark(reader, language)),
            },
        });
    }
    items.sort_by_key(|item| (item.starts_on, item.is_period));
    items
}

pub fn referral_state(state: crate::domain::referral::ReferralState, language: Language) -> &'static str {
    use crate::domain::referral::ReferralState as S;
    match state {
        S::Requested => pick(language, "返事待ち", "awaiting an answer"),
        S::Accepted => pick(language, "受け入れ決定", "accepted"),
        S::Declined => pick(language, "お断り", "declined"),
        S::Waitlisted => pick(language, "空き待ち", "waitlisted"),
        S::Connected => pick(language, "つながった（顔合わせ済み）", "connected (first meeting held)"),
        S::NotConnected => pick(language, "つながらなかった", "not connected"),
        S::Withdrawn => pick(language, "取り下げ", "withdrawn"),
    }
}

/// A referral's step, as its history says it.
pub fn referral_step(event: &str, language: Language) -> &'static str {
    match event {
        "refer" => pick(language, "紹介した", "Referred"),
        "accept" => pick(language, "受け入れた", "Accepted"),
        "decline" => pick(language, "断った", "Declined"),
        "waitlist" => pick(language, "空き待ちにした", "Waitlisted"),
        "connect" => pick(language, "顔合わせができ、つながった", "First meeting held: connected"),
        "not_connect" => pick(language, "つながらなかった", "Not connected"),
        "withdraw" => pick(language, "取り下げた", "Withdrawn"),
        _ => pick(language, "記録", "Recorded"),
    }
}
