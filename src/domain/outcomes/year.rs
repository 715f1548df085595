//! One measure's figures over a fiscal year as every answer gives them: the year, its four
//! quarters and its twelve months, protected once together. A month's own answer, the
//! quarter's series and the year's series all show the same cell, so no two answers about
//! overlapping periods differ by a figure held back in either.

use super::{
    period::{Period, Span},
    protect_sum, protect_total, Cell,
};

/// A row of figures (one facility's, or all of them together) over one fiscal year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearCells {
    pub year: Cell,
    pub quarters: [Cell; 4],
    pub months: [Cell; 12],
}

impl YearCells {
    fn hidden(&self) -> usize {
        std::iter::once(&self.year).chain(&self.quarters).chain(&self.months).filter(|cell| cell.hidden).count()
    }

    /// Holds back, in the year = Σ quarters and each quarter = Σ its months, whatever would
    /// give a held-back figure away, until nothing more needs holding back: a cell held back
    /// as a part of one sum is held back where it is the total of another, and so on.
    pub fn protect(&mut self) {
        loop {
            let before = self.hidden();
            protect_sum(&mut self.year, &mut self.quarters);
            for (quarter, months) in self.quarters.iter_mut().zip(self.months.chunks_mut(3)) {
                protect_sum(quarter, months);
            }
            if self.hidden() == before {
                return;
            }
        }
    }

    /// Protects a row that is the sum of `rows` (every facility together), where the rows are
    /// published as they stand: each of its cells that would give a row's held-back cell away
    /// is held back, and then its own year is protected.
    pub fn protect_as_sum_of(&mut self, rows: &[YearCells]) {
        protect_total(&mut self.year, &rows.iter().map(|row| row.year).collect::<Vec<_>>());
        for (q, quarter) in self.quarters.iter_mut().enumerate() {
            protect_total(quarter, &rows.iter().map(|row| row.quarters[q]).collect::<Vec<_>>());
        }
        for (m, month) in self.months.iter_mut().enumerate() {
            protect_total(month, &rows.iter().map(|row| row.months[m]).collect::<Vec<_>>());
        }
        self.protect();
    }

    /// The cell a period's answer gives.
    pub fn of(&self, period: &Period) -> Cell {
        match period.span {
            Span::Year => self.year,
            Span::Quarter(q) => self.quarters[usize::from(q) % 4],
            Span::Month(m) => self.months[usize::from(m) % 12],
        }
    }

    /// The cells of the months the period spans, in order.
    pub fn months_of(&self, period: &Period) -> Vec<Cell> {
        period.months().map(|m| self.months[usize::from(m) % 12]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(months: [i64; 12], quarters: [i64; 4], year: i64) -> YearCells {
        YearCells {
            year: Cell::new(year, year),
            quarters: quarters.map(|n| Cell::new(n, n)),
            months: months.map(|n| Cell::new(n, n)),
        }
    }

    /// Sums whose total is published and whose held-back parts are pinned by it.
    fn leaks(row: &YearCells) -> Vec<String> {
        let pinned = |total: &Cell, parts: &[Cell]| {
            let Some(total) = total.published() else { return false };
            let held = parts.iter().filter(|p| p.hidden).count() as i64;
            let rest = total - parts.iter().filter_map(Cell::published).sum::<i64>();
            held == 1 || (held > 1 && rest == held)
        };
        let mut found = Vec::new();
        if pinned(&row.year, &row.quarters) {
            found.push("year".to_owned());
        }
        for (q, months) in row.months.chunks(3).enumerate() {
            if pinned(&row.quarters[q], months) {
                found.push(format!("Q{}", q + 1));
            }
        }
        found
    }

    #[test]
    fn a_month_held_back_in_its_quarter_is_held_back_in_its_own_answer() {
        // Q2 is 0 + 2 + 6: the 2 is small, so the 6 goes with it, in every answer.
        let mut cells = row([5, 5, 5, 0, 2, 6, 0, 0, 0, 0, 0, 0], [15, 8, 0, 0], 23);
        cells.protect();
        assert!(cells.months[4].hidden && cells.months[5].hidden);
        let september = Period::parse("2026-09").unwrap();
        assert!(cells.of(&september).hidden, "the month's own answer holds it back too");
        assert!(!cells.quarters[1].hidden);
        assert!(leaks(&cells).is_empty());
    }

    #[test]
    fn a_quarter_held_back_in_the_year_takes_its_months_with_it() {
        // The year is 12 + 3: Q1 goes with Q2, and each takes its months.
        let mut cells = row([6, 6, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0], [12, 3, 0, 0], 15);
        cells.protect();
        assert!(cells.quarters[0].hidden && cells.quarters[1].hidden);
        assert!(cells.months[0].hidden && cells.months[1].hidden && cells.months[5].hidden);
        assert!(leaks(&cells).is_empty());
    }

    #[test]
    fn random_years_leave_nothing_to_work_out() {
        let mut seed = 11u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % 8) as i64
        };
        for _ in 0..2_000 {
            let months: [i64; 12] = std::array::from_fn(|_| if next() < 4 { 0 } else { next() });
            let quarters: [i64; 4] = std::array::from_fn(|q| months[q * 3..q * 3 + 3].iter().sum());
            let mut cells = row(months, quarters, quarters.iter().sum());
            cells.protect();
            assert!(leaks(&cells).is_empty(), "{months:?} → {cells:?}");
        }
    }

    #[test]
    fn all_facilities_together_never_give_one_away() {
        let mut a = row([10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [10, 0, 0, 0], 10);
        let mut b = row([3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [3, 0, 0, 0], 3);
        a.protect();
        b.protect();
        let mut all = row([13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [13, 0, 0, 0], 13);
        all.protect_as_sum_of(&[a, b]);
        assert!(all.year.hidden && all.quarters[0].hidden && all.months[0].hidden, "13 less A's 10 is B's 3");
    }
}
