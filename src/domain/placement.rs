//! When a person is placed at an organisation: from a date, to a date or open-ended.

use chrono::NaiveDate;

use super::{calendar, Refusals};

/// A placement's dates hold together: both in the calendar, the end not before the start.
pub fn check_dates(start_on: NaiveDate, end_on: Option<NaiveDate>) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    refusals.check("start_on", calendar::in_range(start_on));
    if let Some(end_on) = end_on {
        if refusals.check("end_on", calendar::in_range(end_on)).is_some() && end_on < start_on {
            refusals.push("end_on", super::Why::EndsBeforeStart.into());
        }
    }
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_placement_ends_on_or_after_its_start() {
        assert!(check_dates(d(2026, 1, 5), None).is_ok());
        assert!(check_dates(d(2026, 1, 5), Some(d(2026, 1, 5))).is_ok());
        assert!(check_dates(d(2026, 1, 5), Some(d(2026, 1, 4))).is_err());
        assert!(check_dates(d(2201, 1, 1), None).is_err());
    }
}
