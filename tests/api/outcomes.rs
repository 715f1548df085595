//! Outcome figures from a simulated year whose outcomes are known by construction: forty
//! persons at one facility, three at another; small cells held back and impossible to work out
//! from any total or series; another facility's staff get 404; the CSV says what the JSON says.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![a_simulated_year_is_counted_exactly_and_gives_no_one_away];

fn tokyo(m: u32, d: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo.with_ymd_and_hms(2026, m, d, 9, 0, 0).unwrap().with_timezone(&Utc)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let response = app.post(path, token, &body).await;
    assert!(response.status().is_success(), "{path} {body}: {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

async fn event(app: &TestApp, staff: &str, milestone: &str, name: &str, on: &str) {
    post(app, staff, &format!("/milestones/{milestone}/events"), json!({"event": name, "on": on})).await;
}

async fn programme(app: &TestApp, staff: &str, person: &str) -> String {
    let body = json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": "2026-01-20"});
    let created = post(app, staff, &format!("/persons/{person}/milestones"), body).await;
    let id = id_of(&created);
    event(app, staff, &id, "enroll", "2026-02-01").await;
    event(app, staff, &id, "start", "2026-02-02").await;
    id
}

/// `(count, suppressed)` of a measure in a report.
fn measure(report: &Value, name: &str) -> (Option<i64>, bool) {
    let figure = &report["measures"][name];
    (figure["count"].as_i64(), figure["suppressed"].as_bool().unwrap())
}

fn month(report: &Value, name: &str, month: &str) -> (Option<i64>, bool) {
    let series = report["series"][name].as_array().unwrap();
    let figure = series.iter().find(|figure| figure["month"] == month).unwrap();
    (figure["count"].as_i64(), figure["suppressed"].as_bool().unwrap())
}

/// No held-back figure can be worked out from a published total and the published parts.
fn assert_nothing_recoverable(total: (Option<i64>, bool), parts: &[(Option<i64>, bool)], what: &str) {
    let hidden = parts.iter().filter(|part| part.1).count() as i64;
    match total.0 {
        Some(total) if hidden > 0 => {
            let rest = total - parts.iter().filter_map(|part| part.0).sum::<i64>();
            assert!(hidden >= 2 && rest > hidden, "{what}: {hidden} held back adding up to {rest} can be worked out");
        }
        None if total.1 => {
            let all_published = parts.iter().all(|part| !part.1);
            let sum: i64 = parts.iter().filter_map(|part| part.0).sum();
            assert!(!all_published || sum == 0, "{what}: the held-back total is the sum of its published parts");
        }
        _ => {}
    }
}

/// Every series of a report against its total.
fn assert_series_give_nothing_away(report: &Value) {
    for (name, series) in report["series"].as_object().unwrap() {
        let parts: Vec<(Option<i64>, bool)> = series
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["count"].as_i64(), f["suppressed"].as_bool().unwrap()))
            .collect();
        assert_nothing_recoverable(measure(report, name), &parts, name);
    }
}

async fn a_simulated_year_is_counted_exactly_and_gives_no_one_away(app: TestApp) {
    app.clock.set(tokyo(1, 5));
    let a = app.create_organization("rehab_facility").await;
    let b = app.create_organization("rehab_facility").await;
    let staff_a = app
        .token("staff", &app.create_party(json!({"role": "staff", "display_name": "A", "organization_id": a})).await);
    let staff_b = app
        .token("staff", &app.create_party(json!({"role": "staff", "display_name": "B", "organization_id": b})).await);
    let mut persons = Vec::new();
    for n in 0..40 {
        persons.push(id_of(&post(&app, &staff_a, "/persons", json!({"display_name": format!("A{n}")})).await));
    }
    for n in 0..3 {
        post(&app, &staff_b, "/persons", json!({"display_name": format!("B{n}")})).await;
    }
    // Family links for 30..35; the link of 35 is revoked before its custody ends.
    let mut links = HashMap::new();
    for (n, person) in persons.iter().enumerate().take(36).skip(30) {
        let family = app.create_party(json!({"role": "family", "display_name": format!("F{n}")})).await;
        let link = post(
            &app,
            &staff_a,
            &format!("/persons/{person}/links"),
            json!({"party_id": family, "relationship": "family"}),
        )
        .await;
        links.insert(n, id_of(&link));
    }

    // April: ten full-term releases (20..29); the critical weeks after them alert the team.
    app.clock.set(tokyo(4, 10));
    for person in &persons[20..30] {
        let body = json!({"kind": "release", "scheduled_on": "2026-04-10", "release_type": "full_term"});
        let release = id_of(&post(&app, &staff_a, &format!("/persons/{person}/milestones"), body).await);
        event(&app, &staff_a, &release, "release", "2026-04-10").await;
    }
    tick(&app.state).await.unwrap();
    let inbox: Value = app
        .get(&format!("/organizations/{a}/alerts?severity=critical&limit=200"), &staff_a)
        .await
        .json()
        .await
        .unwrap();
    let critical = inbox["items"].as_array().unwrap().clone();
    let by_person = |n: usize| {
        critical.iter().filter(|alert| alert["person_id"] == persons[n].as_str()).cloned().collect::<Vec<_>>()
    };
    assert!(!critical.is_empty() && (20..30).all(|n| !by_person(n).is_empty()), "every release alerts the team");
    // The team acknowledges the alerts of 20..26 at once (within 48 hours), not the others.
    let mut acknowledged = 0;
    for n in 20..27 {
        for alert in by_person(n) {
            post(&app, &staff_a, &format!("/alerts/{}/ack", id_of(&alert)), json!({})).await;
            acknowledged += 1;
        }
    }
    // Lapses for 20..27 on 15 April; contacts for 20..24 on 20 April, inside the critical
    // weeks and within 14 days of the lapse.
    app.clock.set(tokyo(4, 15));
    for person in &persons[20..28] {
        post(&app, &staff_a, &format!("/persons/{person}/lapses"), json!({"on": "2026-04-15"})).await;
    }
    app.clock.set(tokyo(4, 20));
    for n in 20..25 {
        let alert = id_of(&by_person(n)[0]);
        post(&app, &staff_a, &format!("/alerts/{alert}/contacts"), json!({"outcome": "reached"})).await;
    }
    // May: six of the ten windows are used; the other four expire unused in October.
    app.clock.set(tokyo(5, 15));
    for person in &persons[20..26] {
        let milestones: Value = app.get(&format!("/persons/{person}/milestones"), &staff_a).await.json().await.unwrap();
        let window = milestones["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == "employment_support_window")
            .cloned()
            .unwrap();
        event(&app, &staff_a, &id_of(&window), "use", "2026-05-15").await;
    }
    // June: custody for 30..35, ended on the 20th; 35's link was revoked on the 10th.
    app.clock.set(tokyo(6, 1));
    for person in &persons[30..36] {
        post(&app, &staff_a, &format!("/persons/{person}/custody"), json!({"event": "start", "on": "2026-06-01"}))
            .await;
    }
    app.clock.set(tokyo(6, 10));
    assert_eq!(app.delete(&format!("/links/{}", links[&35]), &staff_a).await.status(), StatusCode::NO_CONTENT);
    app.clock.set(tokyo(6, 20));
    for person in &persons[30..36] {
        post(&app, &staff_a, &format!("/persons/{person}/custody"), json!({"event": "end", "on": "2026-06-20"})).await;
    }
    // Programmes: 0..12 complete (six in March, six in September); 12..20 drop out in June,
    // and 12..15 enrol again in August.
    app.clock.set(tokyo(12, 28));
    for (n, person) in persons.iter().enumerate().take(20) {
        let id = programme(&app, &staff_a, person).await;
        match n {
            0..=5 => event(&app, &staff_a, &id, "complete", "2026-03-20").await,
            6..=11 => event(&app, &staff_a, &id, "complete", "2026-09-20").await,
            _ => {
                event(&app, &staff_a, &id, "drop_out", "2026-06-15").await;
                if n < 15 {
                    event(&app, &staff_a, &id, "re_enroll", "2026-08-03").await;
                }
            }
        }
    }
    tick(&app.state).await.unwrap();

    let range = "from=2026-01-01&to=2026-12-31";
    let report: Value = app.get(&format!("/organizations/{a}/outcomes?{range}"), &staff_a).await.json().await.unwrap();
    let expected = [
        ("persons_supported", Some(40), false),
        ("programmes_completed", Some(12), false),
        ("programmes_dropped_out", Some(8), false),
        ("programmes_re_enrolled", None, true),
        ("windows_used", Some(6), false),
        ("windows_expired_unused", None, true),
        ("critical_alerts", Some(critical.len() as i64), false),
        ("critical_alerts_acknowledged_within_48h", Some(acknowledged), false),
        ("median_hours_to_acknowledge", Some(0), false),
        ("contacts_logged_in_critical_periods", Some(5), false),
        ("links_kept_through_custody", Some(5), false),
        ("lapses_followed_by_contact_within_14_days", Some(5), false),
    ];
    for (name, count, suppressed) in expected {
        assert_eq!(measure(&report, name), (count, suppressed), "{name}: {}", report["measures"][name]);
    }
    assert_eq!(month(&report, "programmes_completed", "2026-03"), (Some(6), false));
    assert_eq!(month(&report, "programmes_completed", "2026-09"), (Some(6), false));
    assert_eq!(month(&report, "programmes_dropped_out", "2026-06"), (Some(8), false));
    assert_eq!(month(&report, "programmes_re_enrolled", "2026-08"), (None, true));
    assert_eq!(month(&report, "windows_used", "2026-05"), (Some(6), false));
    assert_eq!(month(&report, "persons_supported", "2026-07"), (Some(40), false));
    assert_eq!(month(&report, "persons_supported", "2026-12"), (Some(40), false));
    // No published total and series give a held-back month away.
    assert_series_give_nothing_away(&report);
    // Nothing about one person: no id, no name.
    let text = report.to_string();
    assert!(persons.iter().all(|id| !text.contains(id.as_str())) && !text.contains("A1"));

    // The CSV says what the JSON says.
    let csv = app
        .client
        .get(app.url(&format!("/organizations/{a}/outcomes?{range}")))
        .bearer_auth(&staff_a)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    let mut from_csv: BTreeMap<(String, String), (Option<i64>, bool)> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        from_csv.insert((cells[1].to_owned(), cells[2].to_owned()), (cells[3].parse().ok(), cells[4] == "true"));
    }
    for name in report["measures"].as_object().unwrap().keys() {
        assert_eq!(from_csv[&(name.clone(), String::new())], measure(&report, name), "{name}");
    }
    for (name, series) in report["series"].as_object().unwrap() {
        for figure in series.as_array().unwrap() {
            let key = (name.clone(), figure["month"].as_str().unwrap().to_owned());
            assert_eq!(from_csv[&key], (figure["count"].as_i64(), figure["suppressed"].as_bool().unwrap()));
        }
    }

    // A range backwards or over three years is a bad parameter.
    let backwards = app.get(&format!("/organizations/{a}/outcomes?from=2026-12-31&to=2026-01-01"), &staff_a).await;
    assert_problem(backwards, StatusCode::BAD_REQUEST).await;
    let long = app.get("/outcomes?from=2020-01-01&to=2026-12-31", &app.admin()).await;
    assert_problem(long, StatusCode::BAD_REQUEST).await;
    // Another facility's staff get 404; the prefecture is for admins.
    assert_problem(app.get(&format!("/organizations/{a}/outcomes?{range}"), &staff_b).await, StatusCode::NOT_FOUND)
        .await;
    assert_problem(app.get(&format!("/outcomes?{range}"), &staff_a).await, StatusCode::FORBIDDEN).await;

    // The prefecture: facility B's three persons are held back, and so is every figure from
    // which they could be worked out.
    let prefecture: Value = app.get(&format!("/outcomes?{range}"), &app.admin()).await.json().await.unwrap();
    let facility = |id: &str| {
        prefecture["facilities"].as_array().unwrap().iter().find(|f| f["organization_id"] == id).cloned().unwrap()
    };
    assert_eq!(measure(&facility(&b), "persons_supported"), (None, true));
    assert_eq!(measure(&facility(&a), "persons_supported"), (Some(40), false));
    assert_eq!(measure(&prefecture, "persons_supported"), (None, true), "43 less A's 40 would give B away");
    for (name, _) in report["measures"].as_object().unwrap() {
        if name != "median_hours_to_acknowledge" {
            let facilities = prefecture["facilities"].as_array().unwrap();
            let parts: Vec<(Option<i64>, bool)> = facilities.iter().map(|f| measure(f, name)).collect();
            assert_nothing_recoverable(measure(&prefecture, name), &parts, name);
        }
        assert_eq!(measure(&facility(&a), name), measure(&report, name), "a facility's figures match its own report");
    }
    assert_series_give_nothing_away(&prefecture);
}
