//! The calendar range the service works in, and date arithmetic that cannot overflow.
//!
//! Every date a client sends lies in 1900-01-01 … 2200-12-31: wide enough for any birth date
//! or court date, narrow enough that adding a risk period's days or a window's months to it
//! can never leave chrono's range.

use chrono::{Days, NaiveDate};

use super::Invalid;

/// The first date the service accepts.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => panic!("1900-01-01 is a date"),
};

/// The last date the service accepts.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(date) => date,
    None => panic!("2200-12-31 is a date"),
};

/// A date inside the accepted range.
pub fn in_range(date: NaiveDate) -> Result<NaiveDate, Invalid> {
    if (EARLIEST..=LATEST).contains(&date) {
        Ok(date)
    } else {
        Err(super::Why::OutsideCalendar { earliest: EARLIEST, latest: LATEST }.into())
    }
}

/// A date on which something is recorded as having happened: in range and not after `today`.
pub fn happened(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let date = in_range(date)?;
    if date > today {
        return Err(super::Why::InFuture.into());
    }
    Ok(date)
}

/// `date` moved by `days` (negative: back), or `None` past chrono's range.
pub fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    let magnitude = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(magnitude)
    } else {
        date.checked_sub_days(magnitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_ends_are_accepted_and_one_day_beyond_is_not() {
        assert!(in_range(EARLIEST).is_ok());
        assert!(in_range(LATEST).is_ok());
        assert!(in_range(EARLIEST.pred_opt().unwrap()).is_err());
        assert!(in_range(LATEST.succ_opt().unwrap()).is_err());
        assert!(in_range(NaiveDate::MAX).is_err());
    }

    #[test]
    fn a_recorded_date_may_be_today_but_not_tomorrow() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(happened(today, today), Ok(today));
        assert!(happened(today.succ_opt().unwrap(), today).is_err());
    }

    #[test]
    fn adding_days_past_the_end_of_time_is_none_not_a_panic() {
        assert_eq!(add_days(NaiveDate::MAX, 1), None);
        assert_eq!(add_days(NaiveDate::MIN, -1), None);
        assert_eq!(add_days(LATEST, -1), LATEST.pred_opt());
    }
}
