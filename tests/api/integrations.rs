use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_probation_system_pushes_and_moves_a_release_date,
    court_dates_attach_to_the_open_bail,
    another_office_and_other_roles_cannot_push,
    a_batch_honours_its_idempotency_key,
];

struct Office {
    person: String,
    staff: String,
    probation: String,
    other_probation: String,
}

async fn office(app: &TestApp) -> Office {
    app.clock.set(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap());
    let facility = app.create_organization("rehab_facility").await;
    let probation_office = app.create_organization("probation_office").await;
    let other_office = app.create_organization("probation_office").await;
    let staff_party =
        app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let officer = app
        .create_party(json!({"role": "probation", "display_name": "System", "organization_id": probation_office}))
        .await;
    let other = app
        .create_party(json!({"role": "probation", "display_name": "Elsewhere", "organization_id": other_office}))
        .await;
    let link = json!({"party_id": officer, "relationship": "probation_officer", "scope": ["release", "bail"]});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &staff, &link).await.status(), StatusCode::CREATED);
    Office {
        person,
        staff,
        probation: app.token("probation", &officer),
        other_probation: app.token("probation", &other),
    }
}

async fn put(app: &TestApp, token: &str, external_id: &str, body: Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/integrations/schedule/{external_id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn a_probation_system_pushes_and_moves_a_release_date(app: TestApp) {
    let o = office(&app).await;
    let body = json!({"person_id": o.person, "kind": "release", "on": "2026-06-01", "release_type": "full_term"});
    let created = put(&app, &o.probation, "REL-2026-0042", body.clone()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let milestone = created["milestone_id"].as_str().unwrap().to_owned();
    let release: Value = app.get(&format!("/milestones/{milestone}"), &o.staff).await.json().await.unwrap();
    assert_eq!(
        (release["scheduled_on"].as_str(), release["release_type"].as_str()),
        (Some("2026-06-01"), Some("full_term"))
    );

    let again = put(&app, &o.probation, "REL-2026-0042", body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["changed"], false);
    let unchanged: Value = app.get(&format!("/milestones/{milestone}"), &o.staff).await.json().await.unwrap();
    assert_eq!(unchanged["version"], release["version"], "the same request twice changes nothing");

    let moved =
        put(&app, &o.probation, "REL-2026-0042", json!({"person_id": o.person, "kind": "release", "on": "2026-05-20"}))
            .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let moved: Value = moved.json().await.unwrap();
    assert_eq!((moved["changed"].as_bool(), moved["moved_earlier"].as_bool()), (Some(true), Some(true)));
    let history: Value = app.get(&format!("/milestones/{milestone}/events"), &o.staff).await.json().await.unwrap();
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["event"].as_str(), last["old_date"].as_str(), last["new_date"].as_str()),
        (Some("date_moved"), Some("2026-06-01"), Some("2026-05-20"))
    );
    // Its alerts follow: the planner has been asked to plan this person again.
    let report = tsunagu::scheduler::tick(&app.state).await.unwrap();
    assert_eq!(report.replanned, 1);

    let other_kind = put(
        &app,
        &o.probation,
        "REL-2026-0042",
        json!({"person_id": o.person, "kind": "interview", "on": "2026-05-01"}),
    )
    .await;
    assert_problem(other_kind, StatusCode::CONFLICT).await;
    let bad_id =
        put(&app, &o.probation, "has%20space", json!({"person_id": o.person, "kind": "interview", "on": "2026-05-01"}))
            .await;
    assert_eq!(refused_fields(&assert_problem(bad_id, StatusCode::UNPROCESSABLE_ENTITY).await), ["external_id"]);
}

async fn court_dates_attach_to_the_open_bail(app: TestApp) {
    let o = office(&app).await;
    let no_bail =
        put(&app, &o.probation, "H-1", json!({"person_id": o.person, "kind": "hearing", "on": "2026-02-01"})).await;
    assert_eq!(refused_fields(&assert_problem(no_bail, StatusCode::UNPROCESSABLE_ENTITY).await), ["kind"]);
    let body = json!({"kind": "bail", "requested_on": "2026-01-05"});
    let bail: Value =
        app.post(&format!("/persons/{}/milestones", o.person), &o.staff, &body).await.json().await.unwrap();
    for (id, kind, on) in
        [("H-1", "hearing", "2026-02-01"), ("J-1", "judgment", "2026-03-01"), ("I-1", "interview", "2026-01-20")]
    {
        let response = put(&app, &o.probation, id, json!({"person_id": o.person, "kind": kind, "on": on})).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{kind}");
    }
    let bail: Value = app.get(&format!("/milestones/{}", id_of(&bail)), &o.staff).await.json().await.unwrap();
    assert_eq!((bail["hearing_on"].as_str(), bail["judgment_on"].as_str()), (Some("2026-02-01"), Some("2026-03-01")));
    // The interview has no milestone, but shows among the dates ahead.
    let upcoming: Value =
        app.get(&format!("/persons/{}/upcoming?days=60", o.person), &o.staff).await.json().await.unwrap();
    let dates: Vec<String> = upcoming["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["item"] == "date")
        .map(|item| format!("{} {}", item["on"].as_str().unwrap(), item["label"].as_str().unwrap()))
        .collect();
    assert_eq!(dates, ["2026-01-20 interview", "2026-02-01 hearing_on", "2026-03-01 judgment_on"]);
}

async fn another_office_and_other_roles_cannot_push(app: TestApp) {
    let o = office(&app).await;
    let body = json!({"person_id": o.person, "kind": "release", "on": "2026-06-01", "release_type": "full_term"});
    let missing: Value =
        app.get(&format!("/persons/{}", uuid::Uuid::new_v4()), &app.admin()).await.json().await.unwrap();
    let elsewhere =
        assert_problem(put(&app, &o.other_probation, "REL-1", body.clone()).await, StatusCode::NOT_FOUND).await;
    assert_eq!(elsewhere, missing, "another office's party learns nothing");
    assert_problem(put(&app, &o.staff, "REL-1", body).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("schedule_entries").await, 0);
    assert_eq!(app.count("milestones").await, 0);
}

async fn batch(app: &TestApp, token: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
    let mut request = app.client.post(app.url("/integrations/schedule")).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

async fn a_batch_honours_its_idempotency_key(app: TestApp) {
    let o = office(&app).await;
    let body = json!({"items": [
        {"external_id": "R-1", "person_id": o.person, "kind": "release", "on": "2026-06-01", "release_type": "parole"},
        {"external_id": "S-1", "person_id": o.person, "kind": "supervision_end", "on": "2026-12-01"},
        {"external_id": "X-1", "person_id": uuid::Uuid::new_v4(), "kind": "interview", "on": "2026-02-01"},
    ]});
    let first = batch(&app, &o.probation, Some("batch-0001"), &body).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let statuses: Vec<u64> =
        first["results"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [201, 201, 404]);
    let entries = app.count("schedule_entries").await;

    // The same key and body: the stored answer, and nothing done twice.
    let replay: Value = batch(&app, &o.probation, Some("batch-0001"), &body).await.json().await.unwrap();
    assert_eq!(replay, first);
    assert_eq!(app.count("schedule_entries").await, entries);
    // The same key, another body.
    let mut other = body.clone();
    other["items"][0]["on"] = json!("2026-07-01");
    let refused =
        assert_problem(batch(&app, &o.probation, Some("batch-0001"), &other).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(refused_fields(&refused), ["Idempotency-Key"]);
    // Keys are the caller's own: another party's same key is another request.
    let theirs = batch(&app, &o.other_probation, Some("batch-0001"), &body).await;
    assert_eq!(theirs.status(), StatusCode::OK);
    // A request still in flight under a key: the same body, while the first is processed.
    {
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let done = tsunagu::entity::idempotency_key::Entity::find().all(&app.outside).await.unwrap();
        let first_key = done.iter().find(|row| row.key == "batch-0001" && row.state == "done").unwrap().clone();
        tsunagu::entity::idempotency_key::ActiveModel {
            owner_party_id: Set(first_key.owner_party_id),
            key: Set("batch-0002".into()),
            request_hash: Set(first_key.request_hash.clone()),
            state: Set("in_flight".into()),
            response_body: Set(None),
            created_at: Set(app.now()),
            updated_at: Set(app.now()),
        }
        .insert(&app.outside)
        .await
        .unwrap();
    }
    assert_problem(batch(&app, &o.probation, Some("batch-0002"), &body).await, StatusCode::CONFLICT).await;
    // One that died in flight may be retried once its lease has run out.
    app.clock.advance(chrono::Duration::minutes(6));
    let retried = batch(&app, &o.probation, Some("batch-0002"), &body).await;
    assert_eq!(retried.status(), StatusCode::OK);
    // Without a key, a batch is simply applied: unchanged dates stay unchanged.
    let plain: Value = batch(&app, &o.probation, None, &body).await.json().await.unwrap();
    assert_eq!(plain["results"][0]["entry"]["changed"], false);
}
