//! Outcome figures, and the rule that keeps any one person out of them: a count of one to four
//! persons is not published (small-cell suppression), and wherever published figures add up to
//! a total, enough others are held back with it that no held-back figure can be worked out from
//! what is published (complementary suppression).

use std::ops::RangeInclusive;

use super::text_enum;

pub mod period;
pub mod year;

pub use period::{FiscalYear, Period, Span};
pub use year::YearCells;

text_enum! {
    /// What is counted. Each is defined in one sentence in the README.
    pub enum Measure ("measure") {
        PersonsSupported = "persons_supported",
        WindowsUsed = "windows_used",
        WindowsExpiredUnused = "windows_expired_unused",
        ProgrammesCompleted = "programmes_completed",
        ProgrammesDroppedOut = "programmes_dropped_out",
        ProgrammesReEnrolled = "programmes_re_enrolled",
        CriticalAlerts = "critical_alerts",
        CriticalAlertsAcknowledgedWithin48h = "critical_alerts_acknowledged_within_48h",
        MedianHoursToAcknowledge = "median_hours_to_acknowledge",
        ContactsLoggedInCriticalPeriods = "contacts_logged_in_critical_periods",
        LinksKeptThroughCustody = "links_kept_through_custody",
        LapsesFollowedByContactWithin14Days = "lapses_followed_by_contact_within_14_days",
        ReferralsMade = "referrals_made",
        ReferralsAccepted = "referrals_accepted",
        ReferralsConnectedWithin30Days = "referrals_connected_within_30_days",
        MedianDaysToFirstMeeting = "median_days_to_first_meeting",
        PersonsInFollowUp = "persons_in_follow_up",
        FollowUpMonths = "follow_up_months",
        FollowUpMonthsReached = "follow_up_months_reached",
        FollowUpAt3Months = "follow_up_at_3_months",
        RetainedAt3Months = "retained_at_3_months",
        FollowUpAt6Months = "follow_up_at_6_months",
        RetainedAt6Months = "retained_at_6_months",
        FollowUpAt12Months = "follow_up_at_12_months",
        RetainedAt12Months = "retained_at_12_months",
    }
}

impl Measure {
    /// Whether the figure is a count that adds up over months and facilities (the median
    /// does not).
    pub fn is_count(self) -> bool {
        !matches!(self, Measure::MedianHoursToAcknowledge | Measure::MedianDaysToFirstMeeting)
    }
}

/// How many persons make a figure too small to publish.
pub const SMALL: RangeInclusive<i64> = 1..=4;

/// One figure: what it counts, how many persons are behind it, and whether it is held back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub count: i64,
    pub persons: i64,
    pub hidden: bool,
}

impl Cell {
    /// A figure, held back when one to four persons are behind it.
    pub fn new(count: i64, persons: i64) -> Self {
        Self { count, persons, hidden: SMALL.contains(&persons) }
    }

    pub fn published(&self) -> Option<i64> {
        (!self.hidden).then_some(self.count)
    }
}

/// What the parts held back add up to, as anyone can work it out from the total.
fn hidden_sum(total: &Cell, parts: &[Cell]) -> i64 {
    total.count - parts.iter().filter(|part| !part.hidden).map(|part| part.count).sum::<i64>()
}

/// Held back parts are safe when at least two are held back and their sum, known from the
/// total, does not pin each of them (a sum equal to their number would mean each is one).
fn safe(total: &Cell, parts: &[Cell]) -> bool {
    let held = parts.iter().filter(|part| part.hidden).count() as i64;
    held == 0 || (held >= 2 && hidden_sum(total, parts) > held)
}

/// Protects `total = Σ parts` where both may be held back (a facility's total and its months):
/// while the parts held back could be worked out, the smallest published non-zero part is held
/// back too; with none left, the total is. A total held back takes every non-zero part with
/// it, since the parts would add up to it.
pub fn protect_sum(total: &mut Cell, parts: &mut [Cell]) {
    loop {
        if total.hidden {
            parts.iter_mut().filter(|part| part.count != 0).for_each(|part| part.hidden = true);
            return;
        }
        if safe(total, parts) {
            return;
        }
        let next = parts.iter_mut().filter(|part| !part.hidden && part.count != 0).min_by_key(|part| part.count);
        match next {
            Some(part) => part.hidden = true,
            None => total.hidden = true,
        }
    }
}

/// Protects `total = Σ parts` where the parts are published elsewhere as they stand (each
/// facility's own figures): only the total may be held back.
pub fn protect_total(total: &mut Cell, parts: &[Cell]) {
    if !total.hidden && !safe(total, parts) {
        total.hidden = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(counts: &[i64]) -> Vec<Cell> {
        counts.iter().map(|&n| Cell::new(n, n)).collect()
    }

    /// Whether a held-back part can be worked out from the published total and parts: a
    /// reader knows each held-back part is at least 1 and nothing more, so a part is pinned
    /// when it is the only one held back, or when they can only all be 1.
    fn recoverable(total: &Cell, parts: &[Cell]) -> bool {
        let Some(total) = total.published() else { return false };
        let held = parts.iter().filter(|p| p.hidden).count() as i64;
        let rest = total - parts.iter().filter_map(Cell::published).sum::<i64>();
        held == 1 || (held > 1 && rest == held)
    }

    #[test]
    fn one_to_four_persons_are_held_back_and_none_or_five_are_not() {
        assert!(!Cell::new(0, 0).hidden);
        assert!(Cell::new(1, 1).hidden && Cell::new(9, 4).hidden);
        assert!(!Cell::new(5, 5).hidden);
        assert_eq!(Cell::new(3, 3).published(), None);
    }

    #[test]
    fn a_lone_small_month_takes_the_next_smallest_with_it() {
        let mut parts = cells(&[10, 2, 7, 0, 6]);
        let mut total = Cell::new(25, 25);
        protect_sum(&mut total, &mut parts);
        assert!(!total.hidden);
        assert_eq!(parts.iter().map(|p| p.hidden).collect::<Vec<_>>(), [false, true, false, false, true]);
        assert!(!recoverable(&total, &parts));
    }

    #[test]
    fn two_ones_are_not_left_to_be_worked_out() {
        let mut parts = cells(&[1, 1, 9, 12]);
        let mut total = Cell::new(23, 23);
        protect_sum(&mut total, &mut parts);
        assert_eq!(parts.iter().filter(|p| p.hidden).count(), 3);
        assert!(!recoverable(&total, &parts));
    }

    #[test]
    fn with_nothing_else_to_hold_back_the_total_goes() {
        // One small month and only zeros beside it: the total would give it away.
        let mut parts = cells(&[0, 6, 0]);
        parts[1].persons = 3;
        parts[1].hidden = true;
        let mut total = Cell::new(6, 6);
        protect_sum(&mut total, &mut parts);
        assert!(total.hidden && parts[1].hidden && !parts[0].hidden);
        // A small total takes every non-zero month with it.
        let mut small = Cell::new(3, 3);
        let mut months = cells(&[0, 3]);
        months[1].hidden = false;
        protect_sum(&mut small, &mut months);
        assert!(months[1].hidden);
    }

    #[test]
    fn a_total_over_fixed_parts_is_held_back_when_it_would_give_one_away() {
        let parts = cells(&[12, 3, 20]);
        let mut total = Cell::new(35, 35);
        protect_total(&mut total, &parts);
        assert!(total.hidden);
        let mut fine = Cell::new(32, 32);
        protect_total(&mut fine, &cells(&[12, 20]));
        assert!(!fine.hidden);
    }

    #[test]
    fn random_figures_never_give_a_held_back_one_away() {
        let mut seed = 7u64;
        for _ in 0..2_000 {
            let parts: Vec<i64> = (0..6)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((seed >> 33) % 9) as i64
                })
                .collect();
            let mut cells = cells(&parts);
            let sum: i64 = parts.iter().sum();
            let mut total = Cell::new(sum, sum);
            protect_sum(&mut total, &mut cells);
            assert!(!recoverable(&total, &cells), "{parts:?} → {cells:?}");
            for (cell, &n) in cells.iter().zip(&parts) {
                if SMALL.contains(&n) {
                    assert!(cell.hidden, "{parts:?}");
                }
            }
        }
    }
}
