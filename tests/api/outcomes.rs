//! Outcome figures from a simulated year whose outcomes are known by construction: forty
//! persons at one facility, three at another; small cells held back and impossible to work out
//! from any total or series, nor from two answers about overlapping periods; only whole months,
//! fiscal quarters and fiscal years can be asked for; another facility's staff get 404; the CSV
//! says what the JSON says.

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

async fn answer(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

/// Every count measure's figure in a report, by name.
fn counts(report: &Value) -> Vec<String> {
    report["series"].as_object().unwrap().keys().cloned().collect()
}

async fn programme(app: &TestApp, staff: &str, person: &str) -> String {
    let body = json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": "2026-01-20"});
    let created = post(app, staff, &format!("/persons/{person}/milestones"), body).await;
    let id = id_of(&created);
    event(app, staff, &id, "enroll", "2026-02-01").await;
    event(app, staff, &id, "start", "2026-02-02").await;
    id
}

async fn report_of_period(app: &TestApp, token: &str, organization: &str, period: &str) -> Value {
    answer(app, token, &format!("/organizations/{organization}/outcomes?period={period}")).await
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
    // Programmes: 0..12 complete (six in March, in the last fiscal year, and six in
    // September); 36 and 37 complete in August; 12..20 drop out in June, and 12..15 enrol again
    // in August.
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
    for person in &persons[36..38] {
        let id = programme(&app, &staff_a, person).await;
        event(&app, &staff_a, &id, "complete", "2026-08-10").await;
    }
    tick(&app.state).await.unwrap();

    let range = "period=FY2026";
    let report = report_of_period(&app, &staff_a, &a, "FY2026").await;
    let expected = [
        ("persons_supported", Some(40), false),
        ("programmes_completed", Some(8), false),
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
    assert_eq!((report["from"].as_str(), report["to"].as_str()), (Some("2026-04-01"), Some("2027-03-31")));
    assert_eq!(report["series"]["programmes_completed"].as_array().unwrap().len(), 12);
    // August's two completions are held back, and September's six with them: the quarter's
    // eight less September's six would give August away.
    assert_eq!(month(&report, "programmes_completed", "2026-08"), (None, true));
    assert_eq!(month(&report, "programmes_completed", "2026-09"), (None, true));
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

    // March's completions belong to the last fiscal year.
    let last_year = report_of_period(&app, &staff_a, &a, "FY2025").await;
    assert_eq!(measure(&last_year, "programmes_completed"), (Some(6), false));
    assert_eq!(month(&last_year, "programmes_completed", "2026-03"), (Some(6), false));

    // Overlapping answers: the year, each quarter and each month, asked one by one, show each
    // figure as the year's series does, and no held-back one can be worked out from them all.
    let mut quarters = Vec::new();
    for q in 1..=4 {
        let quarter = report_of_period(&app, &staff_a, &a, &format!("FY2026-Q{q}")).await;
        let mut months = Vec::new();
        for figure in quarter["series"]["programmes_completed"].as_array().unwrap() {
            let label = figure["month"].as_str().unwrap().to_owned();
            months.push((label.clone(), report_of_period(&app, &staff_a, &a, &label).await));
        }
        for name in counts(&report) {
            let parts: Vec<(Option<i64>, bool)> = months.iter().map(|(_, answer)| measure(answer, &name)).collect();
            for ((label, answer), part) in months.iter().zip(&parts) {
                assert_eq!(*part, month(&report, &name, label), "{name} {label}: its own answer and the year's series");
                assert_eq!(*part, month(&quarter, &name, label), "{name} {label}: its own answer and the quarter's");
                assert_eq!(answer["series"][&name].as_array().unwrap().len(), 1);
            }
            assert_nothing_recoverable(measure(&quarter, &name), &parts, &format!("{name} Q{q} from its months"));
        }
        quarters.push(quarter);
    }
    for name in counts(&report) {
        let parts: Vec<(Option<i64>, bool)> = quarters.iter().map(|quarter| measure(quarter, &name)).collect();
        assert_nothing_recoverable(measure(&report, &name), &parts, &format!("{name}: the year from its quarters"));
    }
    let september = report_of_period(&app, &staff_a, &a, "2026-09").await;
    assert_eq!(measure(&september, "programmes_completed"), (None, true), "Q2's 8 less September's 6 is August");
    assert_eq!(measure(&quarters[1], "programmes_completed"), (Some(8), false));

    // Anything but a whole month, a fiscal quarter or a fiscal year is a bad parameter: two
    // windows a day apart are never both answered.
    for query in [
        "from=2026-11-01&to=2026-11-15",
        "period=2026-11-15",
        "period=FY2026-Q5",
        "period=2026-13",
        "period=FY1998",
        "period=",
    ] {
        let refused = app.get(&format!("/organizations/{a}/outcomes?{query}"), &staff_a).await;
        assert_problem(refused, StatusCode::BAD_REQUEST).await;
    }
    assert_problem(app.get("/outcomes?period=2026-11-14", &app.admin()).await, StatusCode::BAD_REQUEST).await;
    // Another facility's staff get 404; the prefecture is for admins.
    assert_problem(app.get(&format!("/organizations/{a}/outcomes?{range}"), &staff_b).await, StatusCode::NOT_FOUND)
        .await;
    assert_problem(app.get(&format!("/outcomes?{range}"), &staff_a).await, StatusCode::FORBIDDEN).await;

    // The prefecture: facility B's three persons are held back, and so is every figure from
    // which they could be worked out.
    let prefecture = answer(&app, &app.admin(), &format!("/outcomes?{range}")).await;
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
