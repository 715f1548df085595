//! What an event does to a milestone: its transition, the dates it sets and what it sets off.

use crate::domain::Why;
use chrono::NaiveDate;

use super::{months_after, Event, Meeting, Milestone, MilestoneKind, Refused, ReleaseType, State, WindowPolicy};
use crate::domain::{calendar, Invalid, Refusals};

/// An event as a client (or the passing of days) records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput {
    pub event: Event,
    pub on: NaiveDate,
    pub release_type: Option<ReleaseType>,
    pub supervision_ends_on: Option<NaiveDate>,
    /// With `arrange`: the meeting (its day required; it may lie ahead).
    pub meeting: Option<Meeting>,
}

impl EventInput {
    pub fn new(event: Event, on: NaiveDate) -> Self {
        Self { event, on, release_type: None, supervision_ends_on: None, meeting: None }
    }
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
    pub from: State,
    pub to: State,
    pub effects: Vec<Effect>,
}

fn refused(field: &str, why: Why) -> Refused {
    Refused::Fields(Refusals::one(field, Invalid(why)))
}

impl Milestone {
    /// Records `input` if the current state accepts it and its guards hold; `today` is the
    /// person's local date. Nothing changes on a refusal.
    pub fn apply(&self, input: &EventInput, today: NaiveDate, policy: &WindowPolicy) -> Result<Applied, Refused> {
        let to = self.machine().next(self.state, input.event).map_err(Refused::NotAccepted)?;
        let on = calendar::happened(input.on, today).map_err(|why| Refused::Fields(Refusals::one("on", why)))?;
        if let Some(since) = self.state_since {
            if on < since {
                return Err(refused("on", Why::BeforePreviousStep { since }));
            }
        }
        let mut next = self.clone();
        next.state = to;
        next.version += 1;
        next.state_since = Some(on);
        let mut effects = Vec::new();
        let mut changed = vec!["on"];
        let dates = &mut next.dates;
        // Every event is named: one the machine adds must say here what it does.
        match input.event {
            Event::Grant => dates.granted_on = Some(on),
            Event::Deny | Event::End => dates.ended_on = Some(on),
            Event::Revoke => {
                dates.ended_on = Some(on);
                effects.push(Effect::StartCustody { on, cause: CustodyCause::BailRevoked });
            }
            Event::LapseBySentence => {
                dates.ended_on = Some(on);
                effects.push(Effect::StartCustody { on, cause: CustodyCause::CustodialSentence });
            }
            // Out on bail: only the date.
            Event::Release if self.kind == MilestoneKind::Bail => dates.released_on = Some(on),
            Event::Release => {
                let release_type =
                    input.release_type.or(self.release_type).ok_or_else(|| refused("release_type", Why::Required))?;
                next.release_type = Some(release_type);
                dates.released_on = Some(on);
                changed.push("released_on");
                match release_type {
                    ReleaseType::FullTerm => effects.push(Effect::CreateWindow(Milestone::window(on, policy))),
                    ReleaseType::Parole => {
                        let ends = input
                            .supervision_ends_on
                            .or(self.dates.supervision_ends_on)
                            .ok_or_else(|| refused("supervision_ends_on", Why::Required))?;
                        dates.supervision_ends_on = Some(ends);
                        changed.push("supervision_ends_on");
                    }
                }
                effects.push(Effect::EndCustody { on });
            }
            Event::Open => {
                if let Some(opens_on) = self.dates.opens_on.filter(|opens_on| on < *opens_on) {
                    return Err(refused("on", Why::WindowOpensOn { opens_on }));
                }
            }
            Event::Use => {
                let (opens_on, closes_on) = (self.dates.opens_on.unwrap_or(on), self.dates.closes_on.unwrap_or(on));
                if on < opens_on || on > closes_on {
                    return Err(refused("on", Why::WindowRuns { opens_on, closes_on }));
                }
                dates.used_on = Some(on);
            }
            Event::Expire => {
                if let Some(closes_on) = self.dates.closes_on.filter(|closes_on| on <= *closes_on) {
                    return Err(refused("on", Why::WindowOpenUntil { closes_on }));
                }
            }
            Event::Extend => {
                if self.extensions >= policy.max_extensions {
                    return Err(refused("event", Why::NoFurtherExtension));
                }
                next.extensions += 1;
                let closes_on = self.dates.closes_on.unwrap_or(on);
                dates.closes_on = Some(months_after(closes_on, policy.extension_months).last);
                changed.push("closes_on");
            }
            Event::Enroll | Event::ReEnroll => {
                dates.enrolled_on = Some(on);
                dates.ended_on = None;
            }
            Event::Start => dates.started_on = Some(on),
            Event::Complete | Event::DropOut => dates.ended_on = Some(on),
            // The state says it all; the step's date is in the history.
            Event::Interrupt | Event::Resume => {}
            Event::Arrange => {
                let meeting = input.meeting.clone().unwrap_or_default();
                let meeting_on = meeting.on.ok_or_else(|| refused("meeting_on", Why::Required))?;
                // Arranged on `on` for a day that may lie ahead, but not before it was arranged.
                if meeting_on < on {
                    return Err(refused("meeting_on", Why::BeforePreviousStep { since: on }));
                }
                dates.meeting_on = Some(meeting_on);
                next.meeting = meeting;
                changed.push("meeting_on");
            }
            // Held or missed on the day arranged, or later (the day it was learnt).
            Event::Hold | Event::Miss => {
                if let Some(meeting_on) = self.dates.meeting_on.filter(|meeting_on| on < *meeting_on) {
                    return Err(refused("on", Why::MeetingOn { meeting_on }));
                }
            }
            Event::Decline => dates.ended_on = Some(on),
        }
        next.check(&changed).into_result()?;
        Ok(Applied { milestone: next, from: self.state, to, effects })
    }

    /// The transitions that days passing bring about by themselves, as of `today`: a window
    /// opens on its first day and expires the day after its last, unless it was used.
    pub fn due_by_date(&self, today: NaiveDate) -> Option<EventInput> {
        if self.kind != MilestoneKind::EmploymentSupportWindow {
            return None;
        }
        match (self.state, self.dates.opens_on, self.dates.closes_on) {
            (State::Pending, Some(opens_on), _) if today >= opens_on => Some(EventInput::new(Event::Open, opens_on)),
            (State::Open | State::Extended, _, Some(closes_on)) if today > closes_on => {
                closes_on.succ_opt().map(|day_after| EventInput::new(Event::Expire, day_after))
            }
            _ => None,
        }
    }
}

impl Milestone {
    /// Custody interrupts an active programme from the day it began, or from the programme's
    /// last step when custody is recorded late.
    pub fn interrupt_for_custody(
        &self,
        custody_from: NaiveDate,
        today: NaiveDate,
        policy: &WindowPolicy,
    ) -> Result<Applied, Refused> {
        let on = self.state_since.map_or(custody_from, |since| since.max(custody_from));
        self.apply(&EventInput::new(Event::Interrupt, on), today, policy)
    }
}
