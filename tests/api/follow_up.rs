//! Follow-up plans over HTTP: the check-in days, the tasks on them, going quiet, custody, the
//! person's "I want to talk" (by API, by page without script, by text), who may see what, and
//! the retention figures.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
    pages::{page, submit},
    reach_case::{confirmed_number, reaching, resident},
    reach_support::{gateway_post, Gateway, MailServer, AUTH_TOKEN, FROM_NUMBER},
    sign_in::signed_in,
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_plan_from_31_january_is_due_on_month_ends_and_turns_monthly_after_three_months,
    three_unanswered_calls_alert_coordinator_and_team_and_custody_pauses_the_plan,
    asking_to_talk_reaches_coordinator_and_team_within_a_tick_and_never_family,
    a_text_saying_hanashitai_asks_for_a_call,
    retention_figures_come_from_the_cohort_and_small_ones_are_held_back,
];

fn tokyo(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo.with_ymd_and_hms(y, m, d, hour, 0, 0).unwrap().with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A facility with a resident, a mental-health welfare centre whose staff member is the
/// resident's coordinator, and the resident's mother.
struct Case {
    facility: String,
    person: String,
    staff: String,
    coordinator_id: String,
    coordinator: String,
    family_id: String,
    family: String,
    stranger: String,
}

async fn case(app: &TestApp) -> Case {
    let facility = app.create("/organizations", json!({"kind": "rehab_facility", "name": "Hikari House"})).await;
    let facility = id_of(&facility);
    let centre =
        app.create("/organizations", json!({"kind": "mental_health_welfare_centre", "name": "Seishin Centre"}));
    let centre = id_of(&centre.await);
    let elsewhere = app.create_organization("rehab_facility").await;
    let staff = |org: &str, name: &str| json!({"role": "staff", "display_name": name, "organization_id": org});
    let staff_id = app.create_party(staff(&facility, "Sato")).await;
    let coordinator_id = app.create_party(staff(&centre, "Ono")).await;
    let stranger = app.create_party(staff(&elsewhere, "Mori")).await;
    let staff = app.token("staff", &staff_id);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    for (party, relationship) in [(&coordinator_id, "coordinator"), (&family, "family")] {
        let body = json!({"party_id": party, "relationship": relationship});
        let created = app.post(&format!("/persons/{person}/links"), &staff, &body).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    Case {
        facility,
        person,
        staff,
        coordinator: app.token("staff", &coordinator_id),
        coordinator_id,
        family: app.token("family", &family),
        family_id: family,
        stranger: app.token("staff", &stranger),
    }
}

async fn set_plan(app: &TestApp, c: &Case, token: &str, body: Value) -> reqwest::Response {
    app.put(&format!("/persons/{}/follow-up", c.person), token, &body).await
}

async fn check_in(app: &TestApp, c: &Case, on: &str, outcome: &str) -> Value {
    let body = json!({"on": on, "outcome": outcome, "channel": "phone", "note": "元気そう"});
    let recorded = app.post(&format!("/persons/{}/follow-up/check-ins", c.person), &c.coordinator, &body).await;
    assert_eq!(recorded.status(), StatusCode::CREATED);
    recorded.json().await.unwrap()
}

fn due_days(plan: &Value) -> Vec<NaiveDate> {
    plan["check_ins"].as_array().unwrap().iter().map(|due| day(due["due_on"].as_str().unwrap())).collect()
}

async fn rules(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let page: Value = app.get(path, token).await.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|a| a["rule"].as_str().unwrap().to_owned()).collect()
}

fn count(rules: &[String], rule: &str) -> usize {
    rules.iter().filter(|told| *told == rule).count()
}

async fn a_plan_from_31_january_is_due_on_month_ends_and_turns_monthly_after_three_months(app: TestApp) {
    app.clock.set(tokyo(2026, 1, 31, 10));
    let c = case(&app).await;
    let plan =
        set_plan(&app, &c, &c.staff, json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-01-31"}));
    let plan = plan.await;
    assert_eq!(plan.status(), StatusCode::OK);
    let plan: Value = plan.json().await.unwrap();
    let expected: Vec<NaiveDate> = [
        "2026-02-14",
        "2026-02-28",
        "2026-03-14",
        "2026-03-28",
        "2026-04-11",
        "2026-04-25", // every 2 weeks
        "2026-05-31",
        "2026-06-30",
        "2026-07-31",
        "2026-08-31",
        "2026-09-30",
        "2026-10-31",
        "2026-11-30",
        "2026-12-31",
        "2027-01-31", // monthly, at the Civil-Code month ends
    ]
    .into_iter()
    .map(day)
    .collect();
    assert_eq!(due_days(&plan), expected);
    assert_eq!((plan["state"].as_str(), plan["ends_on"].as_str()), (Some("active"), Some("2027-01-31")));

    // Monthly from the start: the end of February is the 28th, not 3 March.
    let monthly = json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-01-31",
        "cadence": [{"every_months": 1, "until_month": 12}]});
    let monthly: Value = set_plan(&app, &c, &c.coordinator, monthly).await.json().await.unwrap();
    assert_eq!(due_days(&monthly)[..3], [day("2026-02-28"), day("2026-03-31"), day("2026-04-30")]);
    // Back to the default, by the coordinator: the plan keeps its id.
    let again = json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-01-31"});
    let again: Value = set_plan(&app, &c, &c.coordinator, again).await.json().await.unwrap();
    assert_eq!((again["id"].clone(), due_days(&again)), (plan["id"].clone(), expected.clone()));

    // The check-in is a task in the coordinator's inbox at 09:00 of its day, not before.
    app.clock.set(tokyo(2026, 2, 14, 8));
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "check_in_due"), 0);
    app.clock.set(tokyo(2026, 2, 14, 9));
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "check_in_due"), 1);
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.family).await, "check_in_due"), 0);
    // Recording the call answers that day and marks the task done.
    let recorded = check_in(&app, &c, "2026-02-14", "reached").await;
    assert_eq!(
        recorded["check_ins"][0],
        json!({"due_on": "2026-02-14", "outcome": "reached", "recorded_on": "2026-02-14"})
    );
    assert_eq!(recorded["history"][0]["note"], "元気そう");
    let unread = rules(&app, "/me/alerts?unread=true&limit=200", &c.coordinator).await;
    assert_eq!(count(&unread, "check_in_due"), 0, "{unread:?}");
    // Reached early, the next task is not sent at all.
    app.clock.set(tokyo(2026, 2, 27, 12));
    check_in(&app, &c, "2026-02-27", "reached").await;
    app.clock.set(tokyo(2026, 2, 28, 9));
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "check_in_due"), 1);

    // A plan is checked whole, and a refused one stores nothing.
    let other = app.post("/persons", &c.staff, &json!({"display_name": "Jiro"})).await.json::<Value>().await.unwrap();
    let other = id_of(&other);
    let wrong = json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-02-01",
        "cadence": [{"every_weeks": 2, "every_months": 1, "until_month": 3}, {"every_months": 9, "until_month": 2}]});
    let refused = app.put(&format!("/persons/{other}/follow-up"), &c.staff, &wrong).await;
    let fields = refused_fields(&assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await);
    assert_eq!(
        fields,
        ["cadence[0].every_weeks", "cadence[1].every_months", "cadence[1].until_month", "coordinator_party_id"],
        "no coordinator link to this person either"
    );
    assert_eq!(app.count("follow_up_plans").await, 1);
    let none = app.get(&format!("/persons/{other}/follow-up"), &c.staff).await;
    assert_problem(none, StatusCode::NOT_FOUND).await;
}

async fn three_unanswered_calls_alert_coordinator_and_team_and_custody_pauses_the_plan(app: TestApp) {
    app.clock.set(tokyo(2026, 3, 2, 10));
    let c = case(&app).await;
    let parole = json!({"kind": "release", "scheduled_on": "2026-03-02", "release_type": "parole",
        "supervision_ends_on": "2026-05-01"});
    let release = app.post(&format!("/persons/{}/milestones", c.person), &c.staff, &parole).await;
    assert_eq!(release.status(), StatusCode::CREATED);
    let plan = set_plan(
        &app,
        &c,
        &c.coordinator,
        json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-03-02"}),
    );
    assert_eq!(plan.await.status(), StatusCode::OK);
    let team = format!("/organizations/{}/alerts?limit=200", c.facility);

    for (on, outcome) in [("2026-03-02", "no_answer"), ("2026-03-02", "no_answer"), ("2026-03-02", "reached")] {
        check_in(&app, &c, on, outcome).await;
    }
    let two =
        [check_in(&app, &c, "2026-03-02", "no_answer").await, check_in(&app, &c, "2026-03-02", "no_answer").await];
    assert_eq!(two[1]["unanswered_in_a_row"], 2, "a reached call in between reset the count");
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "gone_quiet"), 0);
    assert_eq!(count(&rules(&app, &team, &c.staff).await, "gone_quiet"), 0);
    check_in(&app, &c, "2026-03-02", "no_answer").await;
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "gone_quiet"), 1);
    assert_eq!(count(&rules(&app, &team, &c.staff).await, "gone_quiet"), 1);
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.family).await, "gone_quiet"), 0, "never family");
    check_in(&app, &c, "2026-03-02", "no_answer").await;
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, &team, &c.staff).await, "gone_quiet"), 1, "once per run of silence");

    // Custody from 20 March pauses the plan: the check-in of 30 March is not owed.
    app.clock.set(tokyo(2026, 3, 20, 10));
    let custody = json!({"event": "start", "on": "2026-03-20"});
    assert_eq!(
        app.post(&format!("/persons/{}/custody", c.person), &c.staff, &custody).await.status(),
        StatusCode::CREATED
    );
    tick(&app.state).await.unwrap();
    let paused: Value =
        app.get(&format!("/persons/{}/follow-up", c.person), &c.coordinator).await.json().await.unwrap();
    assert_eq!(paused["state"], "paused");
    assert!(!due_days(&paused).contains(&day("2026-03-30")), "{paused}");
    let before = count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "check_in_due");
    app.clock.set(tokyo(2026, 3, 30, 9));
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "check_in_due"), before);
    // Out on 5 April: a check-in that day, and the plan goes on.
    app.clock.set(tokyo(2026, 4, 5, 10));
    let out = json!({"event": "end", "on": "2026-04-05"});
    assert_eq!(app.post(&format!("/persons/{}/custody", c.person), &c.staff, &out).await.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    let resumed: Value =
        app.get(&format!("/persons/{}/follow-up", c.person), &c.coordinator).await.json().await.unwrap();
    assert_eq!(resumed["state"], "active");
    let days = due_days(&resumed);
    assert!(days.contains(&day("2026-04-05")) && days.contains(&day("2026-04-13")), "{days:?}");
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "check_in_due"), before + 1);

    // Parole supervision ended on 1 May: the plan does not end with it.
    app.clock.set(tokyo(2026, 5, 10, 10));
    tick(&app.state).await.unwrap();
    let after: Value = app.get(&format!("/persons/{}/follow-up", c.person), &c.coordinator).await.json().await.unwrap();
    assert_eq!(after["state"], "active");
    assert!(due_days(&after).iter().any(|due| *due > day("2026-05-10")));

    // Withdrawing ends the plan; nothing more is recorded on it.
    check_in(&app, &c, "2026-05-10", "withdrew").await;
    let ended: Value = app.get(&format!("/persons/{}/follow-up", c.person), &c.coordinator).await.json().await.unwrap();
    assert_eq!((ended["state"].as_str(), ended["ended_because"].as_str()), (Some("ended"), Some("withdrew")));
    let late = json!({"on": "2026-05-10", "outcome": "reached"});
    let refused = app.post(&format!("/persons/{}/follow-up/check-ins", c.person), &c.coordinator, &late).await;
    assert_problem(refused, StatusCode::CONFLICT).await;
    // The person agrees again: set again, the plan goes on from today.
    app.clock.set(tokyo(2026, 5, 12, 10));
    let again = json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-03-02"});
    let again: Value = set_plan(&app, &c, &c.staff, again).await.json().await.unwrap();
    assert_eq!(again["state"], "active", "{again}");
    assert!(due_days(&again).iter().all(|due| *due >= day("2026-05-12")), "{again}");
}

/// The person's own account.
async fn person_account(app: &TestApp, c: &Case) -> (String, String) {
    let party = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": c.person})).await;
    let token = app.token("person", &party);
    (party, token)
}

async fn asking_to_talk_reaches_coordinator_and_team_within_a_tick_and_never_family(app: TestApp) {
    app.clock.set(tokyo(2026, 3, 2, 10));
    let c = case(&app).await;
    let plan =
        set_plan(&app, &c, &c.staff, json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-03-02"}));
    assert_eq!(plan.await.status(), StatusCode::OK);
    let (party, me) = person_account(&app, &c).await;
    let team = format!("/organizations/{}/alerts?limit=200", c.facility);

    let asked = app.post("/me/talk", &me, &json!({})).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let asked: Value = asked.json().await.unwrap();
    assert_eq!(asked["sent_now"], true);
    let who: Vec<(Value, Value)> = asked["who_will_call"]
        .as_array()
        .unwrap()
        .iter()
        .map(|who| (who["name"].clone(), who["organization"].clone()))
        .collect();
    assert_eq!(who, [(json!("Ono"), json!("Seishin Centre")), (Value::Null, json!("Hikari House"))]);
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.coordinator).await, "talk_requested"), 1);
    assert_eq!(count(&rules(&app, &team, &c.staff).await, "talk_requested"), 1);
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.family).await, "talk_requested"), 0);
    // A burst of presses is the one request.
    for _ in 0..5 {
        let again: Value = app.post("/me/talk", &me, &json!({})).await.json().await.unwrap();
        assert_eq!(again["sent_now"], false);
    }
    assert_eq!(app.count_where("alerts", "rule = 'talk_requested'").await, 2);
    // Only the person asks; the family cannot read the plan at all, nor a stranger.
    assert_problem(app.post("/me/talk", &c.family, &json!({})).await, StatusCode::FORBIDDEN).await;
    for token in [&c.family, &c.stranger] {
        assert_problem(app.get(&format!("/persons/{}/follow-up", c.person), token).await, StatusCode::NOT_FOUND).await;
    }
    let body = json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-03-02"});
    assert_problem(set_plan(&app, &c, &app.admin(), body).await, StatusCode::FORBIDDEN).await;
    // The person sees their plan without the notes.
    check_in(&app, &c, "2026-03-02", "reached").await;
    let own: Value = app.get(&format!("/persons/{}/follow-up", c.person), &me).await.json().await.unwrap();
    assert_eq!(own["history"][0]["outcome"], "reached");
    assert!(own["history"][0].get("note").is_none(), "{own}");

    // Answered, and an hour later the person asks again from their page: a plain form, no script.
    let alerts: Value = app.get("/me/alerts?limit=200", &c.coordinator).await.json().await.unwrap();
    let talk = alerts["items"].as_array().unwrap().iter().find(|a| a["rule"] == "talk_requested").unwrap();
    let ack = app.post(&format!("/alerts/{}/ack", talk["id"].as_str().unwrap()), &c.coordinator, &json!({})).await;
    assert!(ack.status().is_success());
    app.clock.set(tokyo(2026, 3, 2, 11));
    let cookie = signed_in(&app, &party).await;
    let own_page = page(&app, &cookie, "/app").await.text().await.unwrap();
    assert!(own_page.contains("action=\"/app/talk\""), "a form, not a script");
    let answered = submit(&app, &cookie, "/app/talk", &[]).await;
    assert_eq!(answered.status(), StatusCode::OK);
    let answered = answered.text().await.unwrap();
    assert!(answered.contains("Ono") && answered.contains("Hikari House"), "{answered}");
    assert_eq!(app.count_where("alerts", "rule = 'talk_requested'").await, 4);
    // Never shown to family: their page says nothing of it.
    let family_cookie = signed_in(&app, &c.family_id).await;
    let family_page = page(&app, &family_cookie, "/app").await.text().await.unwrap();
    assert!(!family_page.contains("話したい") && !family_page.contains("/app/talk"), "{family_page}");
}

async fn a_text_saying_hanashitai_asks_for_a_call(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let own = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": c.person})).await;
    confirmed_number(&app, &gateway, &own, "+819055556666").await;
    confirmed_number(&app, &gateway, &c.family, "+819011112222").await;
    let team = format!("/organizations/{}/alerts?limit=200", c.org);

    // From the family's number it is not read, and asks nothing.
    let theirs = [("MessageSid", "SM10"), ("From", "+819011112222"), ("To", FROM_NUMBER), ("Body", "話したい")];
    let answer = gateway_post(&app, "/channels/sms/inbound", &theirs, AUTH_TOKEN).await.text().await.unwrap();
    assert!(!answer.contains("<Message>"), "{answer}");
    assert_eq!(app.count_where("alerts", "rule = 'talk_requested'").await, 0);
    let mine = [("MessageSid", "SM11"), ("From", "+819055556666"), ("To", FROM_NUMBER), ("Body", "話したい")];
    let answer = gateway_post(&app, "/channels/sms/inbound", &mine, AUTH_TOKEN).await.text().await.unwrap();
    assert!(answer.contains("連絡をお願いしました") && !answer.contains("Taro"), "{answer}");
    tick(&app.state).await.unwrap();
    assert_eq!(count(&rules(&app, &team, &c.staff).await, "talk_requested"), 1);
    // The same text again (a retried callback) asks nothing more.
    gateway_post(&app, "/channels/sms/inbound", &mine, AUTH_TOKEN).await;
    assert_eq!(app.count_where("alerts", "rule = 'talk_requested'").await, 1);
}

/// Six residents of a facility start a plan on 1 April. By 1 July (day 91) five were reached
/// within the two months before; one withdrew in April. Another facility's two plans are too
/// few to publish.
async fn retention_figures_come_from_the_cohort_and_small_ones_are_held_back(app: TestApp) {
    app.clock.set(tokyo(2026, 4, 1, 10));
    let mut cohorts = Vec::new();
    for size in [6, 2] {
        let c = case(&app).await;
        let mut persons = vec![c.person.clone()];
        for i in 1..size {
            let person = app.post("/persons", &c.staff, &json!({"display_name": format!("P{i}")})).await;
            let person = id_of(&person.json().await.unwrap());
            let link = json!({"party_id": c.coordinator_id, "relationship": "coordinator"});
            let linked = app.post(&format!("/persons/{person}/links"), &c.staff, &link).await;
            assert_eq!(linked.status(), StatusCode::CREATED);
            persons.push(person);
        }
        for person in &persons {
            let body = json!({"coordinator_party_id": c.coordinator_id, "starts_on": "2026-04-01"});
            let set = app.put(&format!("/persons/{person}/follow-up"), &c.coordinator, &body).await;
            assert_eq!(set.status(), StatusCode::OK);
        }
        cohorts.push((c, persons));
    }
    let record = |person: String, token: String, on: &'static str, outcome: &'static str| {
        let app = &app;
        async move {
            let body = json!({"on": on, "outcome": outcome});
            let recorded = app.post(&format!("/persons/{person}/follow-up/check-ins"), &token, &body).await;
            assert_eq!(recorded.status(), StatusCode::CREATED);
        }
    };
    let (c, persons) = &cohorts[0];
    app.clock.set(tokyo(2026, 4, 20, 10));
    record(persons[5].clone(), c.coordinator.clone(), "2026-04-20", "withdrew").await;
    app.clock.set(tokyo(2026, 6, 20, 10));
    for person in &persons[..5] {
        record(person.clone(), c.coordinator.clone(), "2026-06-20", "reached").await;
    }
    app.clock.set(tokyo(2026, 10, 5, 10));
    tick(&app.state).await.unwrap();

    let report = |org: String, token: String, period: &'static str| {
        let app = &app;
        async move {
            let path = format!("/organizations/{org}/outcomes?period={period}");
            app.get(&path, &token).await.json::<Value>().await.unwrap()
        }
    };
    let q1 = report(c.facility.clone(), c.staff.clone(), "FY2026-Q1").await;
    assert_eq!(q1["measures"]["persons_in_follow_up"]["count"], 6, "{q1}");
    let q2 = report(c.facility.clone(), c.staff.clone(), "FY2026-Q2").await;
    let figure = |name: &str| q2["measures"][name]["count"].as_i64();
    assert_eq!(figure("follow_up_at_3_months"), Some(6), "{q2}");
    assert_eq!(figure("retained_at_3_months"), Some(5));
    // Day 182 (30 September): nobody reached in the two months before it is lost by then.
    assert_eq!((figure("follow_up_at_6_months"), figure("retained_at_6_months")), (Some(6), Some(0)));
    assert_eq!(figure("follow_up_at_12_months"), Some(0), "day 365 has not come");
    let (small, _) = &cohorts[1];
    let few = report(small.facility.clone(), small.staff.clone(), "FY2026-Q2").await;
    assert_eq!(few["measures"]["follow_up_at_3_months"]["suppressed"], true, "{few}");
    assert!(few["measures"]["follow_up_at_3_months"]["count"].is_null());
}
