use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    an_admin_records_and_reads_a_person,
    a_birth_date_in_the_persons_future_is_refused,
    every_refused_field_is_named_and_nothing_is_stored,
    a_person_is_changed_field_by_field,
    persons_are_listed_page_by_page,
    an_unknown_person_is_not_found,
];

async fn an_admin_records_and_reads_a_person(app: TestApp) {
    let response = app
        .post("/persons", &app.admin(), &json!({"display_name": "Taro", "birth_date": "1988-02-29", "language": "ja"}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["display_name"], "Taro");
    assert_eq!(created["birth_date"], "1988-02-29");
    assert_eq!(created["timezone"], "Asia/Tokyo");
    let read: Value = app.get(&format!("/persons/{}", id_of(&created)), &app.admin()).await.json().await.unwrap();
    assert_eq!(read, created);
}

async fn a_birth_date_in_the_persons_future_is_refused(app: TestApp) {
    // "Today" is the person's local date by the server's clock.
    let today_in_tokyo = app.now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let tomorrow = today_in_tokyo + Duration::days(1);
    let refused = app.post("/persons", &app.admin(), &json!({"display_name": "Taro", "birth_date": tomorrow})).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["birth_date"]);
    let accepted =
        app.post("/persons", &app.admin(), &json!({"display_name": "Taro", "birth_date": today_in_tokyo})).await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
}

async fn every_refused_field_is_named_and_nothing_is_stored(app: TestApp) {
    let response = app.post("/persons", &app.admin(), &json!({"display_name": "", "timezone": "Nowhere/Land"})).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["display_name", "timezone"]);
    for body in [
        json!({"display_name": "薬".repeat(101)}),
        json!({"display_name": "Taro\u{0000}"}),
        json!({"display_name": "Taro", "language": "de"}),
        json!({"display_name": "Taro", "birth_date": "1988-02-30"}),
        json!({"display_name": "Taro", "criminal_record": "…"}),
        json!({}),
    ] {
        assert_problem(app.post("/persons", &app.admin(), &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_eq!(app.count("persons").await, 0);
}

async fn a_person_is_changed_field_by_field(app: TestApp) {
    let created = app.create("/persons", json!({"display_name": "Taro", "birth_date": "1990-01-01"})).await;
    let path = format!("/persons/{}", id_of(&created));
    app.clock.advance(Duration::minutes(5));
    let changed: Value = app.patch(&path, &app.admin(), &json!({"language": "en"})).await.json().await.unwrap();
    assert_eq!(changed["language"], "en");
    assert_eq!(changed["display_name"], "Taro");
    assert_eq!(changed["birth_date"], "1990-01-01");
    assert_eq!(changed["created_at"], created["created_at"]);
    assert_ne!(changed["updated_at"], created["updated_at"]);
    let cleared: Value = app.patch(&path, &app.admin(), &json!({"birth_date": null})).await.json().await.unwrap();
    assert!(cleared["birth_date"].is_null());
    let refused = app.patch(&path, &app.admin(), &json!({"display_name": " "})).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let kept: Value = app.get(&path, &app.admin()).await.json().await.unwrap();
    assert_eq!(kept["display_name"], "Taro");
}

async fn persons_are_listed_page_by_page(app: TestApp) {
    let mut created = Vec::new();
    for n in 0..3 {
        created.push(id_of(&app.create("/persons", json!({"display_name": format!("Person {n}")})).await));
    }
    let first: Value = app.get("/persons?limit=2", &app.admin()).await.json().await.unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second: Value = app.get(&format!("/persons?limit=2&cursor={cursor}"), &app.admin()).await.json().await.unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null());
    let all: Vec<String> =
        first["items"].as_array().unwrap().iter().chain(second["items"].as_array().unwrap()).map(id_of).collect();
    assert_eq!(all, created);
}

async fn an_unknown_person_is_not_found(app: TestApp) {
    let missing = uuid::Uuid::new_v4();
    let problem =
        assert_problem(app.get(&format!("/persons/{missing}"), &app.admin()).await, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["detail"], "No such resource.");
}
