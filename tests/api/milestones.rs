use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_residents_whole_path_reads_back_as_one_timeline,
    an_illegal_step_is_refused_with_the_legal_ones_and_changes_nothing,
    stale_versions_are_refused,
    a_family_without_lapse_consent_never_sees_a_lapse,
    the_window_opens_and_expires_with_no_request,
    milestones_are_checked_before_they_are_stored,
    custody_interrupts_programmes_and_keeps_links,
    a_lapse_closes_nothing,
    the_state_machines_are_published_as_the_service_runs_them,
];

/// 09:00 in Tokyo on a date.
fn tokyo_morning(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap().with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct Facility {
    person: String,
    staff: String,
    family: String,
    lawyer: String,
}

async fn facility(app: &TestApp) -> Facility {
    app.clock.set(tokyo_morning(2026, 1, 5));
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let family_party = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let lawyer_party = app.create_party(json!({"role": "lawyer", "display_name": "Counsel"})).await;
    for (party, relationship) in [(&family_party, "family"), (&lawyer_party, "lawyer")] {
        let body = json!({"party_id": party, "relationship": relationship});
        assert_eq!(app.post(&format!("/persons/{person}/links"), &staff, &body).await.status(), StatusCode::CREATED);
    }
    Facility { person, staff, family: app.token("family", &family_party), lawyer: app.token("lawyer", &lawyer_party) }
}

async fn create(app: &TestApp, f: &Facility, body: Value) -> Value {
    let response = app.post(&format!("/persons/{}/milestones", f.person), &f.staff, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    response.json().await.unwrap()
}

async fn event(app: &TestApp, f: &Facility, milestone: &str, body: Value) -> Value {
    let response = app.post(&format!("/milestones/{milestone}/events"), &f.staff, &body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body} → {answer}");
    answer["milestone"].clone()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn a_residents_whole_path_reads_back_as_one_timeline(app: TestApp) {
    let f = facility(&app).await;
    let bail = id_of(
        &create(&app, &f, json!({"kind": "bail", "requested_on": "2026-01-05", "hearing_on": "2026-01-20"})).await,
    );
    app.clock.set(tokyo_morning(2026, 1, 10));
    event(&app, &f, &bail, json!({"event": "grant", "on": "2026-01-10"})).await;
    app.clock.set(tokyo_morning(2026, 1, 12));
    event(&app, &f, &bail, json!({"event": "release", "on": "2026-01-12", "note": "collected by facility staff"}))
        .await;
    app.patch(&format!("/milestones/{bail}"), &f.staff, &json!({"judgment_on": "2026-03-20"})).await;
    let moved: Value = app
        .patch(&format!("/milestones/{bail}"), &f.staff, &json!({"judgment_on": "2026-03-10"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["judgment_on"], "2026-03-10");

    let smarpp =
        create(&app, &f, json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": "2026-01-12"})).await;
    assert_eq!(smarpp["sessions_planned"], 24);
    let smarpp = id_of(&smarpp);
    app.clock.set(tokyo_morning(2026, 1, 14));
    event(&app, &f, &smarpp, json!({"event": "enroll", "on": "2026-01-13"})).await;
    event(&app, &f, &smarpp, json!({"event": "start", "on": "2026-01-14"})).await;

    app.clock.set(tokyo_morning(2026, 2, 2));
    let lapse = app.post(&format!("/persons/{}/lapses", f.person), &f.staff, &json!({"on": "2026-02-01"})).await;
    assert_eq!(lapse.status(), StatusCode::CREATED);

    // A custodial sentence ends bail and starts custody by itself; the programme is interrupted.
    app.clock.set(tokyo_morning(2026, 3, 10));
    let lapsed = event(&app, &f, &bail, json!({"event": "lapse_by_sentence", "on": "2026-03-10"})).await;
    assert_eq!(lapsed["state"], "lapsed");
    let custody = get(&app, &f.staff, &format!("/persons/{}/custody", f.person)).await;
    assert_eq!(custody["items"][0]["cause"], "custodial_sentence");
    assert_eq!(custody["items"][0]["started_on"], "2026-03-10");
    assert_eq!(get(&app, &f.staff, &format!("/milestones/{smarpp}")).await["state"], "interrupted");

    app.clock.set(tokyo_morning(2026, 3, 11));
    let release =
        create(&app, &f, json!({"kind": "release", "scheduled_on": "2026-09-15", "release_type": "full_term"})).await;
    let release = id_of(&release);
    app.patch(&format!("/milestones/{release}"), &f.staff, &json!({"scheduled_on": "2026-09-10"})).await;

    app.clock.set(tokyo_morning(2026, 9, 10));
    event(&app, &f, &release, json!({"event": "release", "on": "2026-09-10"})).await;
    let milestones = get(&app, &f.staff, &format!("/persons/{}/milestones", f.person)).await;
    let window = milestones["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "employment_support_window")
        .unwrap()
        .clone();
    assert_eq!(window["state"], "pending");
    assert_eq!(window["opens_on"], "2026-09-11");
    assert_eq!(window["closes_on"], "2027-03-10");
    assert_eq!(window["source_milestone_id"], release.as_str());
    let custody = get(&app, &f.staff, &format!("/persons/{}/custody", f.person)).await;
    assert_eq!(custody["items"][0]["ended_on"], "2026-09-10");

    app.clock.set(tokyo_morning(2026, 9, 11));
    tsunagu::scheduler::tick(&app.state).await.unwrap();
    app.clock.set(tokyo_morning(2026, 9, 12));
    event(&app, &f, &smarpp, json!({"event": "resume", "on": "2026-09-12"})).await;
    app.clock.set(tokyo_morning(2027, 3, 11));
    tsunagu::scheduler::tick(&app.state).await.unwrap();
    assert_eq!(get(&app, &f.staff, &format!("/milestones/{}", id_of(&window))).await["state"], "expired");

    let timeline = get(&app, &f.staff, &format!("/persons/{}/timeline?limit=200", f.person)).await;
    let entries = timeline["items"].as_array().unwrap();
    let read: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["on"].as_str().unwrap(),
                e["kind"].as_str().unwrap_or("-"),
                e["event"].as_str().unwrap_or(e["entry"].as_str().unwrap())
            )
        })
        .collect();
    let expected = [
        "2026-01-05 bail create",
        "2026-01-10 bail grant",
        "2026-01-12 bail release",
        "2026-01-12 bail date_moved",
        "2026-01-12 bail date_moved",
        "2026-01-12 program_enrollment create",
        "2026-01-13 program_enrollment enroll",
        "2026-01-14 program_enrollment start",
        "2026-02-01 - lapse",
        "2026-03-10 bail lapse_by_sentence",
        "2026-03-10 - custody_started",
        "2026-03-10 program_enrollment interrupt",
        "2026-03-11 release create",
        "2026-03-11 release date_moved",
        "2026-09-10 - custody_ended",
        "2026-09-10 release release",
        "2026-09-10 employment_support_window create",
        "2026-09-11 employment_support_window open",
        "2026-09-12 program_enrollment resume",
        "2027-03-11 employment_support_window expire",
    ];
    assert_eq!(read, expected);
    assert_eq!(timeline["total"], expected.len());
    // Page by page, the same history.
    let mut paged = Vec::new();
    let mut path = format!("/persons/{}/timeline?limit=6", f.person);
    loop {
        let page = get(&app, &f.staff, &path).await;
        paged.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/persons/{}/timeline?limit=6&cursor={cursor}", f.person),
            None => break,
        }
    }
    assert_eq!(&paged, entries);
    let earlier = entries.iter().rfind(|e| e["entry"] == "date_moved").unwrap();
    assert_eq!((earlier["old_date"].as_str(), earlier["new_date"].as_str()), (Some("2026-09-15"), Some("2026-09-10")));
    let judgment_moves: Vec<&Value> = entries.iter().filter(|e| e["field"] == "judgment_on").collect();
    assert_eq!(judgment_moves[1]["old_date"], "2026-03-20");
    assert!(entries.iter().any(|e| e["note"] == "collected by facility staff"));
}

async fn an_illegal_step_is_refused_with_the_legal_ones_and_changes_nothing(app: TestApp) {
    let f = facility(&app).await;
    let bail = id_of(&create(&app, &f, json!({"kind": "bail", "requested_on": "2026-01-05"})).await);
    for illegal in ["release", "revoke", "fly"] {
        let response = app
            .post(&format!("/milestones/{bail}/events"), &f.staff, &json!({"event": illegal, "on": "2026-01-05"}))
            .await;
        let problem = assert_problem(response, StatusCode::CONFLICT).await;
        assert_eq!(problem["state"], "requested");
        assert_eq!(problem["accepted_events"], json!(["grant", "deny"]));
        assert!(problem["detail"].as_str().unwrap().contains("grant, deny"), "{problem}");
    }
    let unchanged = get(&app, &f.staff, &format!("/milestones/{bail}")).await;
    assert_eq!(unchanged["state"], "requested");
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["accepted_events"], json!(["grant", "deny"]));
    let history = get(&app, &f.staff, &format!("/milestones/{bail}/events")).await;
    assert_eq!(history["items"].as_array().unwrap().len(), 1, "only the creation");

    let future =
        app.post(&format!("/milestones/{bail}/events"), &f.staff, &json!({"event": "grant", "on": "2026-02-01"})).await;
    let problem = assert_problem(future, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), ["on"]);
    assert_eq!(get(&app, &f.staff, &format!("/milestones/{bail}")).await["version"], 1);
}

async fn stale_versions_are_refused(app: TestApp) {
    let f = facility(&app).await;
    let bail = id_of(&create(&app, &f, json!({"kind": "bail", "requested_on": "2026-01-05"})).await);
    let read = app.get(&format!("/milestones/{bail}"), &f.staff).await;
    assert_eq!(read.headers()["etag"], "\"1\"");
    let granted = app
        .client
        .post(app.url(&format!("/milestones/{bail}/events")))
        .bearer_auth(&f.staff)
        .header("If-Match", "\"1\"")
        .json(&json!({"event": "grant", "on": "2026-01-05"}))
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), StatusCode::CREATED);
    assert_eq!(granted.headers()["etag"], "\"2\"");
    let stale = app
        .client
        .post(app.url(&format!("/milestones/{bail}/events")))
        .bearer_auth(&f.staff)
        .header("If-Match", "\"1\"")
        .json(&json!({"event": "release", "on": "2026-01-05"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED).await;
    let stale_body = app
        .post(
            &format!("/milestones/{bail}/events"),
            &f.staff,
            &json!({"event": "release", "on": "2026-01-05", "version": 1}),
        )
        .await;
    assert_problem(stale_body, StatusCode::CONFLICT).await;
    let stale_patch =
        app.patch(&format!("/milestones/{bail}"), &f.staff, &json!({"judgment_on": "2026-04-01", "version": 1})).await;
    assert_problem(stale_patch, StatusCode::CONFLICT).await;
    let now = get(&app, &f.staff, &format!("/milestones/{bail}")).await;
    assert_eq!((now["state"].as_str(), now["version"].as_i64()), (Some("granted"), Some(2)));
    assert!(now.get("judgment_on").is_none());
}

async fn a_family_without_lapse_consent_never_sees_a_lapse(app: TestApp) {
    let f = facility(&app).await;
    create(&app, &f, json!({"kind": "bail", "requested_on": "2026-01-05"})).await;
    let smarpp = id_of(
        &create(&app, &f, json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": "2026-01-05"}))
            .await,
    );
    let lapse = app
        .post(
            &format!("/persons/{}/lapses", f.person),
            &f.staff,
            &json!({"on": "2026-01-04", "note": "talked it through"}),
        )
        .await;
    assert_eq!(lapse.status(), StatusCode::CREATED);

    let staff_timeline = get(&app, &f.staff, &format!("/persons/{}/timeline", f.person)).await;
    assert_eq!(staff_timeline["total"], 3, "two creations and the lapse");
    let family_timeline = get(&app, &f.family, &format!("/persons/{}/timeline", f.person)).await;
    assert_eq!(family_timeline["total"], 2);
    assert!(family_timeline["items"].as_array().unwrap().iter().all(|e| e["entry"] != "lapse"));
    assert!(!family_timeline.to_string().contains("talked it through"));
    assert_problem(app.get(&format!("/persons/{}/lapses", f.person), &f.family).await, StatusCode::NOT_FOUND).await;
    let family_milestones = get(&app, &f.family, &format!("/persons/{}/milestones", f.person)).await;
    assert_eq!(family_milestones["items"].as_array().unwrap().len(), 2);

    // A lawyer's default scope is bail and release: the programme is invisible to them.
    let lawyer_milestones = get(&app, &f.lawyer, &format!("/persons/{}/milestones", f.person)).await;
    let kinds: Vec<&str> =
        lawyer_milestones["items"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["bail"]);
    let missing: Value =
        app.get(&format!("/milestones/{}", uuid::Uuid::new_v4()), &f.lawyer).await.json().await.unwrap();
    for path in [format!("/milestones/{smarpp}"), format!("/milestones/{smarpp}/events")] {
        let hidden: Value = assert_problem(app.get(&path, &f.lawyer).await, StatusCode::NOT_FOUND).await;
        assert_eq!(hidden, missing);
    }
    assert_eq!(get(&app, &f.lawyer, &format!("/persons/{}/timeline", f.person)).await["total"], 1);
}

async fn the_window_opens_and_expires_with_no_request(app: TestApp) {
    let f = facility(&app).await;
    let release = id_of(
        &create(&app, &f, json!({"kind": "release", "scheduled_on": "2026-01-05", "release_type": "full_term"})).await,
    );
    event(&app, &f, &release, json!({"event": "release", "on": "2026-01-05"})).await;
    let window_state = || async {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        tsunagu::entity::milestone::Entity::find()
            .filter(tsunagu::entity::milestone::Column::Kind.eq("employment_support_window"))
            .one(&app.outside)
            .await
            .unwrap()
            .unwrap()
    };
    let window = window_state().await;
    assert_eq!(
        (window.state.as_str(), window.opens_on, window.closes_on),
        ("pending", Some(date(2026, 1, 6)), Some(date(2026, 7, 5)))
    );
    assert_eq!(tsunagu::scheduler::tick(&app.state).await.unwrap().window_steps, 0);
    app.clock.set(tokyo_morning(2026, 1, 6));
    assert_eq!(tsunagu::scheduler::tick(&app.state).await.unwrap().window_steps, 1);
    assert_eq!(window_state().await.state.as_str(), "open");
    app.clock.set(tokyo_morning(2026, 7, 5));
    assert_eq!(tsunagu::scheduler::tick(&app.state).await.unwrap().window_steps, 0, "open on its last day");
    app.clock.set(tokyo_morning(2026, 7, 6));
    assert_eq!(tsunagu::scheduler::tick(&app.state).await.unwrap().window_steps, 1);
    let expired = window_state().await;
    assert_eq!((expired.state.as_str(), expired.version), ("expired", 3));
    let history = get(&app, &f.staff, &format!("/milestones/{}/events", expired.id)).await;
    let steps: Vec<(&str, &str, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["on"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(steps[1..], [("open", "2026-01-06", "tsunagu"), ("expire", "2026-07-06", "tsunagu")]);
}

async fn milestones_are_checked_before_they_are_stored(app: TestApp) {
    let f = facility(&app).await;
    let path = format!("/persons/{}/milestones", f.person);
    for body in [
        json!({"kind": "parole_board", "requested_on": "2026-01-05"}),
        json!({"kind": "employment_support_window", "opens_on": "2026-01-05"}),
        json!({"kind": "bail"}),
        json!({"kind": "bail", "requested_on": "2026-02-01"}),
        json!({"kind": "bail", "requested_on": "2026-01-05", "judgment_on": "2026-01-01"}),
        json!({"kind": "program_enrollment", "program": "yoga", "referred_on": "2026-01-05"}),
        json!({"kind": "release", "scheduled_on": "2026-05-01", "release_type": "parole", "supervision_ends_on": "2026-04-01"}),
    ] {
        assert_problem(app.post(&path, &f.staff, &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_problem(
        app.post(&path, &f.family, &json!({"kind": "bail", "requested_on": "2026-01-05"})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(app.count("milestones").await, 0);
    assert_eq!(app.count("milestone_events").await, 0);
}

async fn custody_interrupts_programmes_and_keeps_links(app: TestApp) {
    let f = facility(&app).await;
    let smarpp = id_of(
        &create(&app, &f, json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": "2026-01-01"}))
            .await,
    );
    event(&app, &f, &smarpp, json!({"event": "enroll", "on": "2026-01-02"})).await;
    event(&app, &f, &smarpp, json!({"event": "start", "on": "2026-01-03"})).await;
    let custody = format!("/persons/{}/custody", f.person);
    assert_problem(
        app.post(&custody, &f.staff, &json!({"event": "end", "on": "2026-01-04"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let started =
        app.post(&custody, &f.staff, &json!({"event": "start", "on": "2026-01-04", "reason": "new arrest"})).await;
    assert_eq!(started.status(), StatusCode::CREATED);
    assert_problem(
        app.post(&custody, &f.staff, &json!({"event": "start", "on": "2026-01-05"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    let programme = get(&app, &f.staff, &format!("/milestones/{smarpp}")).await;
    assert_eq!(programme["state"], "interrupted");
    assert_eq!(programme["accepted_events"], json!(["resume"]));
    let links = get(&app, &f.staff, &format!("/persons/{}/links", f.person)).await;
    assert!(links["items"].as_array().unwrap().iter().all(|link| link["active"] == true));
    assert_eq!(app.get(&format!("/persons/{}", f.person), &f.family).await.status(), StatusCode::OK);

    let refused = app.post(&custody, &f.staff, &json!({"event": "end", "on": "2026-01-03"})).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let ended = app.post(&custody, &f.staff, &json!({"event": "end", "on": "2026-01-05"})).await;
    assert_eq!(ended.json::<Value>().await.unwrap()["ended_on"], "2026-01-05");
    assert_eq!(event(&app, &f, &smarpp, json!({"event": "resume", "on": "2026-01-05"})).await["state"], "active");
}

async fn a_lapse_closes_nothing(app: TestApp) {
    let f = facility(&app).await;
    let smarpp = id_of(
        &create(&app, &f, json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": "2026-01-01"}))
            .await,
    );
    event(&app, &f, &smarpp, json!({"event": "enroll", "on": "2026-01-02"})).await;
    event(&app, &f, &smarpp, json!({"event": "start", "on": "2026-01-03"})).await;
    let before = get(&app, &f.staff, &format!("/persons/{}/milestones", f.person)).await;
    let lapse = app.post(&format!("/persons/{}/lapses", f.person), &f.staff, &json!({"on": "2026-01-04"})).await;
    assert_eq!(lapse.status(), StatusCode::CREATED);
    let after = get(&app, &f.staff, &format!("/persons/{}/milestones", f.person)).await;
    assert_eq!(before, after, "no milestone changed");
    let lapses = get(&app, &f.staff, &format!("/persons/{}/lapses", f.person)).await;
    assert_eq!(lapses["items"][0]["on"], "2026-01-04");
    let future = app.post(&format!("/persons/{}/lapses", f.person), &f.staff, &json!({"on": "2026-02-01"})).await;
    assert_problem(future, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_problem(
        app.post(&format!("/persons/{}/lapses", f.person), &f.family, &json!({"on": "2026-01-04"})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

async fn the_state_machines_are_published_as_the_service_runs_them(app: TestApp) {
    let machines = get(&app, &app.admin(), "/milestone-kinds").await;
    let bail = machines["items"].as_array().unwrap().iter().find(|m| m["kind"] == "bail").unwrap().clone();
    assert_eq!(bail["initial"], "requested");
    assert_eq!(bail["final_states"], json!(["denied", "ended", "revoked", "lapsed"]));
    // Every published transition out of `requested` is what a refusal there offers.
    let f = facility(&app).await;
    let milestone = id_of(&create(&app, &f, json!({"kind": "bail", "requested_on": "2026-01-05"})).await);
    let published: Vec<&str> = bail["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["from"] == "requested")
        .map(|t| t["event"].as_str().unwrap())
        .collect();
    let refused = app
        .post(&format!("/milestones/{milestone}/events"), &f.staff, &json!({"event": "end", "on": "2026-01-05"}))
        .await;
    let problem = assert_problem(refused, StatusCode::CONFLICT).await;
    assert_eq!(problem["accepted_events"], json!(published));
}
