//! Creating a milestone and changing its dates or attendance: each checked whole against the
//! milestone as it stands, so that a change either holds together or is refused field by field.

use crate::domain::Why;
use chrono::NaiveDate;

use super::{DateMove, HandoffOf, Milestone, MilestoneKind, MovableDate, Program, ReleaseType, State};
use crate::domain::{calendar, Invalid, Refusals};

/// A milestone as a client asks for it to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewMilestone {
    Bail { requested_on: NaiveDate, hearing_on: Option<NaiveDate>, judgment_on: Option<NaiveDate> },
    Release { scheduled_on: NaiveDate, release_type: Option<ReleaseType>, supervision_ends_on: Option<NaiveDate> },
    Program { program: Program, referred_on: NaiveDate, sessions_planned: Option<i32> },
    Handoff { proposed_on: NaiveDate, of: HandoffOf },
}

impl NewMilestone {
    pub fn kind(&self) -> MilestoneKind {
        match self {
            NewMilestone::Bail { .. } => MilestoneKind::Bail,
            NewMilestone::Release { .. } => MilestoneKind::Release,
            NewMilestone::Program { .. } => MilestoneKind::ProgramEnrollment,
            NewMilestone::Handoff { .. } => MilestoneKind::Handoff,
        }
    }
}

/// What a PATCH asks: dates that move (`Some(None)` clears one) and a programme's attendance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub hearing_on: Option<Option<NaiveDate>>,
    pub judgment_on: Option<Option<NaiveDate>>,
    pub scheduled_on: Option<NaiveDate>,
    pub supervision_ends_on: Option<Option<NaiveDate>>,
    pub sessions_attended: Option<i32>,
}

impl Change {
    /// One date moving, as a probation system pushes it.
    pub fn date(date: MovableDate, new: NaiveDate) -> Self {
        let mut change = Self::default();
        match date {
            MovableDate::HearingOn => change.hearing_on = Some(Some(new)),
            MovableDate::JudgmentOn => change.judgment_on = Some(Some(new)),
            MovableDate::ScheduledOn => change.scheduled_on = Some(new),
            MovableDate::SupervisionEndsOn => change.supervision_ends_on = Some(Some(new)),
        }
        change
    }

    fn dates(&self) -> [(MovableDate, Option<Option<NaiveDate>>); 4] {
        [
            (MovableDate::HearingOn, self.hearing_on),
            (MovableDate::JudgmentOn, self.judgment_on),
            (MovableDate::ScheduledOn, self.scheduled_on.map(Some)),
            (MovableDate::SupervisionEndsOn, self.supervision_ends_on),
        ]
    }
}

/// A step of history that is no transition: the state stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Annotation {
    DateMoved(DateMove),
    SessionsRecorded { attended: i32 },
}

/// A change that holds: the milestone it leaves and one history step per thing that changed
/// (the version rises by one for each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub milestone: Milestone,
    pub steps: Vec<Annotation>,
}

/// Dates that come in order: the later not before (or, strictly, not on) the earlier.
const ORDER: [(&str, &str, bool); 5] = [
    ("requested_on", "hearing_on", false),
    ("requested_on", "judgment_on", false),
    ("hearing_on", "judgment_on", false),
    ("scheduled_on", "supervision_ends_on", true),
    ("released_on", "supervision_ends_on", true),
];

const MOST_SESSIONS: i32 = 1000;

impl Milestone {
    /// Checks a new milestone whole: recorded dates have happened, scheduled ones come in order,
    /// every date lies in the calendar the service works in.
    pub fn create(new: &NewMilestone, today: NaiveDate) -> Result<Milestone, Refusals> {
        let mut refusals = Refusals::default();
        let milestone = match *new {
            NewMilestone::Bail { requested_on, hearing_on, judgment_on } => {
                refusals.check("requested_on", calendar::happened(requested_on, today));
                let mut bail = Milestone::bail(requested_on);
                bail.dates.hearing_on = hearing_on;
                bail.dates.judgment_on = judgment_on;
                bail
            }
            NewMilestone::Release { scheduled_on, release_type, supervision_ends_on } => {
                let mut release = Milestone::release(scheduled_on, release_type);
                release.dates.supervision_ends_on = supervision_ends_on;
                release
            }
            NewMilestone::Program { program, referred_on, sessions_planned } => {
                refusals.check("referred_on", calendar::happened(referred_on, today));
                if sessions_planned.is_some_and(|planned| !(1..=MOST_SESSIONS).contains(&planned)) {
                    refusals.push("sessions_planned", Why::Between { min: 1, max: MOST_SESSIONS.into() }.into());
                }
                Milestone::program(program, referred_on, sessions_planned)
            }
            NewMilestone::Handoff { proposed_on, of } => {
                refusals.check("proposed_on", calendar::happened(proposed_on, today));
                Milestone::handoff(proposed_on, of)
            }
        };
        let given: Vec<&str> = milestone.date_fields().iter().map(|(field, _)| *field).collect();
        // A date refused as not yet happened is not refused twice.
        for refusal in milestone.check(&given).0 {
            if !refusals.0.iter().any(|seen| seen.field == refusal.field) {
                refusals.0.push(refusal);
            }
        }
        refusals.into_result()?;
        Ok(milestone)
    }

    /// Applies a PATCH whole or not at all: every field that cannot change, or that would leave
    /// the milestone's dates out of order, is refused, and then nothing changes.
    pub fn change(&self, change: &Change) -> Result<Changed, Refusals> {
        let mut refusals = Refusals::default();
        let mut next = self.clone();
        let mut steps = Vec::new();
        let mut changed = Vec::new();
        for (date, new) in change.dates() {
            let Some(new) = new else { continue };
            match self.movable(date, new) {
                Err(why) => refusals.push(date.field(), why),
                Ok(()) => {
                    let old = std::mem::replace(next.date_slot(date), new);
                    if old != new {
                        steps.push(Annotation::DateMoved(DateMove { date, old, new }));
                        changed.push(date.field());
                    }
                }
            }
        }
        if let Some(attended) = change.sessions_attended {
            match self.attendance(attended) {
                Err(why) => refusals.push("sessions_attended", why),
                Ok(()) => {
                    next.sessions_attended = attended;
                    steps.push(Annotation::SessionsRecorded { attended });
                }
            }
        }
        for refusal in next.check(&changed).0 {
            refusals.0.push(refusal);
        }
        refusals.into_result()?;
        next.version += steps.len() as i64;
        Ok(Changed { milestone: next, steps })
    }

    /// The dates that may still move in the milestone's state.
    pub fn movable_dates(&self) -> Vec<MovableDate> {
        MovableDate::ALL.into_iter().filter(|date| self.movable(*date, Some(calendar::EARLIEST)).is_ok()).collect()
    }

    fn movable(&self, date: MovableDate, new: Option<NaiveDate>) -> Result<(), Invalid> {
        let field = date.field();
        let movable = match (self.kind, date) {
            (MilestoneKind::Bail, MovableDate::HearingOn | MovableDate::JudgmentOn) => {
                matches!(self.state, State::Requested | State::Granted | State::Released)
            }
            (MilestoneKind::Release, MovableDate::ScheduledOn) => self.state == State::Scheduled,
            // Parole supervision can be shortened or lengthened until it has ended.
            (MilestoneKind::Release, MovableDate::SupervisionEndsOn) => {
                self.release_type != Some(ReleaseType::FullTerm)
            }
            _ => return Err(Invalid::new(format!("a {} milestone has no {field}", self.kind))),
        };
        if !movable {
            return Err(Why::NoLongerMoves.into());
        }
        if date == MovableDate::ScheduledOn && new.is_none() {
            return Err(Why::Required.into());
        }
        Ok(())
    }

    fn attendance(&self, attended: i32) -> Result<(), Invalid> {
        if self.kind != MilestoneKind::ProgramEnrollment {
            return Err(Invalid::new(format!("a {} milestone has no sessions", self.kind)));
        }
        let most = self.sessions_planned.unwrap_or(MOST_SESSIONS);
        if !(0..=most).contains(&attended) {
            return Err(Why::Between { min: 0, max: most.into() }.into());
        }
        Ok(())
    }

    fn date_slot(&mut self, date: MovableDate) -> &mut Option<NaiveDate> {
        match date {
            MovableDate::HearingOn => &mut self.dates.hearing_on,
            MovableDate::JudgmentOn => &mut self.dates.judgment_on,
            MovableDate::ScheduledOn => &mut self.dates.scheduled_on,
            MovableDate::SupervisionEndsOn => &mut self.dates.supervision_ends_on,
        }
    }

    /// The dates this milestone holds, by field name.
    pub(super) fn date_fields(&self) -> Vec<(&'static str, NaiveDate)> {
        let d = &self.dates;
        [
            ("requested_on", d.requested_on),
            ("granted_on", d.granted_on),
            ("released_on", d.released_on),
            ("ended_on", d.ended_on),
            ("hearing_on", d.hearing_on),
            ("judgment_on", d.judgment_on),
            ("scheduled_on", d.scheduled_on),
            ("supervision_ends_on", d.supervision_ends_on),
            ("opens_on", d.opens_on),
            ("closes_on", d.closes_on),
            ("used_on", d.used_on),
            ("referred_on", d.referred_on),
            ("enrolled_on", d.enrolled_on),
            ("started_on", d.started_on),
            ("proposed_on", d.proposed_on),
            ("meeting_on", d.meeting_on),
        ]
        .into_iter()
        .filter_map(|(field, date)| date.map(|date| (field, date)))
        .collect()
    }

    /// The rules a milestone's dates obey, checked where `changed` fields are involved (a
    /// stored milestone that predates a rule does not block an unrelated change). A refusal
    /// names the changed field, or the later one when both changed.
    pub(super) fn check(&self, changed: &[&str]) -> Refusals {
        let mut refusals = Refusals::default();
        let dates = self.date_fields();
        let date = |field: &str| dates.iter().find(|(name, _)| *name == field).map(|(_, date)| *date);
        for (field, value) in &dates {
            if changed.contains(field) {
                refusals.check(field, calendar::in_range(*value));
            }
        }
        for (earlier, later, strictly) in ORDER {
            let (in_earlier, in_later) = (changed.contains(&earlier), changed.contains(&later));
            if !(in_earlier || in_later) {
                continue;
            }
            // Once released, supervision is measured from the release, not the plan.
            if earlier == "scheduled_on" && self.dates.released_on.is_some() {
                continue;
            }
            let (Some(first), Some(second)) = (date(earlier), date(later)) else { continue };
            let out_of_order = if strictly { second <= first } else { second < first };
            let blamed = if in_later { later } else { earlier };
            if out_of_order && !refusals.0.iter().any(|refusal| refusal.field == blamed) {
                refusals.push(blamed, Why::OutOfOrder { earlier, first, later, second }.into());
            }
        }
        refusals
    }
}
