//! When a service is open or meets, as the iCalendar RRULE terms HSDS schedules use: weekly on
//! some weekdays, or monthly on the n-th (or last) weekday or on days of the month, between two
//! times of day, from and until two dates. Dates are local dates of the service's zone.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::super::{calendar, quiet_hours::parse_clock_time, Invalid, Refusals, Why};

/// How often the rule repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freq {
    Weekly,
    Monthly,
}

impl Freq {
    pub fn rrule(self) -> &'static str {
        match self {
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
        }
    }
}

/// A weekday, with for a monthly rule which of the month (1–5 counted from the first, -1 the
/// last): `TU`, `2TU`, `-1FR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByDay {
    pub nth: Option<i8>,
    pub weekday: Weekday,
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

impl ByDay {
    /// `TU`, `2TU`, `-1FR` (any case); `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim().to_ascii_uppercase();
        let split = raw.len().checked_sub(2)?;
        let (nth, code) = raw.split_at(split);
        let weekday = WEEKDAYS.iter().find(|(name, _)| *name == code)?.1;
        let nth = match nth.trim_start_matches('+') {
            "" => None,
            n => match n.parse::<i8>().ok()? {
                n @ (1..=5 | -1) => Some(n),
                _ => return None,
            },
        };
        Some(Self { nth, weekday })
    }

    fn code(weekday: Weekday) -> &'static str {
        WEEKDAYS.iter().find(|(_, day)| *day == weekday).map_or("MO", |(name, _)| name)
    }

    pub fn text(self) -> String {
        match self.nth {
            Some(n) => format!("{n}{}", Self::code(self.weekday)),
            None => Self::code(self.weekday).to_owned(),
        }
    }

    fn matches(self, day: NaiveDate) -> bool {
        if day.weekday() != self.weekday {
            return false;
        }
        match self.nth {
            None => true,
            Some(-1) => day.checked_add_days(chrono::Days::new(7)).is_none_or(|next| next.month() != day.month()),
            Some(n) => i64::from(day.day0() / 7 + 1) == i64::from(n),
        }
    }
}

/// A schedule as asked for: the HSDS fields, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecurrenceAsked {
    pub freq: String,
    pub byday: Option<String>,
    pub bymonthday: Option<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// A checked schedule, stored as JSON on its service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub id: uuid::Uuid,
    pub freq: Freq,
    /// Weekdays as written in RRULE (`TU`, `2TU`); empty for days of the month.
    pub byday: Vec<String>,
    /// Days of the month (1–31, -1 the last).
    pub bymonthday: Vec<i8>,
    pub opens_at: NaiveTime,
    pub closes_at: NaiveTime,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// At most this many weekdays or days of the month in one rule.
const MOST_DAYS: usize = 10;

fn list(raw: Option<&str>) -> Vec<&str> {
    raw.map(|raw| raw.split(',').map(str::trim).filter(|item| !item.is_empty()).collect()).unwrap_or_default()
}

impl Recurrence {
    /// Checks every field; `at` names the schedule (`schedules[0]`) in each refusal.
    pub fn parse(asked: &RecurrenceAsked, id: uuid::Uuid, at: &str) -> Result<Self, Refusals> {
        let mut refused = Refusals::default();
        let field = |name: &str| format!("{at}.{name}");
        let freq = match asked.freq.trim().to_ascii_lowercase().as_str() {
            "weekly" => Some(Freq::Weekly),
            "monthly" => Some(Freq::Monthly),
            given => {
                let why =
                    Why::NotAChoice { what: "frequency", given: given.to_owned(), choices: vec!["weekly", "monthly"] };
                refused.push(&field("freq"), why.into());
                None
            }
        };
        let byday_raw = list(asked.byday.as_deref());
        let monthday_raw = list(asked.bymonthday.as_deref());
        let mut byday = Vec::new();
        for item in &byday_raw {
            match ByDay::parse(item) {
                Some(day) if freq == Some(Freq::Weekly) && day.nth.is_some() => {
                    refused.push(
                        &field("byday"),
                        Invalid::new(format!("{item}: a weekly rule names weekdays only (TU, not 2TU)")),
                    );
                }
                Some(day) => byday.push(day),
                None => refused.push(
                    &field("byday"),
                    Invalid::new(format!("{item} is not a weekday as RRULE writes it (MO … SU, 2TU, -1FR)")),
                ),
            }
        }
        let mut bymonthday = Vec::new();
        for item in &monthday_raw {
            match item.parse::<i8>() {
                Ok(day @ (1..=31 | -1)) => bymonthday.push(day),
                _ => refused.push(
                    &field("bymonthday"),
                    Invalid::new(format!("{item} is not a day of the month (1–31, or -1 for the last)")),
                ),
            }
        }
        if byday_raw.len() + monthday_raw.len() > MOST_DAYS {
            refused.push(&field("byday"), Invalid::new(format!("at most {MOST_DAYS} days in one schedule")));
        }
        match freq {
            Some(Freq::Weekly) if byday_raw.is_empty() => refused.push(&field("byday"), Why::Required.into()),
            Some(Freq::Weekly) if !monthday_raw.is_empty() => refused
                .push(&field("bymonthday"), Invalid::new("a weekly schedule meets on weekdays: leave bymonthday out")),
            Some(Freq::Monthly) if byday_raw.is_empty() == monthday_raw.is_empty() => {
                refused.push(&field("byday"), Why::EitherOr { first: "byday", second: "bymonthday" }.into())
            }
            Some(Freq::Monthly) if byday.iter().any(|day| day.nth.is_none()) => refused
                .push(&field("byday"), Invalid::new("a monthly schedule names which weekday of the month (2TU, -1FR)")),
            _ => {}
        }
        let opens_at = refused.check(&field("opens_at"), parse_clock_time(asked.opens_at.trim()));
        let closes_at = refused.check(&field("closes_at"), parse_clock_time(asked.closes_at.trim()));
        if let (Some(opens), Some(closes)) = (opens_at, closes_at) {
            if closes <= opens {
                refused.push(&field("closes_at"), Why::EndsBeforeStart.into());
            }
        }
        let valid_from = asked.valid_from.and_then(|day| refused.check(&field("valid_from"), calendar::in_range(day)));
        let valid_to = asked.valid_to.and_then(|day| refused.check(&field("valid_to"), calendar::in_range(day)));
        if let (Some(from), Some(to)) = (valid_from, valid_to) {
            if to < from {
                let why = Why::OutOfOrder { earlier: "valid_from", first: from, later: "valid_to", second: to };
                refused.push(&field("valid_to"), why.into());
            }
        }
        refused.into_result()?;
        match (freq, opens_at, closes_at) {
            (Some(freq), Some(opens_at), Some(closes_at)) => Ok(Self {
                id,
                freq,
                byday: byday.iter().map(|day| day.text()).collect(),
                bymonthday,
                opens_at,
                closes_at,
                valid_from,
                valid_to,
            }),
            _ => Err(Refusals::one(&field("freq"), Why::Required.into())),
        }
    }

    /// The rule as it was asked for, to be changed and checked again.
    pub fn asked(&self) -> RecurrenceAsked {
        RecurrenceAsked {
            freq: match self.freq {
                Freq::Weekly => "weekly",
                Freq::Monthly => "monthly",
            }
            .to_owned(),
            byday: (!self.byday.is_empty()).then(|| self.byday.join(",")),
            bymonthday: (!self.bymonthday.is_empty())
                .then(|| self.bymonthday.iter().map(i8::to_string).collect::<Vec<_>>().join(",")),
            opens_at: super::super::format_clock_time(self.opens_at),
            closes_at: super::super::format_clock_time(self.closes_at),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        }
    }

    /// Its weekdays, read.
    pub fn days(&self) -> impl Iterator<Item = ByDay> + '_ {
        self.byday.iter().filter_map(|raw| ByDay::parse(raw))
    }

    /// Whether the rule meets on `day`.
    pub fn meets_on(&self, day: NaiveDate) -> bool {
        if self.valid_from.is_some_and(|from| day < from) || self.valid_to.is_some_and(|to| day > to) {
            return false;
        }
        let last_day = day.checked_add_days(chrono::Days::new(1)).is_none_or(|next| next.month() != day.month());
        self.days().any(|by| by.matches(day))
            || self.bymonthday.iter().any(|&n| (n == -1 && last_day) || i64::from(n) == i64::from(day.day()))
    }

    /// The days it meets from `from` through `to` (both included).
    pub fn dates(&self, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        from.iter_days().take_while(|day| *day <= to).filter(|day| self.meets_on(*day)).collect()
    }

    /// Whether it is open at a local date and time.
    pub fn open_at(&self, day: NaiveDate, time: NaiveTime) -> bool {
        self.meets_on(day) && self.opens_at <= time && time < self.closes_at
    }
}
