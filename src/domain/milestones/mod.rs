//! Milestones as state machines: what each kind's events do, guard and imply. Pure.

mod machine;

use chrono::{Duration, NaiveDate};

pub use machine::{Machine, NotAccepted, Transition};

use super::{period::months_after, text_enum, ScopeKind};

text_enum! {
    pub enum MilestoneKind ("milestone kind") {
        Bail = "bail",
        Release = "release",
        EmploymentSupportWindow = "employment_support_window",
        ProgramEnrollment = "program_enrollment",
    }
}

impl MilestoneKind {
    /// The consent scope kind that lets a linked party see milestones of this kind.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            MilestoneKind::Bail => ScopeKind::Bail,
            MilestoneKind::Release => ScopeKind::Release,
            MilestoneKind::EmploymentSupportWindow => ScopeKind::EmploymentSupportWindow,
            MilestoneKind::ProgramEnrollment => ScopeKind::ProgramEnrollment,
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub kind: MilestoneKind,
    pub state: &'static str,
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
}

/// An event as a client records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput {
    pub event: String,
    pub on: NaiveDate,
    pub release_type: Option<ReleaseType>,
    pub supervision_ends_on: Option<NaiveDate>,
}

impl EventInput {
    pub fn new(event: &str, on: NaiveDate) -> Self {
        Self { event: event.to_owned(), on, release_type: None, supervision_ends_on: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventError {
    NotAccepted(NotAccepted),
    Invalid { field: &'static str, message: String },
}

fn invalid(field: &'static str, message: impl Into<String>) -> EventError {
    EventError::Invalid { field, message: message.into() }
}

/// Why custody began, in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustodyCause {
    BailRevoked,
    CustodialSentence,
}

/// What a transition sets off beyond the milestone itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A full-term release opens the employment-support window.
    CreateWindow(Milestone),
    /// A revoked or lapsed bail means custody from that day.
    StartCustody { on: NaiveDate, cause: CustodyCause },
    /// Leaving prison ends custody.
    EndCustody { on: NaiveDate },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub milestone: Milestone,
    pub from: &'static str,
    pub to: &'static str,
    pub effects: Vec<Effect>,
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
        }
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

    pub fn machine(&self) -> &'static Machine {
        Machine::for_kind(self.kind)
    }

    pub fn accepted_events(&self) -> Vec<&'static str> {
        self.machine().accepted(self.state)
    }

    /// Records `input` if the current state accepts it and its guards hold; `today` is the
    /// person's local date. Nothing changes on a refusal.
    pub fn apply(&self, input: &EventInput, today: NaiveDate, policy: &WindowPolicy) -> Result<Applied, EventError> {
        let to = self.machine().next(self.state, &input.event).map_err(EventError::NotAccepted)?;
        let on = input.on;
        if on > today {
            return Err(invalid("on", "an event is recorded once it has happened; schedule future dates instead"));
        }
        if let Some(since) = self.state_since {
            if on < since {
                return Err(invalid("on", format!("the previous step was on {since}; this cannot come before it")));
            }
        }
        let mut next = self.clone();
        next.state = to;
        next.version += 1;
        next.state_since = Some(on);
        let mut effects = Vec::new();
        let dates = &mut next.dates;
        match (self.kind, input.event.as_str()) {
            (MilestoneKind::Bail, "grant") => dates.granted_on = Some(on),
            (MilestoneKind::Bail, "release") => dates.released_on = Some(on),
            (MilestoneKind::Bail, "deny" | "end") => dates.ended_on = Some(on),
            (MilestoneKind::Bail, "revoke") => {
                dates.ended_on = Some(on);
                effects.push(Effect::StartCustody { on, cause: CustodyCause::BailRevoked });
            }
            (MilestoneKind::Bail, "lapse_by_sentence") => {
                dates.ended_on = Some(on);
                effects.push(Effect::StartCustody { on, cause: CustodyCause::CustodialSentence });
            }
            (MilestoneKind::Release, "release") => {
                let release_type = input
                    .release_type
                    .or(self.release_type)
                    .ok_or_else(|| invalid("release_type", "say whether this is a full_term or parole release"))?;
                next.release_type = Some(release_type);
                dates.released_on = Some(on);
                match release_type {
                    ReleaseType::FullTerm => effects.push(Effect::CreateWindow(Milestone::window(on, policy))),
                    ReleaseType::Parole => {
                        let ends = input.supervision_ends_on.or(self.dates.supervision_ends_on).ok_or_else(|| {
                            invalid("supervision_ends_on", "a parole release needs the day supervision ends")
                        })?;
                        if ends <= on {
                            return Err(invalid("supervision_ends_on", "supervision ends after the release"));
                        }
                        dates.supervision_ends_on = Some(ends);
                    }
                }
                effects.push(Effect::EndCustody { on });
            }
            (MilestoneKind::EmploymentSupportWindow, event) => {
                let (opens_on, closes_on) = (self.dates.opens_on.unwrap_or(on), self.dates.closes_on.unwrap_or(on));
                match event {
                    "open" if on < opens_on => return Err(invalid("on", format!("the window opens on {opens_on}"))),
                    "use" if on < opens_on || on > closes_on => {
                        return Err(invalid("on", format!("the window runs {opens_on} … {closes_on}")))
                    }
                    "use" => dates.used_on = Some(on),
                    "expire" if on <= closes_on => {
                        return Err(invalid("on", format!("the window is open until {closes_on}")))
                    }
                    "extend" => {
                        if self.extensions >= policy.max_extensions {
                            return Err(invalid("event", "the policy allows no further extension"));
                        }
                        next.extensions += 1;
                        dates.closes_on = Some(months_after(closes_on, policy.extension_months).last);
                    }
                    _ => {}
                }
            }
            (MilestoneKind::ProgramEnrollment, "enroll" | "re_enroll") => {
                dates.enrolled_on = Some(on);
                dates.ended_on = None;
            }
            (MilestoneKind::ProgramEnrollment, "start") => dates.started_on = Some(on),
            (MilestoneKind::ProgramEnrollment, "complete" | "drop_out") => dates.ended_on = Some(on),
            _ => {}
        }
        Ok(Applied { milestone: next, from: self.state, to, effects })
    }

    /// The transitions that days passing bring about by themselves, as of `today`: a window
    /// opens on its first day and expires the day after its last, unless it was used.
    pub fn due_by_date(&self, today: NaiveDate) -> Option<EventInput> {
        if self.kind != MilestoneKind::EmploymentSupportWindow {
            return None;
        }
        match (self.state, self.dates.opens_on, self.dates.closes_on) {
            ("pending", Some(opens_on), _) if today >= opens_on => Some(EventInput::new("open", opens_on)),
            ("open" | "extended", _, Some(closes_on)) if today > closes_on => {
                Some(EventInput::new("expire", closes_on + Duration::days(1)))
            }
            _ => None,
        }
    }

    /// The scheduled dates this milestone holds that can still come, by name: what the
    /// `upcoming` view and calendar feeds show. A passed or final milestone holds none.
    pub fn scheduled_dates(&self) -> Vec<(&'static str, NaiveDate)> {
        let dates = &self.dates;
        let candidates = match (self.kind, self.state) {
            (MilestoneKind::Bail, "requested" | "granted" | "released") => {
                vec![("hearing_on", dates.hearing_on), ("judgment_on", dates.judgment_on)]
            }
            (MilestoneKind::Release, "scheduled") => {
                vec![("scheduled_on", dates.scheduled_on), ("supervision_ends_on", dates.supervision_ends_on)]
            }
            (MilestoneKind::Release, _) => vec![("supervision_ends_on", dates.supervision_ends_on)],
            (MilestoneKind::EmploymentSupportWindow, "pending") => {
                vec![("opens_on", dates.opens_on), ("closes_on", dates.closes_on)]
            }
            (MilestoneKind::EmploymentSupportWindow, "open" | "extended") => vec![("closes_on", dates.closes_on)],
            _ => vec![],
        };
        candidates.into_iter().filter_map(|(label, date)| date.map(|date| (label, date))).collect()
    }

    /// Records how many of a programme's sessions were attended.
    pub fn record_sessions(&self, attended: i32) -> Result<Milestone, EventError> {
        if self.kind != MilestoneKind::ProgramEnrollment {
            return Err(invalid("sessions_attended", format!("a {} milestone has no sessions", self.kind)));
        }
        let most = self.sessions_planned.unwrap_or(1000);
        if !(0..=most).contains(&attended) {
            return Err(invalid("sessions_attended", format!("between 0 and {most}")));
        }
        let mut next = self.clone();
        next.sessions_attended = attended;
        next.version += 1;
        Ok(next)
    }

    /// Moves a scheduled date (or sets or clears it).
    pub fn move_date(&self, date: MovableDate, new: Option<NaiveDate>) -> Result<(Milestone, DateMove), EventError> {
        let field = date.field();
        let movable = match (self.kind, date) {
            (MilestoneKind::Bail, MovableDate::HearingOn | MovableDate::JudgmentOn) => {
                matches!(self.state, "requested" | "granted" | "released")
            }
            (MilestoneKind::Release, MovableDate::ScheduledOn) => self.state == "scheduled",
            // Parole supervision can be shortened or lengthened until it has ended.
            (MilestoneKind::Release, MovableDate::SupervisionEndsOn) => {
                self.release_type != Some(ReleaseType::FullTerm)
            }
            _ => return Err(invalid(field, format!("a {} milestone has no {field}", self.kind))),
        };
        if !movable {
            return Err(invalid(field, format!("{field} no longer moves once the milestone is {}", self.state)));
        }
        if date == MovableDate::ScheduledOn && new.is_none() {
            return Err(invalid(field, "a release keeps a scheduled date"));
        }
        let mut next = self.clone();
        next.version += 1;
        let slot = match date {
            MovableDate::HearingOn => &mut next.dates.hearing_on,
            MovableDate::JudgmentOn => &mut next.dates.judgment_on,
            MovableDate::ScheduledOn => &mut next.dates.scheduled_on,
            MovableDate::SupervisionEndsOn => &mut next.dates.supervision_ends_on,
        };
        let old = std::mem::replace(slot, new);
        Ok((next, DateMove { date, old, new }))
    }
}

#[cfg(test)]
mod tests;
