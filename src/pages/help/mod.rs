//! `/help`: the public directory of help, signed out, in Japanese or English, without
//! JavaScript, phone-first. Search by area and by need; this week's meetings first, then every
//! service with a large call button, its hours and whether it is open now in its own zone.
//! Nothing about any person is on it, so any cache may keep it for a minute.

mod feed;
pub(crate) mod words;

use std::{collections::BTreeSet, sync::Arc};

use chrono::NaiveDate;
use minijinja::{context, Value};
use poem::{
    handler,
    http::{header, HeaderValue, StatusCode},
    web::{Data, Path, Query},
    Request, Response,
};
use serde::Deserialize;

pub use feed::family_class_feed;

use self::words::{day_words, kind_words, schedule_words};
use super::{frame::plain_frame, words::pick};
use crate::{
    cache::PublicAnswer,
    domain::{
        calendar::add_days,
        directory::{Service, ServiceKind},
        organization::phone_for_people,
        Language,
    },
    state::AppState,
    workflow::{
        services::{self as directory, Listed, Search},
        WorkflowError,
    },
};

/// How many days "this week" shows, today included.
const WEEK_DAYS: i64 = 7;
/// At most this many meetings are listed at the top.
const MOST_SOON: usize = 40;

#[derive(Debug, Default, Deserialize)]
pub struct HelpQuery {
    pub area: Option<String>,
    pub need: Option<String>,
}

fn cacheable(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // The page names no one; it differs only by the reader's language.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    headers.insert(header::VARY, HeaderValue::from_static("Cookie, Accept-Language, Accept-Encoding"));
    response
}

fn gzip(body: &[u8]) -> Result<Vec<u8>, WorkflowError> {
    crate::http::gzip::gzip(body).map_err(|err| WorkflowError::Internal(err.to_string()))
}

fn title(language: Language) -> &'static str {
    pick(language, "困ったときの相談先", "Where to turn for help")
}

/// A call button's number, as people write it and as `tel:` takes it.
fn phone_of(listed: &Listed) -> (Option<String>, Option<String>) {
    let e164 = listed.service.row.phone.clone().or_else(|| listed.organization.phone.clone());
    (e164.as_deref().map(phone_for_people), e164)
}

fn service_value(listed: &Listed, language: Language, now: chrono::DateTime<chrono::Utc>) -> Value {
    let row = &listed.service.row;
    let today = listed.organization.timezone.date_at(now);
    let (phone, phone_e164) = phone_of(listed);
    let kinds: Vec<&str> = listed.service.kinds.iter().map(|kind| kind_words(*kind, language)).collect();
    let hours: Vec<String> = listed.service.schedules.iter().map(|rule| schedule_words(rule, language)).collect();
    context! {
        id => row.id.to_string(), name => row.name, organization => listed.organization.name,
        kinds => kinds.join(pick(language, "・", ", ")), description => row.description, for_whom => row.for_whom,
        languages => listed.service.languages.join(", "), cost => row.cost, how_to_apply => row.how_to_apply,
        url => row.url.as_deref().map(crate::templates::url_value), area => row.area, hours => hours,
        open_now => directory::open_now(listed, now), needs_review => Service::needs_review(row.assured_on, today),
        assured_on => row.assured_on.map(|day| day.to_string()), phone => phone, phone_e164 => phone_e164,
    }
}

fn soon_values(found: &[&Listed], language: Language, now: chrono::DateTime<chrono::Utc>) -> Vec<Value> {
    let mut soon = Vec::new();
    for listed in found {
        let today = listed.organization.timezone.date_at(now);
        let Some(until) = add_days(today, WEEK_DAYS - 1) else { continue };
        for occurrence in directory::occurrences(listed, today, until) {
            if occurrence.ends_at.unwrap_or(occurrence.starts_at) < now {
                continue;
            }
            soon.push((occurrence.starts_at, today, listed, occurrence));
        }
    }
    soon.sort_by_key(|(starts_at, ..)| *starts_at);
    soon.into_iter()
        .take(MOST_SOON)
        .map(|(_, today, listed, occurrence)| {
            let zone = listed.organization.timezone.tz();
            let time = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&zone).format("%H:%M").to_string();
            let times = match occurrence.ends_at {
                Some(ends) => format!("{}–{}", time(occurrence.starts_at), time(ends)),
                None => time(occurrence.starts_at),
            };
            let session = occurrence.session.as_ref();
            let apply_by = session.and_then(|session| session.apply_by);
            let (phone, phone_e164) = phone_of(listed);
            context! {
                anchor => format!("{}-{}", if session.is_some() { "session" } else { "meets" }, occurrence.id),
                today => occurrence.day == today, day => day_words(occurrence.day, language), times => times,
                name => listed.service.row.name, organization => listed.organization.name,
                service_id => listed.service.row.id.to_string(),
                place => session.and_then(|session| session.place.clone()),
                capacity => session.and_then(|session| session.capacity),
                apply_by => apply_by.map(|day| day_words(day, language)),
                apply_closed => apply_by.is_some_and(|day: NaiveDate| day < today),
                phone => phone, phone_e164 => phone_e164,
            }
        })
        .collect()
}

/// `GET /help?area=…&need=…`. The page is the same for every reader of a language asking the
/// same thing in the same minute (its "open now" and "today" move by the minute), so it is
/// built once a minute a query and kept until the directory changes.
#[handler]
pub async fn help_page(req: &Request, state: Data<&AppState>, query: Query<HelpQuery>) -> Response {
    let language = crate::sign_in::language_of(req);
    let now = state.clock.now();
    let here = req.uri().path_and_query().map_or("/help", |whole| whole.as_str()).to_owned();
    let key = format!("{}|{}|{here}", language.as_str(), now.timestamp().div_euclid(60));
    let built = state.cache.public_answer(key, || build_help(&state, language, query.0, here, now)).await;
    match built {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
            let page = Response::builder().status(status).content_type("text/html; charset=utf-8");
            let page = match crate::http::gzip::accepts_gzip(req) {
                true => page.header(header::CONTENT_ENCODING, "gzip").body(answer.gzipped.clone()),
                false => page.body(answer.body.clone()),
            };
            cacheable(super::frame::protect(page))
        }
        Err(err) => super::frame::failed(err),
    }
}

async fn build_help(
    state: &AppState,
    language: Language,
    query: HelpQuery,
    here: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Arc<PublicAnswer>, WorkflowError> {
    let need_typed = query.need.clone().unwrap_or_default();
    let (need, need_problem) = match need_typed.trim() {
        "" => (None, None),
        raw => match raw.parse::<ServiceKind>() {
            Ok(kind) => (Some(kind), None),
            Err(_) => (None, Some(pick(language, "一覧から選んでください。", "Choose one from the list."))),
        },
    };
    let area = query.area.map(|area| area.trim().to_owned()).filter(|area| !area.is_empty());
    let all = directory::directory(state).await?;
    let areas: BTreeSet<String> = all.iter().filter_map(|listed| listed.service.row.area.clone()).collect();
    let search = Search { kind: need, area: area.clone(), ..Search::default() };
    let found: Vec<&Listed> = all.iter().filter(|listed| search.matches(listed)).collect();
    let mut services: Vec<(bool, Value)> =
        found.iter().map(|listed| (directory::open_now(listed, now), service_value(listed, language, now))).collect();
    // Open now first; otherwise as the directory lists them (by name).
    services.sort_by_key(|(open, _)| !*open);
    let needs: Vec<Value> = ServiceKind::ALL
        .iter()
        .map(|kind| context! { value => kind.as_str(), label => kind_words(*kind, language), chosen => need == Some(*kind) })
        .collect();
    let feed = match &area {
        Some(area) => format!("/help/family-classes.ics?area={}", url_escape(area)),
        None => "/help/family-classes.ics".to_owned(),
    };
    let frame = plain_frame(language, title(language));
    let context = context! {
        areas => areas.into_iter().collect::<Vec<_>>(), area => area, needs => needs, need_typed => need_typed,
        need_problem => need_problem, soon => soon_values(&found, language, now),
        services => services.into_iter().map(|(_, value)| value).collect::<Vec<_>>(), feed => feed,
        here => here, ..frame
    };
    let status = if need_problem.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let body = crate::templates::render("help.html", context)
        .map_err(|err| WorkflowError::Internal(format!("the directory page did not render: {err}")))?;
    let gzipped = gzip(body.as_bytes())?.into();
    Ok(Arc::new(PublicAnswer { status: status.as_u16(), body: body.into(), gzipped }))
}

fn url_escape(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `GET /help/sessions/{id}`: where a reminder's link lands: the directory of the session's
/// area, at the session.
#[handler]
pub async fn help_session(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let language = crate::sign_in::language_of(req);
    let Ok(id) = id.0.parse::<uuid::Uuid>() else { return super::frame::not_found(req, language) };
    match directory::public_service_of_session(&state, id).await {
        Ok(Some(listed)) => {
            let area = listed.service.row.area.as_deref().map(url_escape).unwrap_or_default();
            super::frame::see_other(&format!("/help?area={area}#session-{id}"))
        }
        Ok(None) => super::frame::not_found(req, language),
        Err(err) => super::frame::failed(err),
    }
}
