//! Milestones as state machines: what each kind's events do, guard and imply, and which
//! changes to their dates hold together. Pure.

mod changes;
mod events;
mod machine;

use chrono::NaiveDate;

pub use changes::{Annotation, Change, Changed, NewMilestone};
pub use events::{Applied, CustodyCause, Effect, EventInput};
pub use machine::{Machine, NotAccepted, Transition};

use super::{period::months_after, text_enum, Refusals, ScopeKind};

text_enum! {
    /// Every state a milestone can be in; each kind's machine uses some of them.
    pub enum State ("milestone state") {
        Requested = "requested",
        Granted = "granted",
        Denied = "denied",
        Released = "released",
        Ended = "ended",
        Revoked = "revoked",
        Lapsed = "lapsed",
        Scheduled = "scheduled",
        Pending = "pending",
        Open = "open",
        Extended = "extended",
        Used = "used",
        Expired = "expired",
        Referred = "referred",
        Enrolled = "enrolled",
        Active = "active",
        Interrupted = "interrupted",
        Completed = "completed",
        DroppedOut = "dropped_out",
        Proposed = "proposed",
        Arranged = "arranged",
        Held = "held",
        Missed = "missed",
        Declined = "declined",
    }
}

text_enum! {
    /// Every event a milestone can accept; each kind's machine accepts some of them.
    pub enum Event ("milestone event") {
        Grant = "grant",
        Deny = "deny",
        Release = "release",
        End = "end",
        Revoke = "revoke",
        LapseBySentence = "lapse_by_sentence",
        Open = "open",
        Use = "use",
        Expire = "expire",
        Extend = "extend",
        Enroll = "enroll",
        Start = "start",
        Complete = "complete",
        DropOut = "drop_out",
        Interrupt = "interrupt",
        Resume = "resume",
        ReEnroll = "re_enroll",
        Arrange = "arrange",
        Hold = "hold",
        Miss = "miss",
        Decline = "decline",
    }
}

text_enum! {
    pub enum MilestoneKind ("milestone kind") {
        Bail = "bail",
        Release = "release",
        EmploymentSupportWindow = "employment_support_window",
        ProgramEnrollment = "program_enrollment",
        /// 顔合わせ: the first meeting between the person and someone of the receiving side.
        Handoff = "handoff",
    }
}

impl MilestoneKind {
    /// Whether recording `event` asks first: it cannot be undone.
    pub fn needs_confirmation(self, event: Event) -> bool {
        Machine::for_kind(self).cannot_undo(event)
    }

    /// The consent scope kind that lets a linked party see milestones of this kind.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            MilestoneKind::Bail => ScopeKind::Bail,
            MilestoneKind::Release => ScopeKind::Release,
            MilestoneKind::EmploymentSupportWindow => ScopeKind::EmploymentSupportWindow,
            MilestoneKind::ProgramEnrollment => ScopeKind::ProgramEnrollment,
            MilestoneKind::Handoff => ScopeKind::Handoff,
        }
    }
}

text_enum! {
    pub enum ReleaseType ("release type") {
        /// 満期釈放: opens the six-month employment-support window.
        FullTerm = "full_term",
        /// 仮釈放: supervised until `supervision_ends_on`.
        Parole = "parole",
    }
}

text_enum! {
    pub enum Program ("programme") {
        Smarpp = "smarpp",
        SelfHelpGroup = "self_help_group",
        Residential = "residential",
        FamilyClass = "family_class",
        PsychoEducation = "psycho_education",
        EmploymentSupport = "employment_support",
        Other = "other",
    }
}

impl Program {
    /// Sessions a programme plans by default: SMARPP runs 24.
    pub fn default_sessions(self) -> Option<i32> {
        match self {
            Program::Smarpp => Some(24),
            _ => None,
        }
    }
}

/// The employment-support window's length and extension: policy, not law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPolicy {
    pub months: u32,
    pub extension_months: u32,
    pub max_extensions: i32,
}

impl Default for WindowPolicy {
    fn default() -> Self {
        Self { months: 6, extension_months: 6, max_extensions: 1 }
    }
}

/// The dates a milestone carries; which are used depends on its kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dates {
    pub requested_on: Option<NaiveDate>,
    pub granted_on: Option<NaiveDate>,
    pub released_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub hearing_on: Option<NaiveDate>,
    pub judgment_on: Option<NaiveDate>,
    pub scheduled_on: Option<NaiveDate>,
    pub supervision_ends_on: Option<NaiveDate>,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub used_on: Option<NaiveDate>,
    pub referred_on: Option<NaiveDate>,
    pub enrolled_on: Option<NaiveDate>,
    pub started_on: Option<NaiveDate>,
    /// A hand-off: the day it was proposed, and the day of the meeting arranged.
    pub proposed_on: Option<NaiveDate>,
    pub meeting_on: Option<NaiveDate>,
}

/// A hand-off meeting as arranged: when, where and who meets the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meeting {
    pub on: Option<NaiveDate>,
    /// Local time of the person's zone.
    pub at: Option<chrono::NaiveTime>,
    pub place: Option<String>,
    /// A staff member or a peer member, as the receiving side names them.
    pub met_by: Option<String>,
}

/// What a hand-off belongs to: the referral it comes of, the release or bail it comes before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HandoffOf {
    pub referral_id: Option<uuid::Uuid>,
    pub before_milestone_id: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub state: State,
    /// Rises by one with every accepted event and date move: optimistic concurrency.
    pub version: i64,
    /// The effective date of the last transition: no event may be dated before it.
    pub state_since: Option<NaiveDate>,
    pub dates: Dates,
    pub release_type: Option<ReleaseType>,
    pub program: Option<Program>,
    pub sessions_planned: Option<i32>,
    pub sessions_attended: i32,
    pub extensions: i32,
    /// A hand-off's meeting (its day is `dates.meeting_on`) and what it belongs to.
    pub meeting: Meeting,
    pub handoff_of: HandoffOf,
}

/// Why a change to a milestone was refused: an event its state does not take, or fields
/// that do not hold together with the milestone as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    NotAccepted(NotAccepted),
    Fields(Refusals),
}

impl From<Refusals> for Refused {
    fn from(refusals: Refusals) -> Self {
        Refused::Fields(refusals)
    }
}

/// A date that can move after it is set, and so records a date move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovableDate {
    HearingOn,
    JudgmentOn,
    ScheduledOn,
    SupervisionEndsOn,
}

impl MovableDate {
    pub const ALL: [MovableDate; 4] =
        [MovableDate::HearingOn, MovableDate::JudgmentOn, MovableDate::ScheduledOn, MovableDate::SupervisionEndsOn];

    /// The date a form or request names by its field.
    pub fn named(field: &str) -> Result<Self, super::Invalid> {
        Self::ALL.into_iter().find(|date| date.field() == field).ok_or_else(|| {
            let choices = Self::ALL.iter().map(|date| date.field()).collect();
            super::Why::NotAChoice { what: "date", given: field.to_owned(), choices }.into()
        })
    }

    pub fn field(self) -> &'static str {
        match self {
            MovableDate::HearingOn => "hearing_on",
            MovableDate::JudgmentOn => "judgment_on",
            MovableDate::ScheduledOn => "scheduled_on",
            MovableDate::SupervisionEndsOn => "supervision_ends_on",
        }
    }
}

/// A scheduled date that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateMove {
    pub date: MovableDate,
    pub old: Option<NaiveDate>,
    pub new: Option<NaiveDate>,
}

impl DateMove {
    /// A date moved earlier leaves less time to prepare: alerts flag it.
    pub fn moved_earlier(&self) -> bool {
        matches!((self.old, self.new), (Some(old), Some(new)) if new < old)
    }
}

impl Milestone {
    fn new(kind: MilestoneKind) -> Self {
        Self {
            kind,
            state: Machine::for_kind(kind).initial,
            version: 1,
            state_since: None,
            dates: Dates::default(),
            release_type: None,
            program: None,
            sessions_planned: None,
            sessions_attended: 0,
            extensions: 0,
            meeting: Meeting::default(),
            handoff_of: HandoffOf::default(),
        }
    }

    /// A hand-off meeting proposed on `proposed_on`: starts `proposed`.
    pub fn handoff(proposed_on: NaiveDate, of: HandoffOf) -> Self {
        let mut handoff = Self::new(MilestoneKind::Handoff);
        handoff.dates.proposed_on = Some(proposed_on);
        handoff.state_since = Some(proposed_on);
        handoff.handoff_of = of;
        handoff
    }

    /// Whether a hand-off is arranged or was held: someone of the receiving side will meet, or
    /// met, the person.
    pub fn meets(&self) -> bool {
        self.kind == MilestoneKind::Handoff && matches!(self.state, State::Arranged | State::Held)
    }

    pub fn bail(requested_on: NaiveDate) -> Self {
        let mut bail = Self::new(MilestoneKind::Bail);
        bail.dates.requested_on = Some(requested_on);
        bail.state_since = Some(requested_on);
        bail
    }

    pub fn release(scheduled_on: NaiveDate, release_type: Option<ReleaseType>) -> Self {
        let mut release = Self::new(MilestoneKind::Release);
        release.dates.scheduled_on = Some(scheduled_on);
        release.release_type = release_type;
        release
    }

    pub fn program(program: Program, referred_on: NaiveDate, sessions_planned: Option<i32>) -> Self {
        let mut enrollment = Self::new(MilestoneKind::ProgramEnrollment);
        enrollment.program = Some(program);
        enrollment.dates.referred_on = Some(referred_on);
        enrollment.state_since = Some(referred_on);
        enrollment.sessions_planned = sessions_planned.or(program.default_sessions());
        enrollment
    }

    /// The window a full-term release on `released_on` opens: from the next day, for the
    /// policy's months, counted by the Civil Code.
    pub fn window(released_on: NaiveDate, policy: &WindowPolicy) -> Self {
        let span = months_after(released_on, policy.months);
        let mut window = Self::new(MilestoneKind::EmploymentSupportWindow);
        window.dates.opens_on = Some(span.first);
        window.dates.closes_on = Some(span.last);
        window.state_since = Some(released_on);
        window
    }

    /// The window a scheduled full-term release would open, counted from its scheduled date:
    /// what a family asks before the release ("until when would the support run?").
    pub fn projected_window(&self, policy: &WindowPolicy) -> Option<Milestone> {
        let planned = self.kind == MilestoneKind::Release
            && self.state == State::Scheduled
            && self.release_type == Some(ReleaseType::FullTerm);
        let scheduled_on = self.dates.scheduled_on.filter(|_| planned)?;
        // A date at the end of the calendar projects nothing rather than overflowing.
        (scheduled_on < super::calendar::LATEST).then(|| Milestone::window(scheduled_on, policy))
    }

    pub fn machine(&self) -> &'static Machine {
        Machine::for_kind(self.kind)
    }

    pub fn accepted_events(&self) -> Vec<Event> {
        self.machine().accepted(self.state)
    }

    /// The scheduled dates this milestone holds that can still come, by name: what the
    /// `upcoming` view and calendar feeds show. A passed or final milestone holds none.
    pub fn scheduled_dates(&self) -> Vec<(&'static str, NaiveDate)> {
        let dates = &self.dates;
        let candidates = match (self.kind, self.state) {
            (MilestoneKind::Bail, State::Requested | State::Granted | State::Released) => {
                vec![("hearing_on", dates.hearing_on), ("judgment_on", dates.judgment_on)]
            }
            (MilestoneKind::Release, State::Scheduled) => {
                vec![("scheduled_on", dates.scheduled_on), ("supervision_ends_on", dates.supervision_ends_on)]
            }
            (MilestoneKind::Release, _) => vec![("supervision_ends_on", dates.supervision_ends_on)],
            (MilestoneKind::EmploymentSupportWindow, State::Pending) => {
                vec![("opens_on", dates.opens_on), ("closes_on", dates.closes_on)]
            }
            (MilestoneKind::EmploymentSupportWindow, State::Open | State::Extended) => {
                vec![("closes_on", dates.closes_on)]
            }
            (MilestoneKind::Handoff, State::Arranged) => vec![("meeting_on", dates.meeting_on)],
            _ => vec![],
        };
        candidates.into_iter().filter_map(|(label, date)| date.map(|date| (label, date))).collect()
    }
}

#[cfg(test)]
mod tests;
