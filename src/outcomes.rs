//! Outcome reports: a facility's figures, and the prefecture's (every facility together, and
//! each), with small cells held back and complementary suppression applied so that nothing
//! held back can be worked out from what is published — across months, across facilities, and
//! between a facility's own report and the prefecture's.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::{
    domain::{
        outcomes::{protect_sum, protect_total, Cell, Measure, SMALL},
        Invalid, Refusals,
    },
    state::AppState,
    store::{
        self,
        outcomes::{Figures, Over},
    },
    workflow::WorkflowError,
};

/// The longest range a report covers.
pub const MOST_MONTHS: usize = 36;

/// A measure's figures month by month: `YYYY-MM` and the figure.
pub type Series = Vec<(String, Cell)>;

/// One facility's figures over the whole range.
#[derive(Debug, Clone)]
pub struct Facility {
    pub id: Uuid,
    pub name: String,
    pub measures: Vec<(Measure, Cell)>,
}

/// One measure's figures, protected as a facility's own report protects them.
struct Protected {
    measure: Measure,
    total: Cell,
    series: Series,
}

/// A report's figures: each measure in all, and month by month.
#[derive(Debug, Clone)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub measures: Vec<(Measure, Cell)>,
    pub series: Vec<(Measure, Series)>,
}

/// The prefecture's report, and each facility's figures in all.
#[derive(Debug, Clone)]
pub struct PrefectureReport {
    pub all: Report,
    pub facilities: Vec<Facility>,
}

/// The months a range spans, each as its label and its first and last day within the range.
pub fn months(from: NaiveDate, to: NaiveDate) -> Result<Vec<(String, NaiveDate, NaiveDate)>, Refusals> {
    if to < from {
        return Err(Refusals::one("to", Invalid::new("comes before from")));
    }
    let mut months = Vec::new();
    let mut first = from;
    while first <= to {
        let next = NaiveDate::from_ymd_opt(first.year(), first.month(), 1)
            .and_then(|start| start.checked_add_months(chrono::Months::new(1)))
            .ok_or_else(|| Refusals::one("to", Invalid::new("is too far ahead")))?;
        let last = next.pred_opt().unwrap_or(next).min(to);
        months.push((format!("{:04}-{:02}", first.year(), first.month()), first, last));
        if months.len() > MOST_MONTHS {
            return Err(Refusals::one("to", Invalid::new(format!("a report covers at most {MOST_MONTHS} months"))));
        }
        first = next;
    }
    Ok(months)
}

fn cell((count, persons): (i64, i64)) -> Cell {
    Cell::new(count, persons)
}

/// One measure's total and months, protected as a facility's own report protects them.
fn protected(
    total: (i64, i64),
    months: &[(String, NaiveDate, NaiveDate)],
    by_month: impl Fn(&str) -> (i64, i64),
) -> (Cell, Vec<(String, Cell)>) {
    let mut total = cell(total);
    let mut series: Vec<Cell> = months.iter().map(|(label, _, _)| cell(by_month(label))).collect();
    protect_sum(&mut total, &mut series);
    (total, months.iter().map(|(label, _, _)| label.clone()).zip(series).collect())
}

/// The median as a cell: its hours rounded, held back when one to four persons are behind it.
fn median_cell((median, persons): (Option<f64>, i64)) -> Option<Cell> {
    median.map(|hours| Cell { count: hours.round() as i64, persons, hidden: SMALL.contains(&persons) })
}

fn facility_report(
    figures: &HashMap<Measure, Figures>,
    organization_id: Uuid,
    months: &[(String, NaiveDate, NaiveDate)],
) -> Vec<Protected> {
    Measure::ALL
        .iter()
        .filter(|measure| measure.is_count())
        .map(|&measure| {
            let measured = figures.get(&measure).cloned().unwrap_or_default();
            let total = measured.by_org.get(&organization_id).copied().unwrap_or_default();
            let by_month = |label: &str| {
                measured.by_org_month.get(&(organization_id, label.to_owned())).copied().unwrap_or_default()
            };
            let (total, series) = protected(total, months, by_month);
            Protected { measure, total, series }
        })
        .collect()
}

/// A facility's own report.
pub async fn for_organization(
    state: &AppState,
    organization_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, WorkflowError> {
    let months = months(from, to)?;
    let over = Over::Organization(organization_id);
    let figures = store::outcomes::figures(&state.reads, from, to, &months, over).await?;
    let median = median_cell(store::outcomes::median_hours(&state.reads, from, to, over).await?);
    let mut measures = Vec::new();
    let mut series = Vec::new();
    for protected in facility_report(&figures, organization_id, &months) {
        measures.push((protected.measure, protected.total));
        series.push((protected.measure, protected.series));
    }
    if let Some(median) = median {
        measures.push((Measure::MedianHoursToAcknowledge, median));
    }
    Ok(Report { from, to, measures, series })
}

/// The prefecture's report: every facility together, month by month, and each facility in all
/// exactly as its own report gives it. A prefecture figure that would give a facility's held
/// back figure away (with the others') is held back too.
pub async fn for_everyone(state: &AppState, from: NaiveDate, to: NaiveDate) -> Result<PrefectureReport, WorkflowError> {
    let months = months(from, to)?;
    let figures = store::outcomes::figures(&state.reads, from, to, &months, Over::Everyone).await?;
    let mut organizations: Vec<Uuid> =
        figures.get(&Measure::PersonsSupported).map(|f| f.by_org.keys().copied().collect()).unwrap_or_default();
    organizations.sort();
    let per_facility: Vec<(Uuid, Vec<Protected>)> =
        organizations.iter().map(|&id| (id, facility_report(&figures, id, &months))).collect();
    let mut measures = Vec::new();
    let mut series = Vec::new();
    for (index, &measure) in Measure::ALL.iter().filter(|measure| measure.is_count()).enumerate() {
        let measured = figures.get(&measure).cloned().unwrap_or_default();
        let facility_totals: Vec<Cell> = per_facility.iter().map(|(_, rows)| rows[index].total).collect();
        let mut total = cell(measured.total);
        protect_total(&mut total, &facility_totals);
        let mut month_cells = Vec::new();
        for (month, (label, _, _)) in months.iter().enumerate() {
            let mut cell = cell(measured.by_month.get(label).copied().unwrap_or_default());
            let facility_months: Vec<Cell> = per_facility.iter().map(|(_, rows)| rows[index].series[month].1).collect();
            protect_total(&mut cell, &facility_months);
            month_cells.push(cell);
        }
        protect_sum(&mut total, &mut month_cells);
        measures.push((measure, total));
        series.push((measure, months.iter().map(|(label, _, _)| label.clone()).zip(month_cells).collect()));
    }
    if let Some(median) = median_cell(store::outcomes::median_hours(&state.reads, from, to, Over::Everyone).await?) {
        measures.push((Measure::MedianHoursToAcknowledge, median));
    }
    let names: HashMap<Uuid, String> = store::organizations::find_many(&state.reads, &organizations)
        .await?
        .into_iter()
        .map(|row| (row.id, row.name))
        .collect();
    let mut facilities = Vec::new();
    for (id, rows) in per_facility {
        let mut cells: Vec<(Measure, Cell)> = rows.into_iter().map(|row| (row.measure, row.total)).collect();
        if let Some(median) =
            median_cell(store::outcomes::median_hours(&state.reads, from, to, Over::Organization(id)).await?)
        {
            cells.push((Measure::MedianHoursToAcknowledge, median));
        }
        facilities.push(Facility { id, name: names.get(&id).cloned().unwrap_or_default(), measures: cells });
    }
    Ok(PrefectureReport { all: Report { from, to, measures, series }, facilities })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_cut_into_its_months() {
        let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let months = months(on(2026, 1, 15), on(2026, 3, 2)).unwrap();
        let labels: Vec<&str> = months.iter().map(|(label, _, _)| label.as_str()).collect();
        assert_eq!(labels, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!((months[0].1, months[0].2), (on(2026, 1, 15), on(2026, 1, 31)));
        assert_eq!((months[2].1, months[2].2), (on(2026, 3, 1), on(2026, 3, 2)));
        assert!(super::months(on(2026, 3, 1), on(2026, 2, 1)).is_err());
        assert!(super::months(on(2020, 1, 1), on(2026, 1, 1)).is_err());
    }
}
