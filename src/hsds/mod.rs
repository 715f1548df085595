//! The directory of help as Open Referral's HSDS 3.0 API: public, read-only, no sign-in.
//! `/hsds/`, `/hsds/services`, `/hsds/services/{id}`, `/hsds/organizations`,
//! `/hsds/organizations/{id}`; lists are paged with the standard's fields. It holds no
//! person's data, so its answers may be cached by anyone. Its contract is the standard's own
//! OpenAPI description (`/hsds/` links to it), not Tsunagu's.

// A refusal is the answer to send: a `Response`, large as it is (as on the pages).
#![allow(clippy::result_large_err)]

mod shape;

use std::collections::BTreeMap;

use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Response,
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    http::Problem,
    state::AppState,
    workflow::services::{self as directory, Listed, Search},
};

const DEFAULT_PER_PAGE: usize = 50;
const MOST_PER_PAGE: usize = 100;

fn answer(body: Value) -> Response {
    Response::builder()
        .content_type("application/json")
        .header("cache-control", "public, max-age=300")
        .header("access-control-allow-origin", "*")
        .body(body.to_string())
}

fn problem(status: StatusCode, detail: &str) -> Response {
    Problem::new(status, Some(detail.to_owned())).into_response()
}

fn failed(err: impl std::fmt::Display) -> Response {
    tracing::error!(error = %err, "directory read failed");
    problem(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side.")
}

/// A page of `items`, numbered from 1, with the standard's paging fields.
fn page(items: Vec<Value>, asked: &BTreeMap<String, String>) -> Result<Value, Response> {
    let number = |key: &str, default: usize, most: usize| -> Result<usize, Response> {
        match asked.get(key).map(|raw| raw.trim()) {
            None | Some("") => Ok(default),
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if (1..=most).contains(&n) => Ok(n),
                _ => Err(problem(StatusCode::BAD_REQUEST, &format!("`{key}` is a whole number from 1 to {most}."))),
            },
        }
    };
    let per_page = number("per_page", DEFAULT_PER_PAGE, MOST_PER_PAGE)?;
    let page_number = number("page", 1, usize::MAX)?;
    let total_items = items.len();
    let total_pages = total_items.div_ceil(per_page).max(1);
    let contents: Vec<Value> =
        items.into_iter().skip((page_number - 1).saturating_mul(per_page)).take(per_page).collect();
    Ok(json!({
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": contents.len(),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    }))
}

fn search_of(asked: &BTreeMap<String, String>) -> Result<Search, Response> {
    let organization_id = match asked.get("organization_id").map(|raw| raw.trim()).filter(|raw| !raw.is_empty()) {
        None => None,
        Some(raw) => {
            Some(raw.parse::<Uuid>().map_err(|_| problem(StatusCode::BAD_REQUEST, "`organization_id` is a UUID."))?)
        }
    };
    // Tsunagu's taxonomy is its list of service kinds: a term's id or code names one.
    let kind = match asked.get("taxonomy_term_id").map(|raw| raw.trim()).filter(|raw| !raw.is_empty()) {
        None => None,
        Some(raw) => Some(raw.parse().map_err(|_| {
            problem(StatusCode::BAD_REQUEST, "`taxonomy_term_id` is one of Tsunagu's service kinds (family_class, …).")
        })?),
    };
    let modified_after = match asked.get("modified_after").map(|raw| raw.trim()).filter(|raw| !raw.is_empty()) {
        None => None,
        Some(raw) => Some(
            chrono::DateTime::parse_from_rfc3339(raw)
                .map_err(|_| problem(StatusCode::BAD_REQUEST, "`modified_after` is a date-time (RFC 3339)."))?
                .with_timezone(&chrono::Utc),
        ),
    };
    Ok(Search {
        text: asked.get("search").cloned(),
        organization_id,
        kind,
        area: asked.get("area").cloned(),
        modified_after,
    })
}

/// `GET /hsds/`: which version of the standard this is, and where its description is.
#[handler]
pub async fn root() -> Response {
    answer(json!({ "version": shape::VERSION, "profile": shape::PROFILE, "openapi_url": shape::OPENAPI_URL }))
}

/// `GET /hsds/services`: `search`, `organization_id`, `taxonomy_term_id` (a service kind),
/// `modified_after`, `area`; `page`, `per_page` (1–100, 50 by default).
#[handler]
pub async fn list_services(state: Data<&AppState>, asked: Query<BTreeMap<String, String>>) -> Response {
    let search = match search_of(&asked.0) {
        Ok(search) => search,
        Err(refused) => return refused,
    };
    match directory::search(&state, &search).await {
        Ok(found) => {
            let items = found
                .iter()
                .map(|Listed { service, organization }| shape::service_summary(service, organization))
                .collect();
            match page(items, &asked.0) {
                Ok(body) => answer(body),
                Err(refused) => refused,
            }
        }
        Err(err) => failed(err),
    }
}

/// `GET /hsds/services/{id}`: one active service in full.
#[handler]
pub async fn get_service(state: Data<&AppState>, id: Path<String>) -> Response {
    let Ok(id) = id.0.parse::<Uuid>() else { return problem(StatusCode::NOT_FOUND, "No such resource.") };
    match directory::public_service(&state, id).await {
        Ok(Some(Listed { service, organization })) => {
            let today = organization.timezone.date_at(state.clock.now());
            answer(shape::service_full(&service, &organization, today))
        }
        Ok(None) => problem(StatusCode::NOT_FOUND, "No such resource."),
        Err(err) => failed(err),
    }
}

/// `GET /hsds/organizations`: the organisations with an active service; `search`, paging.
#[handler]
pub async fn list_organizations(state: Data<&AppState>, asked: Query<BTreeMap<String, String>>) -> Response {
    match directory::directory(&state).await {
        Ok(found) => {
            let words = asked.0.get("search").map(|text| text.trim().to_lowercase()).filter(|text| !text.is_empty());
            let mut seen = std::collections::HashSet::new();
            let mut organizations: Vec<&crate::entity::organization::Model> = found
                .iter()
                .map(|listed| &listed.organization)
                .filter(|organization| seen.insert(organization.id))
                .filter(|organization| {
                    words.as_deref().is_none_or(|words| organization.name.to_lowercase().contains(words))
                })
                .collect();
            organizations.sort_by(|one, other| one.name.cmp(&other.name).then(one.id.cmp(&other.id)));
            let items = organizations.into_iter().map(shape::organization_summary).collect();
            match page(items, &asked.0) {
                Ok(body) => answer(body),
                Err(refused) => refused,
            }
        }
        Err(err) => failed(err),
    }
}

/// `GET /hsds/organizations/{id}`: an organisation of the directory with its services.
#[handler]
pub async fn get_organization(state: Data<&AppState>, id: Path<String>) -> Response {
    let Ok(id) = id.0.parse::<Uuid>() else { return problem(StatusCode::NOT_FOUND, "No such resource.") };
    match directory::public_organization(&state, id).await {
        Ok(Some((organization, services))) => answer(shape::organization_full(&organization, &services)),
        Ok(None) => problem(StatusCode::NOT_FOUND, "No such resource."),
        Err(err) => failed(err),
    }
}
