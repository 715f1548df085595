//! Outcome figures for a facility and for the prefecture, as JSON or CSV (`Accept: text/csv`).
//! Counts of one to four persons are held back (`null`, `suppressed: true`), and so is whatever
//! would let one be worked out.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use poem::{web::Data, IntoResponse, Response};
use poem_openapi::{
    param::{Header, Path, Query},
    payload::Json,
    registry::{MetaMediaType, MetaResponses, Registry},
    types::{ToJSON, Type},
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::audit_entry,
    domain::{
        outcomes::{Cell, Period},
        PartyRole,
    },
    http::ApiError,
    state::AppState,
    store::{self, audit::Outcome},
    workflow::outcomes::{self, Report},
};

/// One figure: `null` and `suppressed` when one to four persons are behind it, or when it
/// would give such a figure away.
#[derive(Debug, Object)]
pub struct Figure {
    pub count: Option<i64>,
    pub suppressed: bool,
}

/// One month's figure.
#[derive(Debug, Object)]
pub struct MonthFigure {
    /// `YYYY-MM`.
    pub month: String,
    pub count: Option<i64>,
    pub suppressed: bool,
}

/// A facility's figures over a month, a fiscal quarter or a fiscal year.
#[derive(Debug, Object)]
pub struct OutcomeReport {
    /// The period asked for: `2026-11`, `FY2026-Q3` or `FY2026`.
    pub period: String,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// Each measure over the whole range (see the README for each one's definition).
    /// `median_hours_to_acknowledge` is in hours, rounded, and absent when nothing was
    /// acknowledged.
    pub measures: BTreeMap<String, Figure>,
    /// Each count measure month by month over the period.
    pub series: BTreeMap<String, Vec<MonthFigure>>,
}

/// One facility's figures over the period, as its own report gives them.
#[derive(Debug, Object)]
pub struct FacilityOutcomes {
    pub organization_id: Uuid,
    pub name: String,
    pub measures: BTreeMap<String, Figure>,
}

/// The prefecture's figures: every facility together, and each.
#[derive(Debug, Object)]
pub struct PrefectureOutcomes {
    pub period: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub measures: BTreeMap<String, Figure>,
    pub series: BTreeMap<String, Vec<MonthFigure>>,
    pub facilities: Vec<FacilityOutcomes>,
}

/// The figures as JSON, or as CSV when the request's `Accept` asks for `text/csv`: one
/// response, two representations (which poem-openapi's derive cannot say of one status).
pub enum JsonOrCsv<T> {
    Json(T),
    Csv(String),
}

const CSV: &str = "text/csv; charset=utf-8";

impl<T: ToJSON + Send + Sync> ApiResponse for JsonOrCsv<T> {
    fn meta() -> MetaResponses {
        let mut meta = <Json<T> as ApiResponse>::meta();
        for response in &mut meta.responses {
            response.description = "The figures: JSON, or with `Accept: text/csv` the rows \
                `scope,measure,month,count,suppressed` (`month` empty for the whole range; `scope` is \
                `facility`, `all`, or a facility's id).";
            response.content.push(MetaMediaType { content_type: CSV, schema: <String as Type>::schema_ref() });
        }
        meta
    }

    fn register(registry: &mut Registry) {
        <Json<T> as ApiResponse>::register(registry);
    }
}

impl<T: ToJSON + Send + Sync> IntoResponse for JsonOrCsv<T> {
    fn into_response(self) -> Response {
        match self {
            JsonOrCsv::Json(value) => Json(value).into_response(),
            JsonOrCsv::Csv(text) => Response::builder().content_type(CSV).body(text),
        }
    }
}

fn figure(cell: Cell) -> Figure {
    Figure { count: cell.published(), suppressed: cell.hidden }
}

fn measures_of(cells: &[(crate::domain::outcomes::Measure, Cell)]) -> BTreeMap<String, Figure> {
    cells.iter().map(|(measure, cell)| (measure.as_str().to_owned(), figure(*cell))).collect()
}

fn series_of(report: &Report) -> BTreeMap<String, Vec<MonthFigure>> {
    report
        .series
        .iter()
        .map(|(measure, months)| {
            let months = months
                .iter()
                .map(|(month, cell)| MonthFigure {
                    month: month.clone(),
                    count: cell.published(),
                    suppressed: cell.hidden,
                })
                .collect();
            (measure.as_str().to_owned(), months)
        })
        .collect()
}

/// The report's rows as CSV, `scope` first.
fn csv_rows(writer: &mut csv::Writer<Vec<u8>>, scope: &str, report: &Report) -> Result<(), csv::Error> {
    for (measure, cell) in &report.measures {
        write_row(writer, scope, measure.as_str(), "", *cell)?;
    }
    for (measure, months) in &report.series {
        for (month, cell) in months {
            write_row(writer, scope, measure.as_str(), month, *cell)?;
        }
    }
    Ok(())
}

fn write_row(
    writer: &mut csv::Writer<Vec<u8>>,
    scope: &str,
    measure: &str,
    month: &str,
    cell: Cell,
) -> Result<(), csv::Error> {
    let count = cell.published().map(|count| count.to_string()).unwrap_or_default();
    writer.write_record([scope, measure, month, &count, if cell.hidden { "true" } else { "false" }])
}

fn csv_text(fill: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error>) -> Result<String, ApiError> {
    let internal = |err: String| ApiError::Internal(format!("cannot write CSV: {err}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["scope", "measure", "month", "count", "suppressed"]).map_err(|e| internal(e.to_string()))?;
    fill(&mut writer).map_err(|e| internal(e.to_string()))?;
    let bytes = writer.into_inner().map_err(|e| internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| internal(e.to_string()))
}

/// The period asked for, or 400 saying what a period is.
fn period_of(text: &str) -> Result<Period, ApiError> {
    Period::parse(text).map_err(|why| ApiError::BadRequest(format!("period: {}", why)))
}

fn wants_csv(accept: &Option<String>) -> bool {
    accept.as_deref().is_some_and(|accept| accept.to_ascii_lowercase().contains("text/csv"))
}

pub struct OutcomesApi;

#[OpenApi(tag = "ApiTags::Organizations")]
impl OutcomesApi {
    /// A facility's outcomes
    ///
    /// That organisation's staff, and admins; anyone else gets 404. Over the persons placed
    /// there at any time in the period's fiscal year (April to March). Only whole months,
    /// fiscal quarters and fiscal years of the years 2000 to 2099 can be asked for, so that no
    /// two answers differ by a few days.
    #[oai(path = "/organizations/:id/outcomes", method = "get", operation_id = "getOrganizationOutcomes")]
    async fn organization(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        /// `2026-11` (a month), `FY2026-Q3` (October to December 2026) or `FY2026` (April 2026
        /// to March 2027).
        #[oai(validator(pattern = r"^(20[0-9]{2}-(0[1-9]|1[0-2])|FY20[0-9]{2}(-Q[1-4])?)$"))]
        period: Query<String>,
        #[oai(name = "Accept")] accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<OutcomeReport>, ApiError> {
        let period = period_of(&period.0)?;
        let principal = &auth.0;
        let own = principal.role == PartyRole::Staff && principal.organization_id == Some(id.0);
        let organization =
            store::organizations::find(&state.reads, id.0).await?.filter(|_| own || principal.is_admin());
        let outcome = if organization.is_some() { Outcome::Allowed } else { Outcome::Denied };
        state
            .audit
            .record(vec![audit_entry(principal, "outcomes.read", None, Some(id.0), outcome)], state.clock.now())
            .await?;
        let organization = organization.ok_or(ApiError::NotFound)?;
        let report = outcomes::for_organization(&state, organization.id, period).await?;
        if wants_csv(&accept.0) {
            return Ok(JsonOrCsv::Csv(csv_text(|writer| csv_rows(writer, "facility", &report))?));
        }
        Ok(JsonOrCsv::Json(OutcomeReport {
            period: report.period.to_string(),
            from: report.period.first,
            to: report.period.last,
            measures: measures_of(&report.measures),
            series: series_of(&report),
        }))
    }

    /// The prefecture's outcomes
    ///
    /// Admins only: every facility together (with its monthly series), and each facility over
    /// the period. The same periods as a facility's outcomes.
    #[oai(path = "/outcomes", method = "get", operation_id = "getPrefectureOutcomes")]
    async fn prefecture(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        /// `2026-11`, `FY2026-Q3` or `FY2026`.
        #[oai(validator(pattern = r"^(20[0-9]{2}-(0[1-9]|1[0-2])|FY20[0-9]{2}(-Q[1-4])?)$"))]
        period: Query<String>,
        #[oai(name = "Accept")] accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<PrefectureOutcomes>, ApiError> {
        let principal = auth.require_admin()?;
        let period = period_of(&period.0)?;
        state
            .audit
            .record(vec![audit_entry(principal, "outcomes.read", None, None, Outcome::Allowed)], state.clock.now())
            .await?;
        let report = outcomes::for_everyone(&state, period).await?;
        if wants_csv(&accept.0) {
            let csv = csv_text(|writer| {
                csv_rows(writer, "all", &report.all)?;
                for facility in &report.facilities {
                    for (measure, cell) in &facility.measures {
                        write_row(writer, &facility.id.to_string(), measure.as_str(), "", *cell)?;
                    }
                }
                Ok(())
            })?;
            return Ok(JsonOrCsv::Csv(csv));
        }
        let facilities = report
            .facilities
            .iter()
            .map(|facility| FacilityOutcomes {
                organization_id: facility.id,
                name: facility.name.clone(),
                measures: measures_of(&facility.measures),
            })
            .collect();
        Ok(JsonOrCsv::Json(PrefectureOutcomes {
            period: report.all.period.to_string(),
            from: report.all.period.first,
            to: report.all.period.last,
            measures: measures_of(&report.all.measures),
            series: series_of(&report.all),
            facilities,
        }))
    }
}
