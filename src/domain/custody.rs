//! Custody (a revoked or lapsed bail, a new arrest, a sentence) as a person-level event:
//! when it may begin or end. What it does to programmes is the `interrupt` event.

use chrono::NaiveDate;

use super::{calendar, Note, Refusals};

/// Custody beginning or ending, as staff record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustodyChange {
    Start { on: NaiveDate, reason: Option<Note> },
    End { on: NaiveDate },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustodyRefused {
    /// Custody is already recorded from that day.
    AlreadyInCustody {
        since: NaiveDate,
    },
    NotInCustody,
    Fields(Refusals),
}

/// Whether the change fits the custody recorded now (`current`: the day an ongoing custody
/// began). A custody is recorded once it has begun or ended, and ends no earlier than it began.
pub fn check(change: &CustodyChange, current: Option<NaiveDate>, today: NaiveDate) -> Result<(), CustodyRefused> {
    let on = match change {
        CustodyChange::Start { on, .. } | CustodyChange::End { on } => *on,
    };
    if let Err(why) = calendar::happened(on, today) {
        return Err(CustodyRefused::Fields(Refusals::one("on", why)));
    }
    match (change, current) {
        (CustodyChange::Start { .. }, Some(since)) => Err(CustodyRefused::AlreadyInCustody { since }),
        (CustodyChange::Start { .. }, None) => Ok(()),
        (CustodyChange::End { .. }, None) => Err(CustodyRefused::NotInCustody),
        (CustodyChange::End { on }, Some(since)) if *on < since => {
            Err(CustodyRefused::Fields(Refusals::one("on", super::Why::CustodyBegan { since }.into())))
        }
        (CustodyChange::End { .. }, Some(_)) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn custody_begins_once_and_ends_after_it_began() {
        let today = d(2026, 5, 1);
        let start = CustodyChange::Start { on: d(2026, 4, 1), reason: None };
        assert_eq!(check(&start, None, today), Ok(()));
        assert_eq!(
            check(&start, Some(d(2026, 3, 1)), today),
            Err(CustodyRefused::AlreadyInCustody { since: d(2026, 3, 1) })
        );
        assert_eq!(check(&CustodyChange::End { on: d(2026, 4, 1) }, None, today), Err(CustodyRefused::NotInCustody));
        assert!(matches!(
            check(&CustodyChange::End { on: d(2026, 2, 1) }, Some(d(2026, 3, 1)), today),
            Err(CustodyRefused::Fields(_))
        ));
        assert_eq!(check(&CustodyChange::End { on: d(2026, 3, 1) }, Some(d(2026, 3, 1)), today), Ok(()));
    }

    #[test]
    fn custody_is_recorded_once_it_has_happened() {
        let today = d(2026, 5, 1);
        let tomorrow = CustodyChange::Start { on: d(2026, 5, 2), reason: None };
        assert!(matches!(check(&tomorrow, None, today), Err(CustodyRefused::Fields(_))));
    }
}
