use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    an_admin_creates_a_staff_member_of_a_facility,
    each_role_belongs_to_the_right_kind_of_organisation,
    invalid_parties_are_refused_and_nothing_is_stored,
    quiet_hours_are_set_changed_and_cleared,
    parties_are_listed_and_an_unknown_one_is_not_found,
];

async fn an_admin_creates_a_staff_member_of_a_facility(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let created = app
        .create(
            "/parties",
            json!({"role": "staff", "display_name": "Sato Keiko", "organization_id": facility, "language": "en",
                   "quiet_hours": {"start": "22:00", "end": "07:00"}}),
        )
        .await;
    assert_eq!(created["role"], "staff");
    assert_eq!(created["organization_id"], facility.as_str());
    assert_eq!(created["language"], "en");
    assert_eq!(created["timezone"], "Asia/Tokyo");
    assert_eq!(created["quiet_hours"], json!({"start": "22:00", "end": "07:00"}));
    let read: Value = app.get(&format!("/parties/{}", id_of(&created)), &app.admin()).await.json().await.unwrap();
    assert_eq!(read, created);
}

async fn each_role_belongs_to_the_right_kind_of_organisation(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let probation = app.create_organization("probation_office").await;
    let law = app.create_organization("law_office").await;
    let refused = [
        json!({"role": "staff", "display_name": "No org"}),
        json!({"role": "probation", "display_name": "Wrong office", "organization_id": facility}),
        json!({"role": "lawyer", "display_name": "Wrong office", "organization_id": facility}),
        json!({"role": "family", "display_name": "Hanako", "organization_id": facility}),
        json!({"role": "person", "display_name": "Taro", "organization_id": facility}),
        json!({"role": "staff", "display_name": "Ghost org", "organization_id": uuid::Uuid::new_v4()}),
    ];
    for body in refused {
        let problem =
            assert_problem(app.post("/parties", &app.admin(), &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(refused_fields(&problem).contains(&"organization_id".to_owned()), "{body} → {problem}");
    }
    assert_eq!(app.count("parties").await, 0);
    for body in [
        json!({"role": "probation", "display_name": "Officer", "organization_id": probation}),
        json!({"role": "lawyer", "display_name": "Counsel", "organization_id": law}),
        json!({"role": "lawyer", "display_name": "Solo counsel"}),
        json!({"role": "family", "display_name": "Hanako"}),
    ] {
        app.create("/parties", body).await;
    }
    assert_eq!(app.count("parties").await, 4);
}

async fn invalid_parties_are_refused_and_nothing_is_stored(app: TestApp) {
    let bodies = [
        json!({"role": "family", "display_name": ""}),
        json!({"role": "family", "display_name": "a".repeat(500)}),
        json!({"role": "root", "display_name": "Mallory"}),
        json!({"role": "family", "display_name": "Hanako", "language": "fr"}),
        json!({"role": "family", "display_name": "Hanako", "timezone": "Tokyo"}),
        json!({"role": "family", "display_name": "Hanako", "quiet_hours": {"start": "25:00", "end": "07:00"}}),
    ];
    for body in bodies {
        assert_problem(app.post("/parties", &app.admin(), &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_eq!(app.count("parties").await, 0);
}

async fn quiet_hours_are_set_changed_and_cleared(app: TestApp) {
    let id = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let path = format!("/parties/{id}");
    let set: Value = app
        .patch(&path, &app.admin(), &json!({"quiet_hours": {"start": "21:30", "end": "06:00"}}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(set["quiet_hours"], json!({"start": "21:30", "end": "06:00"}));
    let untouched: Value =
        app.patch(&path, &app.admin(), &json!({"display_name": "Hanako Y."})).await.json().await.unwrap();
    assert_eq!(untouched["quiet_hours"], set["quiet_hours"]);
    assert_eq!(untouched["display_name"], "Hanako Y.");
    let cleared: Value = app.patch(&path, &app.admin(), &json!({"quiet_hours": null})).await.json().await.unwrap();
    assert!(cleared["quiet_hours"].is_null(), "{cleared}");
    let refused = app.patch(&path, &app.admin(), &json!({"quiet_hours": {"start": "08:00", "end": "08:00"}})).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let role_change = app.patch(&path, &app.admin(), &json!({"role": "admin"})).await;
    assert_problem(role_change, StatusCode::UNPROCESSABLE_ENTITY).await;
    let kept: Value = app.get(&path, &app.admin()).await.json().await.unwrap();
    assert_eq!(kept["role"], "family");
}

async fn parties_are_listed_and_an_unknown_one_is_not_found(app: TestApp) {
    let a = app.create_party(json!({"role": "family", "display_name": "A"})).await;
    let b = app.create_party(json!({"role": "lawyer", "display_name": "B"})).await;
    let page: Value = app.get("/parties", &app.admin()).await.json().await.unwrap();
    let ids: Vec<String> = page["items"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(ids, [a, b]);
    assert!(page["next_cursor"].is_null());
    let missing = uuid::Uuid::new_v4();
    assert_problem(app.get(&format!("/parties/{missing}"), &app.admin()).await, StatusCode::NOT_FOUND).await;
}
