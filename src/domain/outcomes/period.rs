//! The periods outcome figures are given for: a whole month, a fiscal quarter, or a fiscal year
//! (April to March, as Japanese public bodies count). Only these: two answers over arbitrary
//! days that overlap but for one day would tell that day's figure, so no such pair can be asked.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::super::Invalid;

/// The fiscal years a report may cover: those of the months 2000-01 to 2099-12 (FY1999's
/// last quarter included), which the API's pattern (`20YY-MM`, `FY20YY`) allows.
pub const YEARS: std::ops::RangeInclusive<i32> = 1999..=2099;

/// Which part of its fiscal year a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    Year,
    /// 0 (April–June) to 3 (January–March).
    Quarter(u8),
    /// 0 (April) to 11 (March).
    Month(u8),
}

/// A fiscal year: FY2026 runs from 1 April 2026 to 31 March 2027.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiscalYear(i32);

impl FiscalYear {
    pub fn new(year: i32) -> Result<Self, Invalid> {
        if YEARS.contains(&year) {
            Ok(Self(year))
        } else {
            Err(Invalid::new(format!("a fiscal year from {} to {}", YEARS.start(), YEARS.end())))
        }
    }

    /// The fiscal year a day falls in.
    pub fn of(day: NaiveDate) -> Result<Self, Invalid> {
        Self::new(if day.month() >= 4 { day.year() } else { day.year() - 1 })
    }

    pub fn year(self) -> i32 {
        self.0
    }

    /// The calendar year and month of the fiscal year's `index`-th month (0 is April).
    fn calendar_month(self, index: u8) -> (i32, u32) {
        let month = (u32::from(index) + 3) % 12 + 1;
        (if index >= 9 { self.0 + 1 } else { self.0 }, month)
    }

    /// The first and last day of months `first..=last` (indices from April).
    fn days(self, first: u8, last: u8) -> Option<(NaiveDate, NaiveDate)> {
        let (year, month) = self.calendar_month(first);
        let start = NaiveDate::from_ymd_opt(year, month, 1)?;
        let (year, month) = self.calendar_month(last);
        let end = NaiveDate::from_ymd_opt(year, month, 1)?.checked_add_months(chrono::Months::new(1))?.pred_opt()?;
        Some((start, end))
    }

    /// `YYYY-MM` of its `index`-th month.
    pub fn month_label(self, index: u8) -> String {
        let (year, month) = self.calendar_month(index);
        format!("{year:04}-{month:02}")
    }
}

/// A period a report covers: `2026-11` (a month), `FY2026-Q3` (October to December 2026) or
/// `FY2026` (April 2026 to March 2027).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub fiscal_year: FiscalYear,
    pub span: Span,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    pub fn new(fiscal_year: FiscalYear, span: Span) -> Result<Self, Invalid> {
        let (first, last) = match span {
            Span::Year => (0, 11),
            Span::Quarter(q) if q < 4 => (q * 3, q * 3 + 2),
            Span::Month(m) if m < 12 => (m, m),
            _ => return Err(Invalid::new("a quarter from Q1 to Q4 or a month from 01 to 12")),
        };
        let (first, last) = fiscal_year.days(first, last).ok_or_else(|| Invalid::new("is not a date"))?;
        Ok(Self { fiscal_year, span, first, last })
    }

    /// Reads `YYYY-MM`, `FYYYYY-Qn` or `FYYYYY`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let wrong = || Invalid::new("a month (2026-11), a fiscal quarter (FY2026-Q3) or a fiscal year (FY2026)");
        let number = |digits: &str| -> Result<u32, Invalid> {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(wrong());
            }
            digits.parse().map_err(|_| wrong())
        };
        if let Some(rest) = text.strip_prefix("FY") {
            let (year, quarter) = match rest.split_once("-Q") {
                Some((year, quarter)) => (year, Some(quarter)),
                None => (rest, None),
            };
            if year.len() != 4 {
                return Err(wrong());
            }
            let fiscal_year = FiscalYear::new(number(year)? as i32)?;
            let span = match quarter {
                None => Span::Year,
                Some(q) if q.len() == 1 && (1..=4).contains(&number(q)?) => Span::Quarter(number(q)? as u8 - 1),
                Some(_) => return Err(wrong()),
            };
            return Self::new(fiscal_year, span);
        }
        let (year, month) = text.split_once('-').ok_or_else(wrong)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(wrong());
        }
        let month = number(month)?;
        if !(1..=12).contains(&month) {
            return Err(wrong());
        }
        let first = NaiveDate::from_ymd_opt(number(year)? as i32, month, 1).ok_or_else(wrong)?;
        let fiscal_year = FiscalYear::of(first)?;
        Self::new(fiscal_year, Span::Month(((month + 8) % 12) as u8))
    }

    /// The indices (from April) of the months it spans.
    pub fn months(&self) -> std::ops::RangeInclusive<u8> {
        match self.span {
            Span::Year => 0..=11,
            Span::Quarter(q) => q * 3..=q * 3 + 2,
            Span::Month(m) => m..=m,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let year = self.fiscal_year.year();
        match self.span {
            Span::Year => write!(f, "FY{year:04}"),
            Span::Quarter(q) => write!(f, "FY{year:04}-Q{}", q + 1),
            Span::Month(m) => f.write_str(&self.fiscal_year.month_label(m)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn each_kind_of_period_is_read_with_its_first_and_last_day() {
        let month = Period::parse("2027-02").unwrap();
        assert_eq!((month.first, month.last), (on(2027, 2, 1), on(2027, 2, 28)));
        assert_eq!((month.fiscal_year.year(), month.span), (2026, Span::Month(10)));
        let april = Period::parse("2026-04").unwrap();
        assert_eq!((april.fiscal_year.year(), april.span), (2026, Span::Month(0)));
        let quarter = Period::parse("FY2026-Q4").unwrap();
        assert_eq!((quarter.first, quarter.last), (on(2027, 1, 1), on(2027, 3, 31)));
        let year = Period::parse("FY2026").unwrap();
        assert_eq!((year.first, year.last), (on(2026, 4, 1), on(2027, 3, 31)));
        for text in ["2027-02", "FY2026-Q4", "FY2026", "2026-04", "FY2026-Q1"] {
            assert_eq!(Period::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn anything_but_a_fixed_period_is_refused() {
        for text in [
            "",
            "2026-11-01",
            "2026-13",
            "2026-00",
            "2026-1",
            "FY2026-Q5",
            "FY2026-Q0",
            "FY26",
            "FY2026-",
            "fy2026",
            "1999-03",
            "FY1998",
            "FY2100",
            "2026-+1",
            "FY+026",
        ] {
            assert!(Period::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn the_months_of_a_period_lie_inside_it() {
        for text in ["FY2030", "FY2030-Q2", "2031-01"] {
            let period = Period::parse(text).unwrap();
            let months: Vec<String> = period.months().map(|m| period.fiscal_year.month_label(m)).collect();
            assert_eq!(months.first().unwrap(), &period.first.format("%Y-%m").to_string());
            assert_eq!(months.last().unwrap(), &period.last.format("%Y-%m").to_string());
        }
    }
}
