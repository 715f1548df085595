use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};
use uuid::Uuid;

use super::{
    prebuilt::{written, PrebuiltJson},
    ApiTags, Authenticated,
};
use crate::{
    access::{self, Target},
    domain::{
        access::Action,
        risk::{RiskPeriod, RiskRule},
    },
    http::ApiError,
    state::AppState,
    workflow,
};

/// A high-risk period, with why it matters.
#[derive(Debug, Object)]
pub struct RiskPeriodView {
    /// The rule, e.g. `after_release_critical`.
    pub rule: String,
    /// `notice`, `high` or `critical`.
    pub severity: String,
    /// The consent kind it falls under.
    pub kind: String,
    /// The milestone or lapse it derives from.
    pub source_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Whether it runs today.
    pub current: bool,
    /// From a window a scheduled full-term release would open: its dates follow the scheduled
    /// release day and firm up when the release happens.
    pub projected: bool,
    pub title_ja: String,
    pub title_en: String,
    pub why_ja: String,
    pub why_en: String,
}

#[derive(Debug, Object)]
pub struct RiskPeriodList {
    pub items: Vec<RiskPeriodView>,
}

/// A date or a period in the days ahead.
#[derive(Debug, Object)]
pub struct UpcomingItem {
    /// The date, or the first day of the period.
    pub on: NaiveDate,
    /// For a period: its last day.
    #[oai(skip_serializing_if_is_none)]
    pub until: Option<NaiveDate>,
    /// `date` or `period`.
    pub item: String,
    /// For a date: which (`hearing_on`, `judgment_on`, `scheduled_on`, `opens_on`, `closes_on`,
    /// `supervision_ends_on`, or `interview` from a probation system); for a period: its rule.
    pub label: String,
    /// The milestone kind (or `lapse`) it belongs to.
    pub kind: String,
    pub source_id: Uuid,
    /// Projected from a scheduled full-term release (the window's dates, its closing period):
    /// counted from the scheduled day, firm once the release happens.
    pub projected: bool,
    #[oai(skip_serializing_if_is_none)]
    pub severity: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub why_ja: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub why_en: Option<String>,
}

#[derive(Debug, Object)]
pub struct UpcomingList {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub items: Vec<UpcomingItem>,
}

fn rule_of<'a>(rules: &'a [RiskRule], period: &RiskPeriod) -> Option<&'a RiskRule> {
    rules.iter().find(|rule| rule.id == period.rule_id)
}

/// The person's schedule after bringing windows up to date, cut to the caller's consent.
async fn visible_schedule(state: &AppState, access: &access::PersonAccess) -> Result<workflow::Schedule, ApiError> {
    let scope = access.standing.scope();
    Ok(workflow::current_schedule(state, access.person.id, access.zone()?, &scope).await?)
}

pub struct RiskApi;

#[OpenApi(tag = "ApiTags::Risk")]
impl RiskApi {
    /// A person's high-risk periods
    ///
    /// Current and upcoming periods, within the caller's consent, each with why it matters.
    #[oai(path = "/persons/:id/risk-periods", method = "get", operation_id = "listRiskPeriods")]
    async fn risk_periods(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<RiskPeriodList>, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ReadPerson, "risk.read", Target::Person).await?;
        let today = access.zone()?.date_at(state.clock.now());
        let items = visible_schedule(&state, &access)
            .await?
            .periods
            .into_iter()
            .filter(|period| !period.is_over(today))
            .filter_map(|period| {
                let rule = rule_of(&state.rules, &period)?;
                Some(RiskPeriodView {
                    rule: period.rule_id.clone(),
                    severity: period.severity.as_str().to_owned(),
                    kind: period.kind.as_str().to_owned(),
                    source_id: period.source_id,
                    starts_on: period.starts_on,
                    ends_on: period.ends_on,
                    current: period.is_current(today),
                    projected: period.projected,
                    title_ja: rule.title_ja.clone(),
                    title_en: rule.title_en.clone(),
                    why_ja: rule.why_ja.clone(),
                    why_en: rule.why_en.clone(),
                })
            })
            .collect();
        Ok(Json(RiskPeriodList { items }))
    }

    /// What is coming
    ///
    /// Milestone dates and high-risk periods in the next `days` days (default 30, up to 366),
    /// merged in date order, within the caller's consent: the family's view.
    #[oai(path = "/persons/:id/upcoming", method = "get", operation_id = "listUpcoming")]
    async fn upcoming(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        #[oai(validator(minimum(value = "1"), maximum(value = "366")))] days: Query<Option<i64>>,
    ) -> Result<PrebuiltJson<UpcomingList>, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ReadPerson, "upcoming.read", Target::Person).await?;
        let from = access.zone()?.date_at(state.clock.now());
        let to = crate::domain::calendar::add_days(from, days.0.unwrap_or(30)).unwrap_or(NaiveDate::MAX);
        // Whether the caller may read the person was decided, and audited, just above; what
        // they are shown depends on the person's rows, their scope and the dates alone.
        let mut asked = format!("upcoming|{from}|{to}|");
        for kind in access.standing.scope().kinds() {
            asked.push_str(kind.as_str());
            asked.push(',');
        }
        let body = state
            .cache
            .person_answer(access.person.id, asked, || async {
                Ok::<_, ApiError>(written(&upcoming_list(&state, &access, from, to).await?))
            })
            .await?;
        Ok(PrebuiltJson::written(body))
    }
}

/// The dates and periods of the person's schedule between `from` and `to`, as the caller may
/// see them, in date order.
async fn upcoming_list(
    state: &AppState,
    access: &access::PersonAccess,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<UpcomingList, ApiError> {
    let schedule = visible_schedule(state, access).await?;
    let mut items = Vec::new();
    for period in &schedule.periods {
        if period.ends_on < from || period.starts_on > to {
            continue;
        }
        let rule = rule_of(&state.rules, period);
        items.push(UpcomingItem {
            on: period.starts_on,
            until: Some(period.ends_on),
            item: "period".to_owned(),
            label: period.rule_id.clone(),
            kind: period.kind.as_str().to_owned(),
            source_id: period.source_id,
            projected: period.projected,
            severity: Some(period.severity.as_str().to_owned()),
            why_ja: rule.map(|rule| rule.why_ja.clone()),
            why_en: rule.map(|rule| rule.why_en.clone()),
        });
    }
    for date in schedule.dates() {
        if !(from..=to).contains(&date.on) {
            continue;
        }
        items.push(UpcomingItem {
            on: date.on,
            until: None,
            item: "date".to_owned(),
            label: date.label.to_owned(),
            kind: date.kind.to_owned(),
            source_id: date.source_id,
            projected: date.projected,
            severity: None,
            why_ja: None,
            why_en: None,
        });
    }
    items.sort_by(|a, b| (a.on, &a.item, &a.label).cmp(&(b.on, &b.item, &b.label)));
    Ok(UpcomingList { from, to, items })
}
