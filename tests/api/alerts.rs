use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_simulated_year_sends_exactly_the_alerts_a_case_worker_would,
    revoking_consent_cancels_pending_alerts,
    quiet_hours_hold_alerts_but_not_critical_ones,
    an_unacknowledged_critical_alert_escalates_to_the_facility,
    planning_again_or_restarting_sends_nothing_twice,
    two_schedulers_deliver_each_alert_once,
    a_moved_date_replans_and_says_it_moved_earlier,
    risk_periods_and_upcoming_follow_consent_and_date_moves,
    only_the_recipient_sees_and_acknowledges_an_alert,
    every_delivered_alert_leaves_a_provision_record,
];

fn tokyo(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo.with_ymd_and_hms(y, m, d, hour, 0, 0).unwrap().with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct People {
    person: String,
    staff: String,
    family: String,
    family_link: String,
    lawyer: String,
}

/// A resident of a facility, with a staff member, a family member and a lawyer linked.
async fn people(app: &TestApp, staff_quiet_hours: Option<Value>) -> People {
    app.clock.set(tokyo(2026, 1, 5, 9));
    let org = app.create_organization("rehab_facility").await;
    let mut staff_body = json!({"role": "staff", "display_name": "Sato", "organization_id": org});
    if let Some(quiet) = staff_quiet_hours {
        staff_body["quiet_hours"] = quiet;
    }
    let staff_party = app.create_party(staff_body).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let family_party = app.create_party(json!({"role": "family", "display_name": "Hanako", "language": "en"})).await;
    let lawyer_party = app.create_party(json!({"role": "lawyer", "display_name": "Counsel"})).await;
    let mut family_link = String::new();
    for (party, relationship) in
        [(&staff_party, "facility_staff"), (&family_party, "family"), (&lawyer_party, "lawyer")]
    {
        let body = json!({"party_id": party, "relationship": relationship});
        let link: Value = app.post(&format!("/persons/{person}/links"), &staff, &body).await.json().await.unwrap();
        if relationship == "family" {
            family_link = id_of(&link);
        }
    }
    People {
        person,
        staff,
        family: app.token("family", &family_party),
        family_link,
        lawyer: app.token("lawyer", &lawyer_party),
    }
}

async fn milestone(app: &TestApp, p: &People, body: Value) -> String {
    let response = app.post(&format!("/persons/{}/milestones", p.person), &p.staff, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    id_of(&response.json().await.unwrap())
}

async fn event(app: &TestApp, p: &People, milestone: &str, event: &str, on: NaiveDate) {
    let response =
        app.post(&format!("/milestones/{milestone}/events"), &p.staff, &json!({"event": event, "on": on})).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{event} on {on}");
}

async fn inbox(app: &TestApp, token: &str, unread: bool) -> Vec<Value> {
    let path = if unread { "/me/alerts?unread=true&limit=200" } else { "/me/alerts?limit=200" };
    let page: Value = app.get(path, token).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

fn summary(alert: &Value) -> String {
    format!("{} lead {}", alert["rule"].as_str().unwrap(), alert["lead_days"])
}

async fn a_simulated_year_sends_exactly_the_alerts_a_case_worker_would(app: TestApp) {
    let p = people(&app, None).await;
    let bail = milestone(&app, &p, json!({"kind": "bail", "requested_on": "2026-01-05"})).await;
    let mut release = String::new();
    let mut received: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut day = date(2026, 1, 5);
    while day <= date(2027, 3, 15) {
        app.clock.set(tokyo(day.year(), day.month(), day.day(), 9));
        match (day.month(), day.day(), day.year()) {
            (1, 10, 2026) => event(&app, &p, &bail, "grant", day).await,
            (1, 12, 2026) => {
                event(&app, &p, &bail, "release", day).await;
                app.patch(&format!("/milestones/{bail}"), &p.staff, &json!({"judgment_on": "2026-03-20"})).await;
            }
            (2, 1, 2026) => {
                let lapse = app.post(&format!("/persons/{}/lapses", p.person), &p.staff, &json!({"on": day})).await;
                assert_eq!(lapse.status(), StatusCode::CREATED);
            }
            (3, 20, 2026) => event(&app, &p, &bail, "lapse_by_sentence", day).await,
            (3, 21, 2026) => {
                release = milestone(
                    &app,
                    &p,
                    json!({"kind": "release", "scheduled_on": "2026-09-10", "release_type": "full_term"}),
                )
                .await;
            }
            (9, 10, 2026) => event(&app, &p, &release, "release", day).await,
            _ => {}
        }
        tick(&app.state).await.unwrap();
        for (who, token) in [("family", &p.family), ("lawyer", &p.lawyer), ("staff", &p.staff)] {
            for alert in inbox(&app, token, true).await {
                if seen.insert(id_of(&alert)) {
                    received.entry(who).or_default().push(format!("{day} {}", summary(&alert)));
                }
                // A careful family reads every alert; staff and lawyer leave theirs unread.
                if who == "family" {
                    let ack = app.post(&format!("/alerts/{}/ack", id_of(&alert)), token, &json!({})).await;
                    assert_eq!(ack.status(), StatusCode::OK);
                }
            }
        }
        day += Duration::days(1);
    }
    let bail_and_judgment = [
        // Released on bail on 12 January: both lead days had passed, so the closer one goes out at once.
        "2026-01-12 bail_craving lead 1",
        "2026-03-06 before_judgment lead 7",
        "2026-03-12 before_judgment lead 1",
    ];
    let release_and_window = [
        "2026-09-03 after_release_critical lead 7",
        "2026-09-09 after_release_critical lead 1",
        "2026-09-18 after_release_high lead 7",
        "2026-09-24 after_release_high lead 1",
        "2027-02-01 window_closing lead 7",
        "2027-02-07 window_closing lead 1",
    ];
    let family: Vec<String> = bail_and_judgment.iter().chain(&release_and_window).map(|s| s.to_string()).collect();
    assert_eq!(received["family"], family);
    // The lawyer hears of bail and judgment only: release and window lie outside their role.
    assert_eq!(received["lawyer"], bail_and_judgment.map(str::to_owned));
    // The facility hears of everything, the lapse included.
    let mut staff = family.clone();
    staff.insert(1, "2026-02-01 after_lapse lead 1".to_owned());
    // And, with no hand-off meeting ever arranged, that no one will meet the person: when the
    // bail was granted, and 14 days before the release.
    staff.insert(0, "2026-01-10 not_yet_connected lead 0".to_owned());
    staff.insert(5, "2026-08-27 not_yet_connected lead 0".to_owned());
    assert_eq!(received["staff"], staff);
    // Nobody else was told anything, and every alert named the person and said why (in the family's plain English).
    let family_alerts = inbox(&app, &p.family, false).await;
    assert!(family_alerts.iter().all(|a| a["person_display_name"] == "Taro" && a["why"].as_str().unwrap().len() > 20));
    assert!(family_alerts.iter().any(|a| a["why"].as_str().unwrap().contains("Keep in touch every day")));
}

async fn revoking_consent_cancels_pending_alerts(app: TestApp) {
    let p = people(&app, None).await;
    milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-03-01", "release_type": "full_term"})).await;
    tick(&app.state).await.unwrap();
    let pending_for_family = || async {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        tsunagu::entity::alert::Entity::find()
            .filter(tsunagu::entity::alert::Column::LinkId.eq(uuid::Uuid::parse_str(&p.family_link).unwrap()))
            .all(&app.outside)
            .await
            .unwrap()
    };
    let planned = pending_for_family().await;
    assert_eq!(planned.len(), 4, "two periods × two lead times");
    assert!(planned.iter().all(|a| a.status.as_str() == "pending"));
    assert_eq!(app.delete(&format!("/links/{}", p.family_link), &p.staff).await.status(), StatusCode::NO_CONTENT);
    tick(&app.state).await.unwrap();
    assert!(pending_for_family().await.iter().all(|a| a.status.as_str() == "cancelled"));
    app.clock.set(tokyo(2026, 3, 1, 9));
    tick(&app.state).await.unwrap();
    assert!(inbox(&app, &p.family, false).await.is_empty());
    assert!(!inbox(&app, &p.staff, false).await.is_empty(), "the facility still hears");
}

async fn quiet_hours_hold_alerts_but_not_critical_ones(app: TestApp) {
    let p = people(&app, Some(json!({"start": "22:00", "end": "07:00"}))).await;
    // 23:00 in Tokyo: a lapse today opens a period that has begun: due at once, but quiet.
    app.clock.set(tokyo(2026, 1, 5, 23));
    app.post(&format!("/persons/{}/lapses", p.person), &p.staff, &json!({"on": "2026-01-05"})).await;
    let report = tick(&app.state).await.unwrap();
    assert_eq!((report.delivered, report.held), (1, 1), "the team hears at once; the staff member's own waits");
    assert!(inbox(&app, &p.staff, false).await.is_empty());
    app.clock.set(tokyo(2026, 1, 6, 6));
    assert_eq!(tick(&app.state).await.unwrap().delivered, 0, "still quiet at 06:00");
    app.clock.set(tokyo(2026, 1, 6, 7));
    assert_eq!(tick(&app.state).await.unwrap().delivered, 1);
    assert_eq!(summary(&inbox(&app, &p.staff, false).await[0]), "after_lapse lead 1");

    // A release tonight: the critical fortnight has begun, and critical alerts cross quiet hours.
    app.clock.set(tokyo(2026, 1, 6, 23));
    let release =
        milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-01-06", "release_type": "full_term"}))
            .await;
    event(&app, &p, &release, "release", date(2026, 1, 6)).await;
    tick(&app.state).await.unwrap();
    let delivered = inbox(&app, &p.staff, false).await;
    assert!(
        delivered.iter().any(|a| a["rule"] == "after_release_critical" && a["severity"] == "critical"),
        "{delivered:?}"
    );
}

async fn an_unacknowledged_critical_alert_escalates_to_the_facility(app: TestApp) {
    let p = people(&app, None).await;
    let colleague = app
        .create_party(
            json!({"role": "staff", "display_name": "Colleague", "organization_id": placement_org(&app, &p).await}),
        )
        .await;
    let colleague_token = app.token("staff", &colleague);
    milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-01-05", "release_type": "full_term"})).await;
    tick(&app.state).await.unwrap();
    let family_alert = inbox(&app, &p.family, false).await.into_iter().find(|a| a["severity"] == "critical").unwrap();
    // The staff member reads theirs; the family does not.
    for alert in inbox(&app, &p.staff, false).await {
        app.post(&format!("/alerts/{}/ack", id_of(&alert)), &p.staff, &json!({})).await;
    }
    app.clock.advance(Duration::hours(23));
    assert_eq!(tick(&app.state).await.unwrap().escalated, 0);
    app.clock.advance(Duration::hours(1));
    // The family's unread one, and the team's own, which nobody on the team acknowledged.
    assert_eq!(tick(&app.state).await.unwrap().escalated, 2);
    let org = placement_org(&app, &p).await;
    let team: Value = app.get(&format!("/organizations/{org}/alerts"), &colleague_token).await.json().await.unwrap();
    let escalations: Vec<&Value> =
        team["items"].as_array().unwrap().iter().filter(|a| a["escalation"] == true).collect();
    assert_eq!(escalations.len(), 2, "the team hears of both, whoever is linked: {team}");
    assert!(escalations.iter().all(|a| a["rule"] == family_alert["rule"]));
    let as_staff: Value = app.get(&format!("/organizations/{org}/alerts"), &p.staff).await.json().await.unwrap();
    assert_eq!(as_staff["items"], team["items"], "both staff members see the one team inbox");
    app.clock.advance(Duration::hours(48));
    assert_eq!(tick(&app.state).await.unwrap().escalated, 0, "once is enough");
}

async fn placement_org(app: &TestApp, p: &People) -> String {
    let placements: Value = app.get(&format!("/persons/{}/placements", p.person), &p.staff).await.json().await.unwrap();
    placements["items"][0]["organization_id"].as_str().unwrap().to_owned()
}

async fn alert_statuses(app: &TestApp) -> BTreeMap<String, usize> {
    use sea_orm::EntityTrait;
    let mut counts = BTreeMap::new();
    for alert in tsunagu::entity::alert::Entity::find().all(&app.outside).await.unwrap() {
        *counts.entry(alert.status.to_string()).or_insert(0) += 1;
    }
    counts
}

async fn planning_again_or_restarting_sends_nothing_twice(app: TestApp) {
    let p = people(&app, None).await;
    milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-01-20", "release_type": "full_term"})).await;
    tick(&app.state).await.unwrap();
    let before = alert_statuses(&app).await;
    let person = uuid::Uuid::parse_str(&p.person).unwrap();
    tsunagu::workflow::alerts::replan(&app.state, person).await.unwrap();
    tsunagu::workflow::alerts::replan(&app.state, person).await.unwrap();
    assert_eq!(alert_statuses(&app).await, before);

    // A second process on the same database, as after a restart.
    let restarted = crate::helpers::spawn_app(&app.database_url).await;
    restarted.clock.set(app.now() + Duration::days(10));
    app.clock.set(app.now() + Duration::days(10));
    tsunagu::workflow::alerts::replan(&restarted.state, person).await.unwrap();
    let first = tick(&restarted.state).await.unwrap();
    let second = tick(&app.state).await.unwrap();
    assert!(first.delivered > 0);
    assert_eq!(second.delivered, 0);
    let delivered = alert_statuses(&app).await.get("delivered").copied().unwrap_or(0);
    assert_eq!(delivered, first.delivered);
}

async fn two_schedulers_deliver_each_alert_once(app: TestApp) {
    let staff_org = app.create_organization("rehab_facility").await;
    let staff_party =
        app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": staff_org})).await;
    app.clock.set(tokyo(2026, 1, 5, 9));
    let staff = app.token("staff", &staff_party);
    for n in 0..20 {
        let person =
            id_of(&app.post("/persons", &staff, &json!({"display_name": format!("P{n}")})).await.json().await.unwrap());
        for role in ["family", "family", "staff"] {
            let body = if role == "staff" {
                json!({"party_id": staff_party, "relationship": "facility_staff"})
            } else {
                json!({"party_id": app.create_party(json!({"role": role, "display_name": "F"})).await, "relationship": "family"})
            };
            if role != "staff" || n % 2 == 0 {
                app.post(&format!("/persons/{person}/links"), &staff, &body).await;
            }
        }
        let body = json!({"kind": "release", "scheduled_on": "2026-01-20", "release_type": "full_term"});
        app.post(&format!("/persons/{person}/milestones"), &staff, &body).await;
    }
    tick(&app.state).await.unwrap();
    let planned = alert_statuses(&app).await.get("pending").copied().unwrap_or(0);
    assert!(planned >= 200, "{planned} alerts planned");
    let other = crate::helpers::spawn_app(&app.database_url).await;
    let due = tokyo(2026, 1, 19, 9);
    app.clock.set(due);
    other.clock.set(due);
    let (a, b) = tokio::join!(tick(&app.state), tick(&other.state));
    let (a, b) = (a.unwrap(), b.unwrap());
    let counts = alert_statuses(&app).await;
    let delivered = counts.get("delivered").copied().unwrap_or(0);
    let cancelled = counts.get("cancelled").copied().unwrap_or(0);
    assert_eq!(a.delivered + b.delivered, delivered, "each delivery counted by exactly one scheduler");
    assert_eq!(a.cancelled + b.cancelled, cancelled);
    assert_eq!(delivered + cancelled + counts.get("pending").copied().unwrap_or(0), planned);
    assert!(delivered > 0 && counts.get("pending").copied().unwrap_or(0) > 0, "{counts:?}");
}

async fn a_moved_date_replans_and_says_it_moved_earlier(app: TestApp) {
    let p = people(&app, None).await;
    let release =
        milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-03-01", "release_type": "full_term"}))
            .await;
    tick(&app.state).await.unwrap();
    app.patch(&format!("/milestones/{release}"), &p.staff, &json!({"scheduled_on": "2026-02-01"})).await;
    tick(&app.state).await.unwrap();
    let counts = alert_statuses(&app).await;
    assert!(counts["cancelled"] >= 4, "the alerts for 1 March no longer hold: {counts:?}");
    app.clock.set(tokyo(2026, 1, 25, 9));
    tick(&app.state).await.unwrap();
    let alerts = inbox(&app, &p.family, false).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0]["starts_on"].as_str(), alerts[0]["moved_earlier"].as_bool()),
        (Some("2026-02-01"), Some(true))
    );
}

async fn risk_periods_and_upcoming_follow_consent_and_date_moves(app: TestApp) {
    let p = people(&app, None).await;
    let bail =
        milestone(&app, &p, json!({"kind": "bail", "requested_on": "2026-01-05", "judgment_on": "2026-02-20"})).await;
    let window_release =
        milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-01-05", "release_type": "full_term"}))
            .await;
    event(&app, &p, &window_release, "release", date(2026, 1, 5)).await;
    app.post(&format!("/persons/{}/lapses", p.person), &p.staff, &json!({"on": "2026-01-05"})).await;

    let periods: Value = app.get(&format!("/persons/{}/risk-periods", p.person), &p.family).await.json().await.unwrap();
    let rules: Vec<&str> = periods["items"].as_array().unwrap().iter().map(|x| x["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"after_release_critical") && rules.contains(&"before_judgment"), "{rules:?}");
    assert!(!rules.contains(&"after_lapse"), "no lapse consent");
    let critical = periods["items"].as_array().unwrap().iter().find(|x| x["rule"] == "after_release_critical").unwrap();
    assert_eq!(critical["current"], true);
    assert!(critical["why_ja"].as_str().unwrap().contains("二週間"));
    let staff_periods: Value =
        app.get(&format!("/persons/{}/risk-periods", p.person), &p.staff).await.json().await.unwrap();
    assert!(staff_periods["items"].as_array().unwrap().iter().any(|x| x["rule"] == "after_lapse"));

    let upcoming: Value =
        app.get(&format!("/persons/{}/upcoming?days=60", p.person), &p.family).await.json().await.unwrap();
    let items: Vec<String> = upcoming["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            format!("{} {} {}", x["on"].as_str().unwrap(), x["item"].as_str().unwrap(), x["label"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        items,
        [
            "2026-01-05 period after_release_critical",
            "2026-01-06 date opens_on",
            "2026-01-20 period after_release_high",
            "2026-02-13 period before_judgment",
            "2026-02-20 date judgment_on",
        ]
    );
    let lawyer: Value =
        app.get(&format!("/persons/{}/upcoming?days=60", p.person), &p.lawyer).await.json().await.unwrap();
    assert!(lawyer["items"].as_array().unwrap().iter().all(|x| x["kind"] != "employment_support_window"));

    // A date that moves moves its period at once.
    app.patch(&format!("/milestones/{bail}"), &p.staff, &json!({"judgment_on": "2026-02-10"})).await;
    let moved: Value =
        app.get(&format!("/persons/{}/upcoming?days=60", p.person), &p.family).await.json().await.unwrap();
    assert!(moved["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["label"] == "before_judgment" && x["on"] == "2026-02-03"));
    assert_problem(
        app.get(&format!("/persons/{}/upcoming?days=0", p.person), &p.family).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

async fn only_the_recipient_sees_and_acknowledges_an_alert(app: TestApp) {
    let p = people(&app, None).await;
    milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-01-05", "release_type": "full_term"})).await;
    tick(&app.state).await.unwrap();
    let family_alerts = inbox(&app, &p.family, true).await;
    assert!(!family_alerts.is_empty());
    let alert = id_of(&family_alerts[0]);
    for stranger in [&p.staff, &p.lawyer, &app.admin()] {
        assert_problem(app.post(&format!("/alerts/{alert}/ack"), stranger, &json!({})).await, StatusCode::NOT_FOUND)
            .await;
        assert!(inbox(&app, stranger, false).await.iter().all(|a| id_of(a) != alert));
    }
    assert_problem(
        app.post(&format!("/alerts/{}/ack", uuid::Uuid::new_v4()), &p.family, &json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let acknowledged: Value =
        app.post(&format!("/alerts/{alert}/ack"), &p.family, &json!({})).await.json().await.unwrap();
    assert!(acknowledged["acknowledged_at"].is_string());
    assert!(inbox(&app, &p.family, true).await.iter().all(|a| id_of(a) != alert), "no longer unread");
    assert!(inbox(&app, &p.family, false).await.iter().any(|a| id_of(a) == alert), "still in the inbox");
}

async fn every_delivered_alert_leaves_a_provision_record(app: TestApp) {
    let p = people(&app, None).await;
    milestone(&app, &p, json!({"kind": "release", "scheduled_on": "2026-01-05", "release_type": "full_term"})).await;
    let report = tick(&app.state).await.unwrap();
    assert!(report.delivered > 0);
    let records: Value =
        app.get(&format!("/provision-records?person_id={}", p.person), &app.admin()).await.json().await.unwrap();
    let records = records["items"].as_array().unwrap().clone();
    assert_eq!(records.len(), report.delivered, "one record per delivery");
    let family_alert = inbox(&app, &p.family, false).await.into_iter().next().unwrap();
    let record = records.iter().find(|r| r["source_id"] == family_alert["id"]).unwrap();
    assert_eq!(record["channel"], "inbox");
    assert_eq!(record["basis"], "link_consent");
    assert_eq!(record["link_id"], p.family_link.as_str());
    // The consent relied on is the one the family's link was granted with.
    let consents: Value = app.get(&format!("/links/{}/consents", p.family_link), &p.staff).await.json().await.unwrap();
    assert_eq!(record["consent_record_id"], consents["items"][0]["id"]);
    assert!(record["items"].as_str().unwrap().contains("after_release_critical"));

    let export = app.get(&format!("/provision-records/export?person_id={}", p.person), &app.admin()).await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(export.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = export.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("provided_at"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), records.len());
    assert!(
        rows.iter().any(|row| row.get(5).unwrap().contains(", with the person's display name")),
        "quoted commas survive"
    );
    for path in [
        format!("/provision-records?person_id={}", p.person),
        format!("/provision-records/export?person_id={}", p.person),
    ] {
        assert_problem(app.get(&path, &p.staff).await, StatusCode::FORBIDDEN).await;
    }
}
