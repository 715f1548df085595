//! Side doors: no cache keeps an answer, an export tells of no one else, a session list is as
//! long as asked, and an operator's token asking after "its own" account is told it has none.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, TestApp},
    sign_in::signed_in,
};

pub const TESTS: &[crate::helpers::Case] = cases![
    answers_with_personal_data_are_not_kept_by_any_cache,
    an_export_names_no_other_person_seen_on_the_same_list,
    a_session_list_is_as_long_as_asked_and_no_longer,
];

async fn answers_with_personal_data_are_not_kept_by_any_cache(app: TestApp) {
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    for path in [format!("/persons/{person}"), "/persons".to_owned(), "/me".to_owned()] {
        let answer = app.get(&path, &app.admin()).await;
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        assert_eq!(answer.headers()["cache-control"], "no-store", "{path}");
    }
}

async fn an_export_names_no_other_person_seen_on_the_same_list(app: TestApp) {
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let mut persons = Vec::new();
    for name in ["Taro", "Jiro"] {
        let created = app.post("/persons", &staff, &json!({"display_name": name})).await;
        persons.push(id_of(&created.json::<Value>().await.unwrap()));
    }
    // The staff's list shows both; its audit line names both.
    assert_eq!(app.get("/persons", &staff).await.status(), StatusCode::OK);
    let export: Value = app.get(&format!("/persons/{}/export", persons[0]), &app.admin()).await.json().await.unwrap();
    let listed = export["audit_events"].as_array().unwrap().iter().filter(|e| !e["person_ids"].is_null()).count();
    assert!(listed > 0, "the list's audit line is in the export: {}", export["audit_events"]);
    assert!(!export.to_string().contains(persons[1].as_str()), "Jiro's id is not in Taro's export");
}

async fn a_session_list_is_as_long_as_asked_and_no_longer(app: TestApp) {
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let mut cookie = String::new();
    for _ in 0..3 {
        cookie = signed_in(&app, &family).await;
    }
    let list = |query: &'static str| {
        app.client.get(app.url(&format!("/me/sessions{query}"))).header("cookie", cookie.clone()).send()
    };
    let all: Value = list("").await.unwrap().json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let two: Value = list("?limit=2").await.unwrap().json().await.unwrap();
    assert_eq!(two["items"].as_array().unwrap().len(), 2);
    assert_problem(list("?limit=11").await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_problem(list("?limit=0").await.unwrap(), StatusCode::BAD_REQUEST).await;

    // An operator's admin token names no stored party: there is nothing of "its own".
    for path in ["/me/sessions", "/me/contacts", "/me/preferences"] {
        assert_problem(app.get(path, &app.admin()).await, StatusCode::FORBIDDEN).await;
    }
}
