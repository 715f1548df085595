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
    domain::{outcomes::Cell, PartyRole},
    http::ApiError,
    outcomes::{self, Report},
    state::AppState,
    store::{self, audit::Outcome},
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

/// A facility's (or the prefecture's) figures over `[from, to]`.
#[derive(Debug, Object)]
pub struct OutcomeReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Each measure over the whole range (see the README for each one's definition).
    /// `median_hours_to_acknowledge` is in hours, rounded, and absent when nothing was
    /// acknowledged.
    pub measures: BTreeMap<String, Figure>,
    /// Each count measure month by month.
    pub series: BTreeMap<String, Vec<MonthFigure>>,
}

/// One facility's figures over the whole range, as its own report gives them.
#[derive(Debug, Object)]
pub struct FacilityOutcomes {
    pub organization_id: Uuid,
    pub name: String,
    pub measures: BTreeMap<String, Figure>,
}

/// The prefecture's figures: every facility together, and each.
#[derive(Debug, Object)]
pub struct PrefectureOutcomes {
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

/// A range the report can cover, or 400 naming what is wrong with it (a bad parameter).
fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), ApiError> {
    outcomes::months(from, to).map(|_| ()).map_err(|refusals| {
        let why: Vec<String> =
            refusals.0.iter().map(|refusal| format!("{}: {}", refusal.field, refusal.why.0)).collect();
        ApiError::BadRequest(why.join("; "))
    })
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
    /// there at any time in `[from, to]` (at most 36 months).
    #[oai(path = "/organizations/:id/outcomes", method = "get", operation_id = "getOrganizationOutcomes")]
    async fn organization(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        from: Query<NaiveDate>,
        to: Query<NaiveDate>,
        #[oai(name = "Accept")] accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<OutcomeReport>, ApiError> {
        check_range(from.0, to.0)?;
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
        let report = outcomes::for_organization(&state, organization.id, from.0, to.0).await?;
        if wants_csv(&accept.0) {
            return Ok(JsonOrCsv::Csv(csv_text(|writer| csv_rows(writer, "facility", &report))?));
        }
        Ok(JsonOrCsv::Json(OutcomeReport {
            from: report.from,
            to: report.to,
            measures: measures_of(&report.measures),
            series: series_of(&report),
        }))
    }

    /// The prefecture's outcomes
    ///
    /// Admins only: every facility together (with its monthly series), and each facility over
    /// the whole range.
    #[oai(path = "/outcomes", method = "get", operation_id = "getPrefectureOutcomes")]
    async fn prefecture(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        from: Query<NaiveDate>,
        to: Query<NaiveDate>,
        #[oai(name = "Accept")] accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<PrefectureOutcomes>, ApiError> {
        let principal = auth.require_admin()?;
        check_range(from.0, to.0)?;
        state
            .audit
            .record(vec![audit_entry(principal, "outcomes.read", None, None, Outcome::Allowed)], state.clock.now())
            .await?;
        let report = outcomes::for_everyone(&state, from.0, to.0).await?;
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
            from: report.all.from,
            to: report.all.to,
            measures: measures_of(&report.all.measures),
            series: series_of(&report.all),
            facilities,
        }))
    }
}
