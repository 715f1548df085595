//! What an attack on a running instance found: one person's data must never stop everyone's
//! alerts, consent ends where the person says, and the doors found ajar are shut.

use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tsunagu::{
    domain::milestones::{Milestone, ReleaseType},
    scheduler::tick,
    store,
};

use crate::{
    cases,
    helpers::{assert_problem, id_of, spawn_app_configured, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_poison_date_or_a_corrupt_person_never_stops_anyone_elses_alerts,
    a_heavy_person_is_planned_and_everyone_else_still_hears,
    healthz_says_when_the_scheduler_has_stopped_ticking,
    the_inbox_ends_with_the_consent,
    an_organisations_webhook_carries_only_its_own_residents,
    a_custody_note_stays_within_the_consent_that_covers_custody,
    consent_the_person_narrowed_is_widened_only_on_the_basis_of_their_new_consent,
    a_disabled_party_is_refused_at_once_and_enabled_again,
    display_names_refuse_bidirectional_overrides_and_invisible_names,
    a_body_is_not_read_before_its_token_is_verified,
    a_body_that_does_not_arrive_in_time_is_answered_408,
];

struct Facility {
    staff_party: String,
    staff: String,
}

async fn facility(app: &TestApp) -> Facility {
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    Facility { staff: app.token("staff", &staff_party), staff_party }
}

/// A resident with a family member linked; returns (person, family party, family token).
async fn resident(app: &TestApp, f: &Facility, name: &str) -> (String, String, String) {
    let person = id_of(&app.post("/persons", &f.staff, &json!({"display_name": name})).await.json().await.unwrap());
    let family_party = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let link = json!({"party_id": family_party, "relationship": "family"});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &f.staff, &link).await.status(), StatusCode::CREATED);
    let family = app.token("family", &family_party);
    (person, family_party, family)
}

async fn released_today(app: &TestApp, f: &Facility, person: &str) -> String {
    let today = app.today().to_string();
    let body = json!({"kind": "release", "scheduled_on": today, "release_type": "full_term"});
    let release =
        id_of(&app.post(&format!("/persons/{person}/milestones"), &f.staff, &body).await.json().await.unwrap());
    let event = json!({"event": "release", "on": today});
    assert_eq!(
        app.post(&format!("/milestones/{release}/events"), &f.staff, &event).await.status(),
        StatusCode::CREATED
    );
    release
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let page: Value = app.get("/me/alerts", token).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn a_poison_date_or_a_corrupt_person_never_stops_anyone_elses_alerts(app: TestApp) {
    let f = facility(&app).await;
    let (poisoned, _, _) = resident(&app, &f, "Poisoned").await;
    let (corrupt, _, _) = resident(&app, &f, "Corrupt").await;
    let (ordinary, _, family) = resident(&app, &f, "Ordinary").await;
    // Stored before the calendar range was checked: the last date chrono knows.
    let far = NaiveDate::from_ymd_opt(262_142, 12, 25).unwrap();
    let person_id = poisoned.parse().unwrap();
    let release = Milestone::release(far, Some(ReleaseType::FullTerm));
    store::milestones::insert(&app.state.db, person_id, &release, None, app.now()).await.unwrap();
    store::planning::request(&app.state.db, person_id, app.now()).await.unwrap();
    // A hand edit gone wrong: a zone that does not exist.
    tsunagu::entity::person::Entity::update_many()
        .col_expr(tsunagu::entity::person::Column::Timezone, sea_orm::sea_query::Expr::value("Mars/Olympus"))
        .filter(tsunagu::entity::person::Column::Id.eq(corrupt.parse::<uuid::Uuid>().unwrap()))
        .exec(&app.outside)
        .await
        .unwrap();
    store::planning::request(&app.state.db, corrupt.parse().unwrap(), app.now()).await.unwrap();

    released_today(&app, &f, &ordinary).await;
    tick(&app.state).await.expect("the tick goes on");
    assert!(!inbox(&app, &family).await.is_empty(), "the ordinary resident's family is alerted");

    let periods = app.get(&format!("/persons/{poisoned}/risk-periods"), &app.admin()).await;
    assert_eq!(periods.status(), StatusCode::OK, "the poisoned person's page answers");
    let failures: Value = app.get("/planning/failures", &app.admin()).await.json().await.unwrap();
    let set_aside: Vec<&str> =
        failures["items"].as_array().unwrap().iter().filter_map(|f| f["person_id"].as_str()).collect();
    assert_eq!(set_aside, [corrupt.as_str()], "the corrupt person is set aside with its error: {failures}");
    assert!(failures["items"][0]["failure"].as_str().unwrap().contains("time zone"));
    assert_problem(app.get("/planning/failures", &f.staff).await, StatusCode::FORBIDDEN).await;
    tick(&app.state).await.expect("and the next tick too");
}

async fn a_heavy_person_is_planned_and_everyone_else_still_hears(app: TestApp) {
    let f = facility(&app).await;
    let (heavy, _, _) = resident(&app, &f, "Heavy").await;
    for n in 0..14 {
        let party = app.create_party(json!({"role": "family", "display_name": format!("Relative {n}")})).await;
        let link = json!({"party_id": party, "relationship": "family"});
        assert_eq!(app.post(&format!("/persons/{heavy}/links"), &f.staff, &link).await.status(), StatusCode::CREATED);
    }
    for n in 0..30 {
        let on = (app.today() + chrono::Duration::days(n)).to_string();
        let body = json!({"kind": "release", "scheduled_on": on, "release_type": "parole", "supervision_ends_on": "2027-01-01"});
        assert_eq!(
            app.post(&format!("/persons/{heavy}/milestones"), &f.staff, &body).await.status(),
            StatusCode::CREATED
        );
    }
    let (ordinary, _, family) = resident(&app, &f, "Ordinary").await;
    released_today(&app, &f, &ordinary).await;
    tick(&app.state).await.expect("a heavy person's planning fits the database's limits");
    assert!(!inbox(&app, &family).await.is_empty());
    let planned = app.count("alerts").await;
    assert!(planned > 1_500, "15 recipients × 30 releases × their periods and lead times: {planned}");
}

async fn healthz_says_when_the_scheduler_has_stopped_ticking(app: TestApp) {
    let health = || async { app.client.get(format!("{}/healthz", app.address)).send().await.unwrap() };
    assert_eq!(health().await.status(), StatusCode::OK);
    // Three intervals of 30 s without a completed tick.
    app.clock.advance(chrono::Duration::seconds(91));
    let stale = health().await;
    assert_eq!(stale.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(stale.text().await.unwrap().contains("scheduler"));
    tick(&app.state).await.unwrap();
    let fresh = health().await;
    assert_eq!(fresh.status(), StatusCode::OK);
    let body: Value = fresh.json().await.unwrap();
    assert!(body["scheduler"]["last_tick_at"].is_string(), "{body}");
}

async fn the_inbox_ends_with_the_consent(app: TestApp) {
    let f = facility(&app).await;
    let (person, family_party, family) = resident(&app, &f, "Taro").await;
    released_today(&app, &f, &person).await;
    tick(&app.state).await.unwrap();
    let alerts = inbox(&app, &family).await;
    assert!(!alerts.is_empty());
    let alert = alerts[0]["id"].as_str().unwrap().to_owned();
    // Narrowed to a kind the alerts are not about: they are gone from the inbox.
    let links: Value = app.get(&format!("/persons/{person}/links"), &f.staff).await.json().await.unwrap();
    let link = links["items"].as_array().unwrap().iter().find(|l| l["party_id"] == family_party.as_str()).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let narrowed = app.patch(&format!("/links/{link}"), &f.staff, &json!({"scope": ["bail"]})).await;
    assert_eq!(narrowed.status(), StatusCode::OK);
    assert!(inbox(&app, &family).await.is_empty(), "no alert about a kind no longer consented");
    assert_problem(app.post(&format!("/alerts/{alert}/ack"), &family, &json!({})).await, StatusCode::NOT_FOUND).await;
    // Revoked: nothing at all.
    assert_eq!(app.delete(&format!("/links/{link}"), &f.staff).await.status(), StatusCode::NO_CONTENT);
    assert!(inbox(&app, &family).await.is_empty());
    assert_problem(app.post(&format!("/alerts/{alert}/ack"), &family, &json!({})).await, StatusCode::NOT_FOUND).await;
}

async fn an_organisations_webhook_carries_only_its_own_residents(app: TestApp) {
    let f = facility(&app).await;
    let (person, _, _) = resident(&app, &f, "Taro").await;
    let other_org = app.create_organization("rehab_facility").await;
    let other_staff =
        app.create_party(json!({"role": "staff", "display_name": "Kato", "organization_id": other_org})).await;
    let link = json!({"party_id": other_staff, "relationship": "supporter", "scope": ["program_enrollment", "lapse"]});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &f.staff, &link).await.status(), StatusCode::CREATED);
    let hook = json!({"url": "http://127.0.0.1:9/hook", "organization_id": other_org});
    assert_eq!(app.post("/webhooks", &app.admin(), &hook).await.status(), StatusCode::CREATED);
    let lapse = json!({"on": app.today().to_string()});
    assert_eq!(app.post(&format!("/persons/{person}/lapses"), &f.staff, &lapse).await.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    let personal = inbox(&app, &app.token("staff", &other_staff)).await;
    assert!(personal.iter().any(|a| a["rule"] == "after_lapse"), "the member's own link is alerted");
    assert_eq!(app.count("outbox_messages").await, 0, "the other organisation's systems hear nothing of it");
}

async fn a_custody_note_stays_within_the_consent_that_covers_custody(app: TestApp) {
    let f = facility(&app).await;
    let (person, _, _) = resident(&app, &f, "Taro").await;
    let supporter = app.create_party(json!({"role": "family", "display_name": "Mentor"})).await;
    let link = json!({"party_id": supporter, "relationship": "supporter", "scope": ["program_enrollment"]});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &f.staff, &link).await.status(), StatusCode::CREATED);
    let today = app.today().to_string();
    let body = json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": today});
    let programme =
        id_of(&app.post(&format!("/persons/{person}/milestones"), &f.staff, &body).await.json().await.unwrap());
    for event in ["enroll", "start"] {
        let step = json!({"event": event, "on": today});
        assert_eq!(
            app.post(&format!("/milestones/{programme}/events"), &f.staff, &step).await.status(),
            StatusCode::CREATED
        );
    }
    let custody = json!({"event": "start", "on": today, "reason": "new arrest"});
    assert_eq!(app.post(&format!("/persons/{person}/custody"), &f.staff, &custody).await.status(), StatusCode::CREATED);
    let note_of = |history: Value| {
        history["items"].as_array().unwrap().iter().find(|e| e["event"] == "interrupt").unwrap().get("note").cloned()
    };
    let staff_view: Value = app.get(&format!("/milestones/{programme}/events"), &f.staff).await.json().await.unwrap();
    assert_eq!(note_of(staff_view), Some(json!("custody")));
    let supporter_token = app.token("family", &supporter);
    let seen: Value = app.get(&format!("/milestones/{programme}/events"), &supporter_token).await.json().await.unwrap();
    assert_eq!(note_of(seen), None, "custody is outside the supporter's consent");
    let timeline: Value = app.get(&format!("/persons/{person}/timeline"), &supporter_token).await.json().await.unwrap();
    assert!(!timeline.to_string().contains("custody"), "{timeline}");
}

async fn consent_the_person_narrowed_is_widened_only_on_the_basis_of_their_new_consent(app: TestApp) {
    let f = facility(&app).await;
    let (person, family_party, _) = resident(&app, &f, "Taro").await;
    let me = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": person})).await;
    let me = app.token("person", &me);
    let links: Value = app.get(&format!("/persons/{person}/links"), &f.staff).await.json().await.unwrap();
    let link = links["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(app.patch(&format!("/links/{link}"), &me, &json!({"scope": []})).await.status(), StatusCode::OK);
    let widen = json!({"scope": ["release", "lapse"]});
    assert_problem(app.patch(&format!("/links/{link}"), &f.staff, &widen).await, StatusCode::FORBIDDEN).await;
    let current: Value = app.get(&format!("/links/{link}"), &f.staff).await.json().await.unwrap();
    assert_eq!(current["scope"], json!([]), "nothing stored");
    let basis = json!({"kind": "written", "reference": "Form 12-3", "on": app.today().to_string()});
    let widened = app.patch(&format!("/links/{link}"), &f.staff, &json!({"scope": ["release"], "basis": basis})).await;
    assert_eq!(widened.status(), StatusCode::OK);
    let history: Value = app.get(&format!("/links/{link}/consents"), &f.staff).await.json().await.unwrap();
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["basis"].as_str(), last["basis_reference"].as_str()), (Some("written"), Some("Form 12-3")));

    // Revoked by the person: a new link needs the basis too.
    assert_eq!(app.delete(&format!("/links/{link}"), &me).await.status(), StatusCode::NO_CONTENT);
    let relink = json!({"party_id": family_party, "relationship": "family", "scope": ["release", "lapse"]});
    let links_before = app.count("links").await;
    assert_problem(app.post(&format!("/persons/{person}/links"), &f.staff, &relink).await, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("links").await, links_before);
    let mut with_basis = relink.clone();
    with_basis["basis"] =
        json!({"kind": "in_person", "reference": "Told Sato at the house", "on": app.today().to_string()});
    assert_eq!(
        app.post(&format!("/persons/{person}/links"), &f.staff, &with_basis).await.status(),
        StatusCode::CREATED
    );
}

async fn a_disabled_party_is_refused_at_once_and_enabled_again(app: TestApp) {
    let f = facility(&app).await;
    assert_eq!(app.get("/me", &f.staff).await.status(), StatusCode::OK);
    let disable = app.patch(&format!("/parties/{}", f.staff_party), &app.admin(), &json!({"disabled": true})).await;
    assert_eq!(disable.status(), StatusCode::OK);
    assert!(disable.json::<Value>().await.unwrap()["disabled_at"].is_string());
    assert_problem(app.get("/me", &f.staff).await, StatusCode::UNAUTHORIZED).await;
    assert_problem(app.post("/persons", &f.staff, &json!({"display_name": "X"})).await, StatusCode::UNAUTHORIZED).await;
    let enable = app.patch(&format!("/parties/{}", f.staff_party), &app.admin(), &json!({"disabled": false})).await;
    assert_eq!(enable.status(), StatusCode::OK);
    assert_eq!(app.get("/me", &f.staff).await.status(), StatusCode::OK);
    let audit = tsunagu::entity::audit_event::Entity::find().all(&app.outside).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|entry| entry.action.as_str()).collect();
    assert!(actions.contains(&"party.disable") && actions.contains(&"party.enable"), "{actions:?}");
}

async fn display_names_refuse_bidirectional_overrides_and_invisible_names(app: TestApp) {
    for name in ["Taro\u{202E}gpj.exe", "\u{200B}\u{200B}", "\u{3164}", "\u{2066}Taro\u{2069}"] {
        let response = app.post("/persons", &app.admin(), &json!({"display_name": name})).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    assert_eq!(app.count("persons").await, 0);
}

async fn raw_request(app: &TestApp, head: &str, body: &[u8]) -> String {
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("answered without the rest of the body")
        .unwrap();
    String::from_utf8_lossy(&answer[..read]).into_owned()
}

async fn a_body_is_not_read_before_its_token_is_verified(app: TestApp) {
    // A megabyte announced and never sent, with no token: answered at once.
    let head =
        "POST /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n";
    assert!(raw_request(&app, head, b"{").await.starts_with("HTTP/1.1 401"));
    let head =
        "POST /api/v1/persons HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer forged\r\nContent-Length: 1000000\r\n\r\n";
    assert!(raw_request(&app, head, b"{").await.starts_with("HTTP/1.1 401"));
}

async fn a_body_that_does_not_arrive_in_time_is_answered_408(app: TestApp) {
    let slow =
        spawn_app_configured(&app.database_url, |config| config.read_timeout = std::time::Duration::from_secs(1)).await;
    let head = format!(
        "POST /api/v1/persons HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
        slow.admin()
    );
    let answer = raw_request(&slow, &head, b"{\"display_name\"").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(slow.count("persons").await, 0);
}
