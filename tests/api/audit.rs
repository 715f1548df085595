use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    reads_and_writes_of_a_person_are_audited,
    the_audit_log_is_filtered_and_paged,
    the_audit_log_cannot_be_changed,
    every_line_of_a_large_group_commit_is_stored,
    a_list_page_is_one_line_naming_whom_it_showed,
];

async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/audit{query}"), &app.admin()).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

async fn reads_and_writes_of_a_person_are_audited(app: TestApp) {
    let admin = app.token("admin", "auditor-alice");
    let created = app.post("/persons", &admin, &json!({"display_name": "Taro"})).await;
    let person = id_of(&created.json().await.unwrap());
    app.get(&format!("/persons/{person}"), &admin).await;
    app.patch(&format!("/persons/{person}"), &admin, &json!({"language": "en"})).await;
    app.get("/persons", &admin).await;
    let entries = audit(&app, &format!("?person_id={person}")).await;
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["person.create", "person.read", "person.update", "person.list"]);
    for entry in &entries {
        assert_eq!(entry["actor"], "auditor-alice");
        assert_eq!(entry["actor_role"], "admin");
        assert_eq!(entry["outcome"], "allowed");
        let at: chrono::DateTime<chrono::Utc> = entry["at"].as_str().unwrap().parse().unwrap();
        assert_eq!(at, app.now());
    }
    // An attempt on an id that does not exist is audited as denied, with the id asked for.
    let missing = uuid::Uuid::new_v4();
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    app.get(&format!("/persons/{missing}"), &app.token("family", &family)).await;
    let denied = audit(&app, &format!("?person_id={missing}")).await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["outcome"], "denied");
    assert_eq!(denied[0]["actor"], family.as_str());
}

async fn the_audit_log_is_filtered_and_paged(app: TestApp) {
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    let start = app.now();
    for _ in 0..3 {
        app.clock.advance(Duration::minutes(10));
        app.get(&format!("/persons/{person}"), &app.token("admin", "bob")).await;
    }
    assert_eq!(audit(&app, "?actor=bob").await.len(), 3);
    assert_eq!(audit(&app, "?actor=nobody").await.len(), 0);
    let from = (start + Duration::minutes(15)).to_rfc3339().replace('+', "%2B");
    let to = (start + Duration::minutes(25)).to_rfc3339().replace('+', "%2B");
    assert_eq!(audit(&app, &format!("?actor=bob&from={from}&to={to}")).await.len(), 1);

    let first: Value = app.get("/audit?limit=2", &app.admin()).await.json().await.unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest: Value = app.get(&format!("/audit?limit=200&cursor={cursor}"), &app.admin()).await.json().await.unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2, "4 entries in all: the create and three reads");
    assert!(rest["next_cursor"].is_null());
}

async fn the_audit_log_cannot_be_changed(app: TestApp) {
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    for method in [reqwest::Method::DELETE, reqwest::Method::PUT, reqwest::Method::PATCH, reqwest::Method::POST] {
        let response =
            app.client.request(method.clone(), app.url("/audit")).bearer_auth(app.admin()).send().await.unwrap();
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    }
    // Not even with direct database access.
    let update = app.outside.execute_unprepared("UPDATE audit_events SET outcome = 'denied'").await;
    assert!(update.is_err(), "the database refused nothing");
    let delete = app.outside.execute_unprepared("DELETE FROM audit_events").await;
    assert!(delete.is_err());
    assert_eq!(audit(&app, &format!("?person_id={person}")).await.len(), 1);
}

/// Audit lines are written by group commit; a group larger than one statement may carry
/// (SQLite allows 32 766 parameters) must still store every line, and answer every caller.
async fn every_line_of_a_large_group_commit_is_stored(app: TestApp) {
    use tsunagu::{
        domain::PartyRole,
        store::audit::{AuditEntry, Outcome},
    };
    let before = app.count("audit_events").await;
    let request = |n: usize| {
        let entries = (0..200)
            .map(|_| AuditEntry {
                actor: format!("reader-{n}"),
                actor_role: Some(PartyRole::Staff),
                action: "persons.list",
                person_id: Some(uuid::Uuid::now_v7()),
                person_ids: Vec::new(),
                resource_id: None,
                outcome: Outcome::Allowed,
            })
            .collect();
        app.state.audit.record(entries, app.now())
    };
    let answers = futures::future::join_all((0..40).map(request)).await;
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(app.count("audit_events").await - before, 40 * 200);
}

/// A facility's resident list is audited as one line naming each resident it showed, and
/// found when the auditor asks about any one of them; another facility's page names only its own.
async fn a_list_page_is_one_line_naming_whom_it_showed(app: TestApp) {
    let (facility_a, facility_b) =
        (app.create_organization("rehab_facility").await, app.create_organization("rehab_facility").await);
    let placed = |name: &str, org: &str| json!({"display_name": name, "organization_id": org});
    let taro = id_of(&app.create("/persons", placed("Taro", &facility_a)).await);
    let jiro = id_of(&app.create("/persons", placed("Jiro", &facility_a)).await);
    let saburo = id_of(&app.create("/persons", placed("Saburo", &facility_b)).await);
    let staff = |org: &str| json!({"role": "staff", "display_name": "Staff", "organization_id": org});
    let staff_a = app.token("staff", &app.create_party(staff(&facility_a)).await);
    let staff_b = app.token("staff", &app.create_party(staff(&facility_b)).await);
    let lines_before = app.count_where("audit_events", "action = 'person.list'").await;
    assert_eq!(app.get("/persons", &staff_a).await.status(), StatusCode::OK);
    assert_eq!(app.get("/persons", &staff_b).await.status(), StatusCode::OK);
    assert_eq!(app.count_where("audit_events", "action = 'person.list'").await - lines_before, 2);

    let about_taro: Vec<Value> =
        audit(&app, &format!("?person_id={taro}")).await.into_iter().filter(|e| e["action"] == "person.list").collect();
    assert_eq!(about_taro.len(), 1, "{about_taro:?}");
    let mut named: Vec<&str> =
        about_taro[0]["person_ids"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    named.sort_unstable();
    let mut expected = [taro.as_str(), jiro.as_str()];
    expected.sort_unstable();
    assert_eq!(named, expected, "facility A's page names its two residents, not Saburo");
    assert!(about_taro[0]["person_id"].is_null());

    let about_saburo: Vec<Value> = audit(&app, &format!("?person_id={saburo}"))
        .await
        .into_iter()
        .filter(|e| e["action"] == "person.list")
        .collect();
    assert_eq!(about_saburo.len(), 1);
    assert_eq!(about_saburo[0]["person_ids"], json!([saburo]));
}
