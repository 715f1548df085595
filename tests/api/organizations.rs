use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    an_admin_creates_and_reads_an_organisation,
    the_time_zone_defaults_to_tokyo_and_must_be_real,
    invalid_organisations_are_refused_and_nothing_is_stored,
    organisations_are_listed_page_by_page,
    an_organisation_can_be_renamed_but_not_with_an_empty_name,
    an_unknown_organisation_is_not_found,
];

async fn an_admin_creates_and_reads_an_organisation(app: TestApp) {
    let response = app
        .post(
            "/organizations",
            &app.admin(),
            &json!({"kind": "rehab_facility", "name": "Sunrise DARC", "timezone": "Asia/Tokyo"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = id_of(&created);
    assert_eq!(location, format!("/api/v1/organizations/{id}"));
    assert_eq!(created["kind"], "rehab_facility");

    let read: Value = app.get(&format!("/organizations/{id}"), &app.admin()).await.json().await.unwrap();
    assert_eq!(read, created);
    assert_eq!(read["name"], "Sunrise DARC");
}

async fn the_time_zone_defaults_to_tokyo_and_must_be_real(app: TestApp) {
    let created = app.create("/organizations", json!({"kind": "probation_office", "name": "Office"})).await;
    assert_eq!(created["timezone"], "Asia/Tokyo");
    let response = app
        .post(
            "/organizations",
            &app.admin(),
            &json!({"kind": "medical", "name": "Clinic", "timezone": "Asia/Atlantis"}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["timezone"]);
}

async fn invalid_organisations_are_refused_and_nothing_is_stored(app: TestApp) {
    let long_name = "x".repeat(500);
    let bodies = [
        json!({"kind": "rehab_facility", "name": ""}),
        json!({"kind": "rehab_facility", "name": "   "}),
        json!({"kind": "rehab_facility", "name": long_name}),
        json!({"kind": "prison", "name": "Fuchu"}),
        json!({"name": "No kind"}),
        json!({"kind": "other", "name": "Typo", "timezon": "Asia/Tokyo"}),
        json!({"kind": "other", "name": null}),
        json!({"kind": "other", "name": ["Sunrise"]}),
    ];
    for body in bodies {
        let response = app.post("/organizations", &app.admin(), &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(!refused_fields(&problem).is_empty(), "{body} → {problem}");
    }
    assert_eq!(app.count("organizations").await, 0);
}

async fn organisations_are_listed_page_by_page(app: TestApp) {
    let mut created = Vec::new();
    for n in 0..5 {
        created.push(id_of(&app.create("/organizations", json!({"kind": "other", "name": format!("Org {n}")})).await));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/organizations?limit=2&cursor={cursor}"),
            None => "/organizations?limit=2".to_owned(),
        };
        let page: Value = app.get(&path, &app.admin()).await.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, created, "every organisation once, oldest first");
}

async fn an_organisation_can_be_renamed_but_not_with_an_empty_name(app: TestApp) {
    let id = app.create_organization("law_office").await;
    let path = format!("/organizations/{id}");
    let renamed = app.patch(&path, &app.admin(), &json!({"name": "Hikari Law", "timezone": "Asia/Seoul"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["name"], "Hikari Law");
    assert_eq!(renamed["timezone"], "Asia/Seoul");
    assert_eq!(renamed["kind"], "law_office");

    let refused = app.patch(&path, &app.admin(), &json!({"name": ""})).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let kept: Value = app.get(&path, &app.admin()).await.json().await.unwrap();
    assert_eq!(kept["name"], "Hikari Law");
}

async fn an_unknown_organisation_is_not_found(app: TestApp) {
    let missing = uuid::Uuid::new_v4();
    assert_problem(app.get(&format!("/organizations/{missing}"), &app.admin()).await, StatusCode::NOT_FOUND).await;
    let patch = app.patch(&format!("/organizations/{missing}"), &app.admin(), &json!({"name": "X"})).await;
    assert_problem(patch, StatusCode::NOT_FOUND).await;
}
