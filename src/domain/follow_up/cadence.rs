//! A plan's cadence: phases of check-ins every so many weeks or Civil-Code months.

use chrono::NaiveDate;

use crate::domain::{calendar, period::months_after, Refusals, Why};

/// How far apart check-ins are within a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Weeks(u32),
    /// Civil-Code months counted from the plan's start: a plan from 31 January is due at the
    /// end of February (the 28th), not in March.
    Months(u32),
}

/// Check-ins every `every` until `until_month` months after the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phase {
    pub every: Step,
    pub until_month: u32,
}

/// A phase as it came, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhaseAsked {
    pub every_weeks: Option<u32>,
    pub every_months: Option<u32>,
    pub until_month: u32,
}

/// The phases of a plan, in order, each ending later than the one before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence(Vec<Phase>);

pub const MAX_PHASES: usize = 6;
pub const MAX_MONTHS: u32 = 36;

impl Default for Cadence {
    /// Every two weeks for three months, then monthly until twelve.
    fn default() -> Self {
        Self(vec![Phase { every: Step::Weeks(2), until_month: 3 }, Phase { every: Step::Months(1), until_month: 12 }])
    }
}

impl Cadence {
    pub fn phases(&self) -> &[Phase] {
        &self.0
    }

    /// Checks every phase and says all that is wrong at once, by field (`cadence[1].until_month`).
    pub fn parse(asked: &[PhaseAsked]) -> Result<Self, Refusals> {
        let mut refusals = Refusals::default();
        if asked.is_empty() {
            refusals.push("cadence", Why::NameAtLeastOne { what: "phase" }.into());
        }
        if asked.len() > MAX_PHASES {
            refusals.push("cadence", Why::Between { min: 1, max: MAX_PHASES as i64 }.into());
        }
        let mut phases = Vec::new();
        let mut previous = 0;
        for (index, phase) in asked.iter().enumerate() {
            let field = |name: &str| format!("cadence[{index}].{name}");
            let every = match (phase.every_weeks, phase.every_months) {
                (Some(weeks), None) if (1..=8).contains(&weeks) => Some(Step::Weeks(weeks)),
                (None, Some(months)) if (1..=6).contains(&months) => Some(Step::Months(months)),
                (Some(_), None) => {
                    refusals.push(&field("every_weeks"), Why::Between { min: 1, max: 8 }.into());
                    None
                }
                (None, Some(_)) => {
                    refusals.push(&field("every_months"), Why::Between { min: 1, max: 6 }.into());
                    None
                }
                _ => {
                    let why = Why::EitherOr { first: "every_weeks", second: "every_months" };
                    refusals.push(&field("every_weeks"), why.into());
                    None
                }
            };
            if phase.until_month <= previous || phase.until_month > MAX_MONTHS {
                let why = Why::Between { min: i64::from(previous) + 1, max: i64::from(MAX_MONTHS) };
                refusals.push(&field("until_month"), why.into());
            }
            previous = previous.max(phase.until_month);
            if let Some(every) = every {
                phases.push(Phase { every, until_month: phase.until_month });
            }
        }
        refusals.into_result()?;
        Ok(Self(phases))
    }

    /// The stored form: `2w:3,1m:12`.
    pub fn to_text(&self) -> String {
        let phase = |phase: &Phase| match phase.every {
            Step::Weeks(n) => format!("{n}w:{}", phase.until_month),
            Step::Months(n) => format!("{n}m:{}", phase.until_month),
        };
        self.0.iter().map(phase).collect::<Vec<_>>().join(",")
    }

    pub fn from_text(text: &str) -> Option<Self> {
        let mut asked = Vec::new();
        for part in text.split(',') {
            let (every, until) = part.split_once(':')?;
            let until_month = until.parse().ok()?;
            let (count, unit) = every.split_at(every.len().checked_sub(1)?);
            let count = count.parse().ok()?;
            asked.push(match unit {
                "w" => PhaseAsked { every_weeks: Some(count), every_months: None, until_month },
                "m" => PhaseAsked { every_weeks: None, every_months: Some(count), until_month },
                _ => return None,
            });
        }
        Self::parse(&asked).ok()
    }

    /// The months the plan runs.
    pub fn months(&self) -> u32 {
        self.0.last().map_or(0, |phase| phase.until_month)
    }

    /// Every check-in day of a plan starting on `starts_on`, on the cadence alone. The first
    /// comes one step after the start; each phase counts from where the one before ended, and
    /// month steps always count from the start, so that month ends do not drift.
    pub fn days(&self, starts_on: NaiveDate) -> Vec<NaiveDate> {
        let month_end = |months: u32| if months == 0 { starts_on } else { months_after(starts_on, months).last };
        let mut days = Vec::new();
        let mut from_month = 0;
        for phase in &self.0 {
            let ends_on = month_end(phase.until_month);
            match phase.every {
                Step::Weeks(weeks) => {
                    let anchor = month_end(from_month);
                    let mut k = 1;
                    while let Some(day) = calendar::add_days(anchor, i64::from(weeks * 7 * k)) {
                        if day > ends_on {
                            break;
                        }
                        days.push(day);
                        k += 1;
                    }
                }
                Step::Months(months) => {
                    let mut month = from_month + months;
                    while month <= phase.until_month {
                        days.push(month_end(month));
                        month += months;
                    }
                }
            }
            from_month = phase.until_month;
        }
        days
    }

    /// The plan's last day.
    pub fn ends_on(&self, starts_on: NaiveDate) -> NaiveDate {
        months_after(starts_on, self.months()).last
    }
}

impl std::fmt::Display for Cadence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl std::str::FromStr for Cadence {
    type Err = crate::domain::Invalid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_text(text).ok_or_else(|| crate::domain::Invalid::new("not a cadence"))
    }
}
