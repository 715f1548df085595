//! The facility as a team: how long an alert may be snoozed, and what staff log having done.

use crate::domain::Why;
use chrono::NaiveDate;

use super::{calendar, text_enum, Note, Refusals};

text_enum! {
    /// What staff did about an alert.
    pub enum ContactOutcome ("contact outcome") {
        Reached = "reached",
        NoAnswer = "no_answer",
        LeftMessage = "left_message",
        MetInPerson = "met_in_person",
    }
}

/// A snooze: hidden from the team's default list until `until` (a local date), then back by
/// itself. A policy caps it (`max_days`); a reason is required, so the next shift knows why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snooze {
    pub until: NaiveDate,
    pub reason: Note,
}

impl Snooze {
    pub fn parse(until: NaiveDate, reason: &str, today: NaiveDate, max_days: u32) -> Result<Self, Refusals> {
        let mut refusals = Refusals::default();
        let latest = calendar::add_days(today, i64::from(max_days)).unwrap_or(NaiveDate::MAX);
        if until <= today {
            refusals.push("until", Why::NotALaterDay.into());
        } else if until > latest {
            refusals.push("until", Why::AtMostDaysAhead { days: max_days.into(), latest }.into());
        }
        let reason = match Note::parse_at_most(reason, 500) {
            Ok(Some(reason)) => Some(reason),
            Ok(None) => {
                refusals.push("reason", Why::SayWhy.into());
                None
            }
            Err(why) => {
                refusals.push("reason", why);
                None
            }
        };
        refusals.clone().into_result()?;
        reason.map(|reason| Self { until, reason }).ok_or(refusals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_snooze_lasts_one_to_the_policy_days_and_says_why() {
        let today = d(2026, 3, 1);
        assert!(Snooze::parse(d(2026, 3, 2), "waiting for the hearing", today, 14).is_ok());
        assert!(Snooze::parse(d(2026, 3, 15), "waiting", today, 14).is_ok());
        assert!(Snooze::parse(d(2026, 3, 16), "waiting", today, 14).is_err());
        assert!(Snooze::parse(today, "waiting", today, 14).is_err());
        assert!(Snooze::parse(d(2026, 3, 2), "  ", today, 14).is_err());
    }

    #[test]
    fn outcomes_are_the_four_staff_log() {
        assert_eq!("met_in_person".parse::<ContactOutcome>(), Ok(ContactOutcome::MetInPerson));
        assert!("ignored".parse::<ContactOutcome>().is_err());
    }
}
