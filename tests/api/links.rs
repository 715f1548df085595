use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    default_scopes_keep_lapses_within_the_facility,
    lapse_is_shared_with_family_only_when_named,
    consent_changes_are_recorded_never_overwritten,
    a_person_narrows_and_revokes_but_cannot_widen,
    a_revoked_link_shows_nothing_and_cannot_be_changed,
    consent_expires_at_the_end_of_its_last_day_in_the_persons_zone,
    links_are_checked_before_they_are_stored,
];

struct Setup {
    person: String,
    facility: String,
    staff_token: String,
}

async fn setup(app: &TestApp) -> Setup {
    let facility = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let staff_token = app.token("staff", &staff);
    let created = app.post("/persons", &staff_token, &json!({"display_name": "Taro"})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let person = id_of(&created.json().await.unwrap());
    Setup { person, facility, staff_token }
}

async fn create_link(app: &TestApp, setup: &Setup, body: Value) -> Value {
    let response = app.post(&format!("/persons/{}/links", setup.person), &setup.staff_token, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

fn scope_of(link: &Value) -> Vec<&str> {
    link["scope"].as_array().unwrap().iter().map(|kind| kind.as_str().unwrap()).collect()
}

async fn default_scopes_keep_lapses_within_the_facility(app: TestApp) {
    let setup = setup(&app).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let lawyer = app.create_party(json!({"role": "lawyer", "display_name": "Counsel"})).await;
    let colleague = app
        .create_party(json!({"role": "staff", "display_name": "Colleague", "organization_id": setup.facility}))
        .await;
    let family_link = create_link(&app, &setup, json!({"party_id": family, "relationship": "family"})).await;
    let lawyer_link = create_link(&app, &setup, json!({"party_id": lawyer, "relationship": "lawyer"})).await;
    let staff_link = create_link(&app, &setup, json!({"party_id": colleague, "relationship": "facility_staff"})).await;
    assert_eq!(
        scope_of(&family_link),
        ["bail", "release", "employment_support_window", "program_enrollment", "handoff"]
    );
    assert_eq!(scope_of(&lawyer_link), ["bail", "release"]);
    assert!(scope_of(&staff_link).contains(&"lapse"));
    assert!(family_link["active"].as_bool().unwrap());
}

async fn lapse_is_shared_with_family_only_when_named(app: TestApp) {
    let setup = setup(&app).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let link =
        create_link(&app, &setup, json!({"party_id": family, "relationship": "family", "scope": ["lapse", "bail"]}))
            .await;
    assert_eq!(scope_of(&link), ["bail", "lapse"]);
}

async fn consent_changes_are_recorded_never_overwritten(app: TestApp) {
    let setup = setup(&app).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let link = create_link(&app, &setup, json!({"party_id": family, "relationship": "family"})).await;
    let path = format!("/links/{}", id_of(&link));
    app.clock.advance(Duration::hours(1));
    let changed = app.patch(&path, &setup.staff_token, &json!({"scope": ["bail", "release", "lapse"]})).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(scope_of(&changed.json().await.unwrap()), ["bail", "release", "lapse"]);
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.delete(&path, &setup.staff_token).await.status(), StatusCode::NO_CONTENT);

    let history: Value = app.get(&format!("{path}/consents"), &setup.staff_token).await.json().await.unwrap();
    let records = history["items"].as_array().unwrap();
    let changes: Vec<&str> = records.iter().map(|r| r["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["granted", "changed", "revoked"]);
    assert_eq!(
        scope_of(&records[0]),
        ["bail", "release", "employment_support_window", "program_enrollment", "handoff"]
    );
    assert_eq!(scope_of(&records[1]), ["bail", "release", "lapse"]);
    assert!(records.iter().all(|r| r["recorded_by_role"] == "staff"));
    assert!(records[0]["recorded_at"].as_str() < records[2]["recorded_at"].as_str());
}

async fn a_person_narrows_and_revokes_but_cannot_widen(app: TestApp) {
    let setup = setup(&app).await;
    let me = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": setup.person})).await;
    let my_token = app.token("person", &me);
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let family_token = app.token("family", &family);
    let link = create_link(&app, &setup, json!({"party_id": family, "relationship": "family"})).await;
    let path = format!("/links/{}", id_of(&link));

    let mine: Value = app.get("/me", &my_token).await.json().await.unwrap();
    assert_eq!(mine["person_id"], setup.person.as_str());
    assert_eq!(app.get(&format!("/persons/{}", setup.person), &my_token).await.status(), StatusCode::OK);

    let narrowed = app.patch(&path, &my_token, &json!({"scope": ["release"]})).await;
    assert_eq!(narrowed.status(), StatusCode::OK);
    let widened = app.patch(&path, &my_token, &json!({"scope": ["release", "lapse"]})).await;
    assert_problem(widened, StatusCode::FORBIDDEN).await;
    let unlimited = app.patch(&path, &my_token, &json!({"expires_on": null})).await;
    assert_eq!(unlimited.status(), StatusCode::OK, "no expiry was set, so removing it widens nothing");
    let shortened = app.patch(&path, &my_token, &json!({"expires_on": app.today() + Duration::days(30)})).await;
    assert_eq!(shortened.status(), StatusCode::OK);
    let lengthened = app.patch(&path, &my_token, &json!({"expires_on": app.today() + Duration::days(60)})).await;
    assert_problem(lengthened, StatusCode::FORBIDDEN).await;
    let current: Value = app.get(&path, &family_token).await.json().await.unwrap();
    assert_eq!(scope_of(&current), ["release"]);

    assert_eq!(app.delete(&path, &my_token).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&format!("/persons/{}", setup.person), &family_token).await, StatusCode::NOT_FOUND).await;
    let history: Value = app.get(&format!("{path}/consents"), &my_token).await.json().await.unwrap();
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["change"], "revoked");
    assert_eq!(last["recorded_by"], me.as_str());
    assert_eq!(last["recorded_by_role"], "person");
}

async fn a_revoked_link_shows_nothing_and_cannot_be_changed(app: TestApp) {
    let setup = setup(&app).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let link = create_link(&app, &setup, json!({"party_id": family, "relationship": "family"})).await;
    let path = format!("/links/{}", id_of(&link));
    assert_eq!(app.delete(&path, &setup.staff_token).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&path, &setup.staff_token).await.status(), StatusCode::NO_CONTENT, "revoking twice is fine");
    let history: Value = app.get(&format!("{path}/consents"), &setup.staff_token).await.json().await.unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 2, "granted, revoked: no second revocation record");
    let revoked: Value = app.get(&path, &setup.staff_token).await.json().await.unwrap();
    assert_eq!(revoked["active"], false);
    assert!(revoked["revoked_at"].is_string());
    assert_problem(app.patch(&path, &setup.staff_token, &json!({"scope": ["bail"]})).await, StatusCode::CONFLICT).await;
    let family_token = app.token("family", &family);
    assert_problem(app.get(&path, &family_token).await, StatusCode::NOT_FOUND).await;
    // A new link can be made after a revocation.
    create_link(&app, &setup, json!({"party_id": family, "relationship": "family"})).await;
    assert_eq!(app.get(&format!("/persons/{}", setup.person), &family_token).await.status(), StatusCode::OK);
}

async fn consent_expires_at_the_end_of_its_last_day_in_the_persons_zone(app: TestApp) {
    let setup = setup(&app).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let token = app.token("family", &family);
    let last_day = app.today() + Duration::days(1);
    create_link(&app, &setup, json!({"party_id": family, "relationship": "family", "expires_on": last_day})).await;
    let end = chrono::NaiveDate::and_hms_opt(&(last_day + Duration::days(1)), 0, 0, 0)
        .unwrap()
        .and_local_timezone(chrono_tz::Asia::Tokyo)
        .unwrap()
        .with_timezone(&chrono::Utc);
    app.clock.set(end - Duration::seconds(1));
    assert_eq!(app.get(&format!("/persons/{}", setup.person), &token).await.status(), StatusCode::OK);
    app.clock.set(end);
    assert_problem(app.get(&format!("/persons/{}", setup.person), &token).await, StatusCode::NOT_FOUND).await;
}

async fn links_are_checked_before_they_are_stored(app: TestApp) {
    let setup = setup(&app).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let path = format!("/persons/{}/links", setup.person);
    let cases = [
        (json!({"party_id": family, "relationship": "lawyer"}), "relationship"),
        (json!({"party_id": uuid::Uuid::new_v4(), "relationship": "family"}), "party_id"),
        (
            json!({"party_id": family, "relationship": "family", "expires_on": app.today() - Duration::days(1)}),
            "expires_on",
        ),
        (json!({"party_id": family, "relationship": "family", "scope": ["medical_history"]}), "body"),
        (json!({"party_id": family, "relationship": "cousin"}), "body"),
    ];
    for (body, field) in cases {
        let problem =
            assert_problem(app.post(&path, &setup.staff_token, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(refused_fields(&problem), [field], "{body}");
    }
    assert_eq!(app.count("links").await, 0);
    create_link(&app, &setup, json!({"party_id": family, "relationship": "family"})).await;
    let again = app.post(&path, &setup.staff_token, &json!({"party_id": family, "relationship": "family"})).await;
    assert_problem(again, StatusCode::CONFLICT).await;
    assert_eq!(app.count("links").await, 1);
    assert_eq!(app.count("consent_records").await, 1);
}
