use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};
use uuid::Uuid;

use super::{milestones::event_view, ApiTags, Authenticated};
use crate::{
    access::{self, Target},
    domain::{access::Action, milestones::MilestoneKind, ScopeKind},
    http::ApiError,
    state::AppState,
    store, workflow,
};

/// One entry of a person's history.
#[derive(Debug, Object)]
pub struct TimelineEntry {
    /// The day it happened or took effect.
    pub on: NaiveDate,
    /// `milestone_event`, `date_moved`, `custody_started`, `custody_ended` or `lapse`.
    pub entry: String,
    #[oai(skip_serializing_if_is_none)]
    pub milestone_id: Option<Uuid>,
    #[oai(skip_serializing_if_is_none)]
    pub kind: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub event: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub from_state: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub to_state: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub old_date: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub new_date: Option<NaiveDate>,
    /// For custody: `recorded`, `bail_revoked` or `custodial_sentence`.
    #[oai(skip_serializing_if_is_none)]
    pub cause: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// The record this entry comes from.
    pub source_id: Uuid,
}

#[derive(Debug, Object)]
pub struct TimelinePage {
    pub items: Vec<TimelineEntry>,
    /// Entries the caller may see in all, across pages.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn entry(on: NaiveDate, entry: &str, recorded_at: DateTime<Utc>, source_id: Uuid) -> TimelineEntry {
    TimelineEntry {
        on,
        entry: entry.to_owned(),
        milestone_id: None,
        kind: None,
        event: None,
        from_state: None,
        to_state: None,
        field: None,
        old_date: None,
        new_date: None,
        cause: None,
        note: None,
        recorded_at,
        source_id,
    }
}

pub struct TimelineApi;

#[OpenApi(tag = "ApiTags::Persons")]
impl TimelineApi {
    /// A person's timeline
    ///
    /// One chronological history: milestone events, date moves, custody and lapses, as far as
    /// the caller's consent scope reaches. `limit` (1–200, default 50) per page.
    #[oai(path = "/persons/:id/timeline", method = "get", operation_id = "getTimeline")]
    async fn timeline(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        #[oai(validator(pattern = r"^[0-9]{1,9}$"))] cursor: Query<Option<String>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<TimelinePage>, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ReadPerson, "timeline.read", Target::Person).await?;
        workflow::catch_up_windows(&state, Some(access.person.id)).await?;
        let scope = access.standing.scope();
        let person_id = access.person.id;
        let kinds: Vec<&str> = MilestoneKind::ALL
            .iter()
            .filter(|kind| scope.contains(kind.scope_kind()))
            .map(|kind| kind.as_str())
            .collect();

        let mut entries = Vec::new();
        for event in store::milestones::events_of_person(&state.reads, person_id, &kinds).await? {
            let kind = "date_moved" == event.event;
            let view = event_view(event, &scope)?;
            let mut item =
                entry(view.on, if kind { "date_moved" } else { "milestone_event" }, view.recorded_at, view.id);
            item.milestone_id = Some(view.milestone_id);
            item.kind = Some(MilestoneKind::from(view.kind).as_str().to_owned());
            item.event = Some(view.event);
            item.from_state = Some(view.from_state);
            item.to_state = Some(view.to_state);
            item.field = view.field;
            item.old_date = view.old_date;
            item.new_date = view.new_date;
            item.note = view.note;
            entries.push(item);
        }
        if scope.covers_custody() {
            for period in store::custody::list_for_person(&state.reads, person_id).await? {
                let mut started = entry(period.started_on, "custody_started", period.created_at, period.id);
                started.cause = Some(period.cause.clone());
                started.note = period.reason.clone();
                entries.push(started);
                if let Some(ended_on) = period.ended_on {
                    entries.push(entry(ended_on, "custody_ended", period.updated_at, period.id));
                }
            }
        }
        if scope.contains(ScopeKind::Lapse) {
            for lapse in store::lapses::list_for_person(&state.reads, person_id).await? {
                let mut item = entry(lapse.on, "lapse", lapse.recorded_at, lapse.id);
                item.note = lapse.note;
                entries.push(item);
            }
        }
        entries.sort_by_key(|entry| (entry.on, entry.recorded_at, entry.source_id));

        let total = entries.len() as u64;
        let skip = match cursor.0 {
            None => 0,
            Some(cursor) => cursor
                .parse::<usize>()
                .map_err(|_| ApiError::BadRequest("cursor: not a cursor this service gave".into()))?,
        };
        let limit =
            limit.0.unwrap_or(super::pagination::DEFAULT_PAGE_SIZE).clamp(1, super::pagination::MAX_PAGE_SIZE) as usize;
        let items: Vec<TimelineEntry> = entries.into_iter().skip(skip).take(limit).collect();
        let next = skip + items.len();
        let next_cursor = (items.len() == limit && (next as u64) < total).then(|| next.to_string());
        Ok(Json(TimelinePage { items, total, next_cursor }))
    }
}
