//! Follow-up plans (声のかけ橋): a coordinator stays in touch with a person for a year, on a
//! cadence, through custody and past the end of supervision. Pure: which check-ins are owed on
//! which days, what a run of unanswered calls means, when a press of "I want to talk" is a new
//! request. Nothing is stored here.

mod cadence;
mod talk;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use super::{calendar, text_enum, Note, Refusals, Why};

pub use cadence::{Cadence, Phase, PhaseAsked, Step, MAX_MONTHS, MAX_PHASES};
pub use talk::{is_new_talk, LastTalk, TALK_OPEN_FOR, TALK_SAME_REQUEST};

/// The rule of the task in the coordinator's inbox on the day a check-in is due.
pub const CHECK_IN_RULE: &str = "check_in_due";
/// The rule of the alert when check-ins go unanswered in a row.
pub const GONE_QUIET_RULE: &str = "gone_quiet";
/// The rule of the alert when the person asks for a call.
pub const TALK_RULE: &str = "talk_requested";
/// A plan's alerts: settled by the plan and its check-ins, never cancelled by risk planning.
pub const ALERT_RULES: [&str; 3] = [CHECK_IN_RULE, GONE_QUIET_RULE, TALK_RULE];

text_enum! {
    /// How a check-in went.
    pub enum Outcome ("check-in outcome") {
        Reached = "reached",
        NoAnswer = "no_answer",
        /// The person answered and did not want to talk this time.
        Declined = "declined",
        /// The person asked to stop: the plan ends.
        Withdrew = "withdrew",
    }
}

text_enum! {
    /// How the person was reached, or tried.
    pub enum Channel ("contact channel") {
        Phone = "phone",
        InPerson = "in_person",
        Message = "message",
    }
}

text_enum! {
    pub enum PlanState ("plan state") {
        Active = "active",
        /// The person is in custody: nothing is due until they are out.
        Paused = "paused",
        Ended = "ended",
    }
}

text_enum! {
    /// Why a plan ended.
    pub enum Ended ("why a plan ended") {
        /// The person withdrew from it.
        Withdrew = "withdrew",
        /// The coordinator's link (the person's consent to be contacted) is no longer in force.
        ConsentEnded = "consent_ended",
        /// Its last check-in day has passed.
        Completed = "completed",
    }
}

/// A stretch in custody: from `started_on` until the day before `ended_on` (the release day);
/// still running when `ended_on` is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Custody {
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
}

impl Custody {
    fn holds_on(&self, day: NaiveDate) -> bool {
        day >= self.started_on && self.ended_on.is_none_or(|ended| day < ended)
    }
}

/// A check-in as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub on: NaiveDate,
    pub outcome: Outcome,
}

/// What a plan's check-ins follow from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFacts {
    pub starts_on: NaiveDate,
    /// The first day anything is owed: the day the plan was made (nothing is overdue before it).
    pub owed_from: NaiveDate,
    pub cadence: Cadence,
    pub custody: Vec<Custody>,
    /// Check-ins recorded, oldest first.
    pub records: Vec<Record>,
    /// Records before this index came before the plan was set again after a withdrawal.
    pub restarted_after: usize,
}

/// One check-in owed, and the record that answers it (an index into `records`), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub on: NaiveDate,
    pub answered_by: Option<usize>,
}

impl PlanFacts {
    /// The day the person withdrew, if they did (the last withdrawal stands).
    pub fn withdrawn_on(&self) -> Option<NaiveDate> {
        let since_restart = self.records.get(self.restarted_after..).unwrap_or_default();
        since_restart.iter().rev().find(|record| record.outcome == Outcome::Withdrew).map(|record| record.on)
    }

    /// The check-ins owed, in order: the cadence's days from the day the plan was made, none
    /// while in custody and one on the day the person comes out, none after a withdrawal.
    /// Each is answered by the latest record that [`answered_on`] gives it.
    pub fn dues(&self) -> Vec<Due> {
        let ends_on = self.cadence.ends_on(self.starts_on);
        let mut days: Vec<NaiveDate> = Vec::new();
        let mut resumed = Vec::new();
        for day in self.cadence.days(self.starts_on) {
            match self.custody.iter().find(|custody| custody.holds_on(day)) {
                None => days.push(day),
                // Coming out is when staying in touch matters most: a check-in that day.
                Some(custody) => resumed.extend(custody.ended_on.filter(|out| *out <= ends_on)),
            }
        }
        days.extend(resumed);
        days.retain(|day| *day >= self.owed_from && *day >= self.starts_on);
        if let Some(withdrawn) = self.withdrawn_on() {
            days.retain(|day| *day <= withdrawn);
        }
        days.sort_unstable();
        days.dedup();
        let mut dues: Vec<Due> = days.into_iter().map(|on| Due { on, answered_by: None }).collect();
        for (index, record) in self.records.iter().enumerate() {
            if let Some(answered) = answered_on(&dues, record.on) {
                if let Some(due) = dues.iter_mut().find(|due| due.on == answered) {
                    due.answered_by = Some(index);
                }
            }
        }
        dues
    }

    /// The plan's state today, and why it ended if it did.
    pub fn state(&self, today: NaiveDate, consent_in_force: bool) -> (PlanState, Option<Ended>) {
        if self.withdrawn_on().is_some() {
            (PlanState::Ended, Some(Ended::Withdrew))
        } else if !consent_in_force {
            (PlanState::Ended, Some(Ended::ConsentEnded))
        } else if today > self.cadence.ends_on(self.starts_on) {
            (PlanState::Ended, Some(Ended::Completed))
        } else if self.custody.iter().any(|custody| custody.holds_on(today)) {
            (PlanState::Paused, None)
        } else {
            (PlanState::Active, None)
        }
    }
}

/// A call made up to this many days before a check-in's day counts for it.
pub const EARLY_DAYS: i64 = 3;

/// The check-in a contact on `on` answers: the latest due by `on`, or one due within
/// [`EARLY_DAYS`] after it (the call came a little early).
pub fn answered_on(dues: &[Due], on: NaiveDate) -> Option<NaiveDate> {
    let by = calendar::add_days(on, EARLY_DAYS).unwrap_or(on);
    dues.iter().rev().find(|due| due.on <= by).map(|due| due.on)
}

/// How many of the latest check-ins in a row went unanswered. A reached or declined call (the
/// person picked up) breaks the run.
pub fn unanswered_in_a_row(records: &[Record]) -> usize {
    records.iter().rev().take_while(|record| record.outcome == Outcome::NoAnswer).count()
}

/// Whether recording `outcome` after `records` is the moment the person has gone quiet: the
/// run of unanswered calls reaches the policy's count (once per run, not at every call after).
pub fn goes_quiet(records: &[Record], outcome: Outcome, policy: &FollowUpPolicy) -> bool {
    outcome == Outcome::NoAnswer && unanswered_in_a_row(records) + 1 == policy.quiet_after
}

/// Policy, not law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpPolicy {
    /// Unanswered check-ins in a row that raise an alert.
    pub quiet_after: usize,
}

impl Default for FollowUpPolicy {
    fn default() -> Self {
        Self { quiet_after: 3 }
    }
}

/// A check-in as the caller recorded it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckIn {
    pub on: NaiveDate,
    pub outcome: Outcome,
    pub channel: Option<Channel>,
    pub note: Option<Note>,
}

impl NewCheckIn {
    /// On a day that has come, not before the plan starts; a channel only for a contact tried.
    pub fn parse(
        on: NaiveDate,
        outcome: &str,
        channel: Option<&str>,
        note: Option<&str>,
        starts_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Self, Refusals> {
        let mut refusals = Refusals::default();
        let on = refusals.check("on", calendar::happened(on, today)).and_then(|on| {
            if on < starts_on {
                let why = Why::OutOfOrder { earlier: "starts_on", first: starts_on, later: "on", second: on };
                refusals.push("on", why.into());
                None
            } else {
                Some(on)
            }
        });
        let outcome = refusals.check("outcome", outcome.parse::<Outcome>());
        let channel = match channel.map(str::trim).filter(|c| !c.is_empty()) {
            None => Some(None),
            Some(channel) => refusals.check("channel", channel.parse::<Channel>()).map(Some),
        };
        let note = refusals.check("note", Note::parse(note.unwrap_or_default()));
        match (on, outcome, channel, note) {
            (Some(on), Some(outcome), Some(channel), Some(note)) if refusals.is_empty() => {
                Ok(Self { on, outcome, channel, note })
            }
            _ => Err(refusals),
        }
    }
}
