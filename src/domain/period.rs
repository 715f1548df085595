//! How "within N months after" is counted: Japan's Civil Code.
//!
//! - Art. 140: the day the period starts from (the release) is not counted; the period begins
//!   the next day.
//! - Art. 143: a period in months ends at the end of the day before the day of the last month
//!   that corresponds to the first day; when the last month has no such day, at the end of
//!   that month.
//!
//! So a release on 2026-03-15 gives 2026-03-16 … 2026-09-15, and one on 2026-08-31 gives
//! 2026-09-01 … 2027-02-28.

use chrono::{Datelike, NaiveDate};

/// A span of local dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// The period of `months` months that follows `from` (which is not counted).
///
/// Dates the service accepts lie in 1900 … 2200, far inside chrono's range; at the very end of
/// that range the arithmetic saturates rather than panicking.
pub fn months_after(from: NaiveDate, months: u32) -> DateSpan {
    let first = from.succ_opt().unwrap_or(from);
    DateSpan { first, last: last_day_of_months_from(first, months) }
}

/// The last day of a period of `months` months whose first counted day is `first`.
pub fn last_day_of_months_from(first: NaiveDate, months: u32) -> NaiveDate {
    let month_index = first.year() * 12 + first.month0() as i32 + months as i32;
    let (year, month) = (month_index.div_euclid(12), month_index.rem_euclid(12) as u32 + 1);
    match NaiveDate::from_ymd_opt(year, month, first.day()) {
        // The day before the corresponding day.
        Some(corresponding) => corresponding.pred_opt().unwrap_or(corresponding),
        // No corresponding day: the end of that month.
        None => last_day_of_month(year, month),
    }
}

fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    NaiveDate::from_ymd_opt(next_year, next_month, 1).and_then(|first| first.pred_opt()).unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_briefs_examples() {
        assert_eq!(months_after(d(2026, 3, 15), 6), DateSpan { first: d(2026, 3, 16), last: d(2026, 9, 15) });
        assert_eq!(months_after(d(2026, 8, 31), 6), DateSpan { first: d(2026, 9, 1), last: d(2027, 2, 28) });
    }

    #[test]
    fn month_ends_without_a_corresponding_day_end_at_the_month_end() {
        // First day 31 March: September has no 31st, so the period ends on 30 September.
        assert_eq!(months_after(d(2026, 3, 30), 6).last, d(2026, 9, 30));
        // First day 31 August: February has no 31st.
        assert_eq!(months_after(d(2026, 8, 30), 6).last, d(2027, 2, 28));
        // First day 30 August → corresponding day 2027-02-30 does not exist either.
        assert_eq!(months_after(d(2026, 8, 29), 6).last, d(2027, 2, 28));
        // First day 29 August → 2027-02-29 does not exist (2027 is not a leap year).
        assert_eq!(months_after(d(2026, 8, 28), 6).last, d(2027, 2, 28));
    }

    #[test]
    fn leap_years() {
        // First day 29 August 2027 → 29 February 2028 exists: the period ends the day before.
        assert_eq!(months_after(d(2027, 8, 28), 6).last, d(2028, 2, 28));
        // First day 30 August 2027 → no 30 February: end of February 2028, the 29th.
        assert_eq!(months_after(d(2027, 8, 29), 6).last, d(2028, 2, 29));
        // Released on leap day: first day 1 March.
        assert_eq!(months_after(d(2028, 2, 29), 6), DateSpan { first: d(2028, 3, 1), last: d(2028, 8, 31) });
    }

    #[test]
    fn year_ends() {
        assert_eq!(months_after(d(2026, 12, 31), 6), DateSpan { first: d(2027, 1, 1), last: d(2027, 6, 30) });
        assert_eq!(months_after(d(2026, 7, 15), 6).last, d(2027, 1, 15));
        assert_eq!(months_after(d(2026, 12, 30), 1).last, d(2027, 1, 30));
        assert_eq!(months_after(d(2026, 12, 31), 12).last, d(2027, 12, 31));
    }

    #[test]
    fn an_extension_counts_on_from_the_end_of_the_period() {
        let window = months_after(d(2026, 3, 15), 6);
        assert_eq!(months_after(window.last, 6).last, d(2027, 3, 15));
    }

    /// Walks day by day, counting the day a new month of the period begins; the period ends
    /// the day before the `months`-th such day.
    fn brute_force_last_day(first: NaiveDate, months: u32) -> NaiveDate {
        let mut day = first;
        let mut begun = 0;
        loop {
            let next = day + Duration::days(1);
            let month_has_no_corresponding_day = next.day() == 1 && day.day() < first.day();
            if next.day() == first.day() || month_has_no_corresponding_day {
                begun += 1;
                if begun == months {
                    return day;
                }
            }
            day = next;
        }
    }

    proptest! {
        #[test]
        fn agrees_with_a_day_by_day_count(days in 0i64..(365 * 40), months in 1u32..=24) {
            let from = d(2000, 1, 1) + Duration::days(days);
            let span = months_after(from, months);
            prop_assert_eq!(span.first, from + Duration::days(1));
            prop_assert_eq!(span.last, brute_force_last_day(span.first, months));
            prop_assert!(span.last > from);
        }
    }
}
