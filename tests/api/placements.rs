use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    staff_record_residents_at_their_own_facility,
    staff_lose_sight_of_a_resident_once_the_placement_ends,
    a_placement_that_starts_later_is_not_current_yet,
    placements_are_checked_before_they_are_stored,
];

async fn staff_record_residents_at_their_own_facility(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let elsewhere = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let token = app.token("staff", &staff);
    let created = app.post("/persons", &token, &json!({"display_name": "Taro"})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let person = id_of(&created.json().await.unwrap());
    let placements: Value = app.get(&format!("/persons/{person}/placements"), &token).await.json().await.unwrap();
    let placement = &placements["items"][0];
    assert_eq!(placement["organization_id"], facility.as_str());
    assert_eq!(placement["start_on"], app.today().to_string());
    assert_eq!(placement["current"], true);

    let refused = app.post("/persons", &token, &json!({"display_name": "Jiro", "organization_id": elsewhere})).await;
    assert_problem(refused, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("persons").await, 1);
}

async fn staff_lose_sight_of_a_resident_once_the_placement_ends(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let token = app.token("staff", &staff);
    let person = id_of(&app.post("/persons", &token, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let placements: Value = app.get(&format!("/persons/{person}/placements"), &token).await.json().await.unwrap();
    let placement = id_of(&placements["items"][0]);
    let ended =
        app.patch(&format!("/persons/{person}/placements/{placement}"), &token, &json!({"end_on": app.today()})).await;
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(app.get(&format!("/persons/{person}"), &token).await.status(), StatusCode::OK, "still today");
    app.clock.advance(Duration::days(1));
    assert_problem(app.get(&format!("/persons/{person}"), &token).await, StatusCode::NOT_FOUND).await;
    let listed: Value = app.get("/persons", &token).await.json().await.unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty());
    // The admin still sees the placement, no longer current.
    let placements: Value = app.get(&format!("/persons/{person}/placements"), &app.admin()).await.json().await.unwrap();
    assert_eq!(placements["items"][0]["current"], false);
}

async fn a_placement_that_starts_later_is_not_current_yet(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let token = app.token("staff", &staff);
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    let next_week = app.today() + Duration::days(7);
    let body = json!({"organization_id": facility, "start_on": next_week});
    let created = app.post(&format!("/persons/{person}/placements"), &app.admin(), &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.json::<Value>().await.unwrap()["current"], false);
    assert_problem(app.get(&format!("/persons/{person}"), &token).await, StatusCode::NOT_FOUND).await;
    app.clock.advance(Duration::days(8));
    assert_eq!(app.get(&format!("/persons/{person}"), &token).await.status(), StatusCode::OK);
}

async fn placements_are_checked_before_they_are_stored(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    let path = format!("/persons/{person}/placements");
    let cases = [
        (json!({"organization_id": uuid::Uuid::new_v4(), "start_on": "2026-01-01"}), "organization_id"),
        (json!({"organization_id": facility, "start_on": "2026-01-10", "end_on": "2026-01-09"}), "end_on"),
    ];
    for (body, field) in cases {
        let problem =
            assert_problem(app.post(&path, &app.admin(), &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(refused_fields(&problem), [field]);
    }
    assert_eq!(app.count("placements").await, 0);
    let other_person = id_of(&app.create("/persons", json!({"display_name": "Jiro"})).await);
    let body = json!({"organization_id": facility, "start_on": "2026-01-01"});
    let placement = id_of(&app.post(&path, &app.admin(), &body).await.json().await.unwrap());
    let wrong_person = app
        .patch(&format!("/persons/{other_person}/placements/{placement}"), &app.admin(), &json!({"end_on": null}))
        .await;
    assert_problem(wrong_person, StatusCode::NOT_FOUND).await;
}
