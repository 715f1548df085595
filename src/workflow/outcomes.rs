//! Outcome reports: a facility's figures, and the prefecture's (every facility together, and
//! each), for a month, a fiscal quarter or a fiscal year. Every answer about a fiscal year is
//! cut from one table of its year, quarters and months, protected once (small cells held back,
//! and whatever would give one away), so overlapping answers never differ by a held-back
//! figure — across months, quarters and the year, across facilities, and between a facility's
//! own report and the prefecture's.

use std::collections::HashMap;

use uuid::Uuid;

use crate::{
    domain::outcomes::{Cell, FiscalYear, Measure, Period, Span, YearCells, SMALL},
    state::AppState,
    store::{
        self,
        outcomes::{Bucket, Figures, Over},
    },
    workflow::WorkflowError,
};

/// A measure's figures month by month: `YYYY-MM` and the figure.
pub type Series = Vec<(String, Cell)>;

/// One facility's figures over the period.
#[derive(Debug, Clone)]
pub struct Facility {
    pub id: Uuid,
    pub name: String,
    pub measures: Vec<(Measure, Cell)>,
}

/// A report's figures: each measure over the period, and month by month.
#[derive(Debug, Clone)]
pub struct Report {
    pub period: Period,
    pub measures: Vec<(Measure, Cell)>,
    pub series: Vec<(Measure, Series)>,
}

/// The prefecture's report, and each facility's figures over the period.
#[derive(Debug, Clone)]
pub struct PrefectureReport {
    pub all: Report,
    pub facilities: Vec<Facility>,
}

/// The fiscal year's quarters, and its months, as the spans figures are grouped by.
fn partitions(year: FiscalYear) -> Result<Vec<Vec<Bucket>>, WorkflowError> {
    let bucket = |span: Span, label: String| -> Result<Bucket, WorkflowError> {
        let period = Period::new(year, span).map_err(|why| WorkflowError::Internal(why.to_string()))?;
        Ok(Bucket { label, first: period.first, last: period.last })
    };
    let quarters = (0..4).map(|q| bucket(Span::Quarter(q), quarter_label(q))).collect::<Result<_, _>>()?;
    let months = (0..12).map(|m| bucket(Span::Month(m), year.month_label(m))).collect::<Result<_, _>>()?;
    Ok(vec![quarters, months])
}

fn quarter_label(q: u8) -> String {
    format!("Q{}", q + 1)
}

/// One row's cells over the year, before protection.
fn row(figures: &Figures, org: Option<Uuid>, year: FiscalYear) -> YearCells {
    let cell = |label: String| {
        let (count, persons) = figures.get(&(org, label)).copied().unwrap_or_default();
        Cell::new(count, persons)
    };
    YearCells {
        year: cell(String::new()),
        quarters: std::array::from_fn(|q| cell(quarter_label(q as u8))),
        months: std::array::from_fn(|m| cell(year.month_label(m as u8))),
    }
}

/// What a period's answer gives from a protected row: the figure, and its months.
fn cut(cells: &YearCells, period: &Period) -> (Cell, Series) {
    let labels = period.months().map(|m| period.fiscal_year.month_label(m));
    (cells.of(period), labels.zip(cells.months_of(period)).collect())
}

/// The median as a cell: its hours rounded, held back when one to four persons are behind it.
fn median_cell((median, persons): (Option<f64>, i64)) -> Option<Cell> {
    median.map(|hours| Cell { count: hours.round() as i64, persons, hidden: SMALL.contains(&persons) })
}

/// Each count measure's protected row for one organisation.
fn facility_rows(figures: &HashMap<Measure, Figures>, id: Uuid, year: FiscalYear) -> Vec<(Measure, YearCells)> {
    Measure::ALL
        .iter()
        .filter(|measure| measure.is_count())
        .map(|&measure| {
            let mut cells = figures.get(&measure).map(|f| row(f, Some(id), year)).unwrap_or_default();
            cells.protect();
            (measure, cells)
        })
        .collect()
}

/// The medians of a report, each as a cell (absent when nothing was measured).
type Medians = Vec<(Measure, Cell)>;

async fn medians(state: &AppState, period: &Period, over: Over) -> Result<Medians, WorkflowError> {
    let (from, to) = (period.first, period.last);
    let hours = store::outcomes::median_hours(&state.reads, from, to, over).await?;
    let days = store::outcomes::median_days_to_meeting(&state.reads, from, to, over).await?;
    Ok([(Measure::MedianHoursToAcknowledge, hours), (Measure::MedianDaysToFirstMeeting, days)]
        .into_iter()
        .filter_map(|(measure, median)| median_cell(median).map(|cell| (measure, cell)))
        .collect())
}

fn report_of(rows: &[(Measure, YearCells)], period: Period, medians: Medians) -> Report {
    let mut measures = Vec::new();
    let mut series = Vec::new();
    for (measure, cells) in rows {
        let (total, months) = cut(cells, &period);
        measures.push((*measure, total));
        series.push((*measure, months));
    }
    measures.extend(medians);
    Report { period, measures, series }
}

async fn year_figures(
    state: &AppState,
    period: &Period,
    over: Over,
) -> Result<HashMap<Measure, Figures>, WorkflowError> {
    let year = Period::new(period.fiscal_year, Span::Year).map_err(|why| WorkflowError::Internal(why.to_string()))?;
    let partitions = partitions(period.fiscal_year)?;
    // Follow-up points count once they have come: today in the service's zone.
    let today = crate::domain::Zone::default().date_at(state.clock.now());
    Ok(store::outcomes::figures(&state.reads, (year.first, year.last), today, &partitions, over).await?)
}

/// A facility's own report.
pub async fn for_organization(
    state: &AppState,
    organization_id: Uuid,
    period: Period,
) -> Result<Report, WorkflowError> {
    let over = Over::Organization(organization_id);
    let figures = year_figures(state, &period, over).await?;
    let medians = medians(state, &period, over).await?;
    Ok(report_of(&facility_rows(&figures, organization_id, period.fiscal_year), period, medians))
}

/// The prefecture's report: every facility together, month by month, and each facility as
/// its own report gives it. A prefecture figure that would give a facility's held-back figure
/// away (with the others') is held back too.
pub async fn for_everyone(state: &AppState, period: Period) -> Result<PrefectureReport, WorkflowError> {
    let year = period.fiscal_year;
    let figures = year_figures(state, &period, Over::Everyone).await?;
    let mut organizations: Vec<Uuid> = figures
        .get(&Measure::PersonsSupported)
        .map(|f| f.keys().filter_map(|(org, label)| org.filter(|_| label.is_empty())).collect())
        .unwrap_or_default();
    organizations.sort();
    let per_facility: Vec<(Uuid, Vec<(Measure, YearCells)>)> =
        organizations.iter().map(|&id| (id, facility_rows(&figures, id, year))).collect();
    let mut all_rows = Vec::new();
    for (index, &measure) in Measure::ALL.iter().filter(|measure| measure.is_count()).enumerate() {
        let mut cells = figures.get(&measure).map(|f| row(f, None, year)).unwrap_or_default();
        let facility_cells: Vec<YearCells> = per_facility.iter().map(|(_, rows)| rows[index].1).collect();
        cells.protect_as_sum_of(&facility_cells);
        all_rows.push((measure, cells));
    }
    let all = report_of(&all_rows, period, medians(state, &period, Over::Everyone).await?);
    let names: HashMap<Uuid, String> = store::organizations::find_many(&state.reads, &organizations)
        .await?
        .into_iter()
        .map(|row| (row.id, row.name))
        .collect();
    let mut facilities = Vec::new();
    for (id, rows) in per_facility {
        let report = report_of(&rows, period, medians(state, &period, Over::Organization(id)).await?);
        facilities.push(Facility { id, name: names.get(&id).cloned().unwrap_or_default(), measures: report.measures });
    }
    Ok(PrefectureReport { all, facilities })
}
