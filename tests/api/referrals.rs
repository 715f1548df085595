//! Referrals between organisations over HTTP: who sees what, the steps, and the referrer's alerts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    the_receiving_side_sees_only_the_scope_and_loses_sight_when_declined_or_withdrawn,
    a_referral_takes_only_its_machines_steps_each_from_its_own_side,
    the_referrer_hears_when_a_referral_waits_a_week_and_when_it_ends,
    a_referral_is_checked_whole_and_stores_nothing_when_refused,
    referral_outcomes_count_first_meetings_and_give_no_one_away,
];

fn tokyo(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo.with_ymd_and_hms(y, m, d, hour, 0, 0).unwrap().with_timezone(&Utc)
}

/// A facility with a resident (and a scheduled release, a bail and a lapse on record), a
/// clinic the resident may be referred to, and a stranger organisation.
struct Case {
    facility: String,
    clinic: String,
    person: String,
    referrer: String,
    referrer_id: String,
    receiver: String,
    stranger: String,
}

async fn case(app: &TestApp) -> Case {
    let facility = app.create_organization("rehab_facility").await;
    let clinic = app.create_organization("medical").await;
    let elsewhere = app.create_organization("rehab_facility").await;
    let staff = |org: &str, name: &str| json!({"role": "staff", "display_name": name, "organization_id": org});
    let referrer_id = app.create_party(staff(&facility, "Sato")).await;
    let receiver = app.create_party(staff(&clinic, "Kato")).await;
    let stranger = app.create_party(staff(&elsewhere, "Mori")).await;
    let referrer = app.token("staff", &referrer_id);
    let person = id_of(&app.post("/persons", &referrer, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let today = app.today();
    for body in [
        json!({"kind": "release", "scheduled_on": today + Duration::days(30), "release_type": "parole", "supervision_ends_on": today + Duration::days(200)}),
        json!({"kind": "bail", "requested_on": today}),
    ] {
        let created = app.post(&format!("/persons/{person}/milestones"), &referrer, &body).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let lapse = app.post(&format!("/persons/{person}/lapses"), &referrer, &json!({"on": today})).await;
    assert_eq!(lapse.status(), StatusCode::CREATED);
    Case {
        facility,
        clinic,
        person,
        referrer,
        referrer_id,
        receiver: app.token("staff", &receiver),
        stranger: app.token("staff", &stranger),
    }
}

async fn refer(app: &TestApp, c: &Case, to: &str, scope: Value) -> Value {
    let body = json!({
        "person_id": c.person,
        "to_organization_id": to,
        "reason": "二重診断の外来につなぎたい",
        "scope": scope,
        "basis": {"kind": "written", "reference": "同意書 R-12", "on": app.today()},
    });
    let created = app.post("/referrals", &c.referrer, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json().await.unwrap()
}

async fn step(app: &TestApp, token: &str, referral: &str, body: Value) -> reqwest::Response {
    app.post(&format!("/referrals/{referral}/events"), token, &body).await
}

async fn provisions_to_clinic(app: &TestApp, c: &Case) -> i64 {
    app.count_where("provision_records", &format!("channel = 'referral' AND recipient = 'organization:{}'", c.clinic))
        .await
}

async fn the_receiving_side_sees_only_the_scope_and_loses_sight_when_declined_or_withdrawn(app: TestApp) {
    let c = case(&app).await;
    let person_path = format!("/persons/{}", c.person);
    assert_problem(app.get(&person_path, &c.receiver).await, StatusCode::NOT_FOUND).await;

    let referral = refer(&app, &c, &c.clinic, json!(["release"])).await;
    let id = id_of(&referral);
    assert_eq!(referral["state"], "requested");
    assert_eq!(referral["from_organization_id"], c.facility.as_str());
    assert_eq!(referral["events"][0]["event"], "refer");
    assert_eq!(provisions_to_clinic(&app, &c).await, 0, "nothing provided before the clinic looks");

    // The clinic sees the name and the release, nothing else.
    let person: Value = app.get(&person_path, &c.receiver).await.json().await.unwrap();
    assert_eq!(person["display_name"], "Taro");
    let milestones: Value = app.get(&format!("{person_path}/milestones"), &c.receiver).await.json().await.unwrap();
    let kinds: Vec<&str> =
        milestones["items"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["release"]);
    assert_problem(app.get(&format!("{person_path}/lapses"), &c.receiver).await, StatusCode::NOT_FOUND).await;
    assert_problem(app.get(&format!("{person_path}/links"), &c.receiver).await, StatusCode::FORBIDDEN).await;
    let change = app.patch(&person_path, &c.receiver, &json!({"display_name": "X"})).await;
    assert_problem(change, StatusCode::FORBIDDEN).await;
    assert_eq!(provisions_to_clinic(&app, &c).await, 1, "the first sight is a provision");
    let incoming: Value = app.get("/referrals?direction=incoming", &c.receiver).await.json().await.unwrap();
    assert_eq!(incoming["items"][0]["person_display_name"], "Taro");
    assert_eq!(incoming["items"][0]["scope"], json!(["release"]));
    let read: Value = app.get(&format!("/referrals/{id}"), &c.receiver).await.json().await.unwrap();
    assert_eq!(read["reason"], "二重診断の外来につなぎたい");
    assert_eq!(provisions_to_clinic(&app, &c).await, 1, "recorded once, however often they look");

    // Another organisation's staff see neither the referral nor the person.
    assert_problem(app.get(&format!("/referrals/{id}"), &c.stranger).await, StatusCode::NOT_FOUND).await;
    let accept = step(&app, &c.stranger, &id, json!({"event": "accept", "on": app.today()})).await;
    assert_problem(accept, StatusCode::NOT_FOUND).await;
    let theirs: Value = app.get("/referrals?direction=incoming", &c.stranger).await.json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    assert_problem(
        app.get(&format!("/referrals?direction=incoming&organization_id={}", c.clinic), &c.stranger).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(app.get(&person_path, &c.stranger).await, StatusCode::NOT_FOUND).await;

    // Declined: the clinic loses sight of the person, and keeps only the referral's bare record.
    let unsaid = step(&app, &c.receiver, &id, json!({"event": "decline", "on": app.today()})).await;
    assert_eq!(refused_fields(&assert_problem(unsaid, StatusCode::UNPROCESSABLE_ENTITY).await), ["note"]);
    let declined = step(&app, &c.receiver, &id, json!({"event": "decline", "on": app.today(), "note": "満床"})).await;
    assert_eq!(declined.status(), StatusCode::OK);
    let declined: Value = declined.json().await.unwrap();
    assert_eq!(declined["state"], "declined");
    assert!(declined.get("person_display_name").is_none());
    assert_problem(app.get(&person_path, &c.receiver).await, StatusCode::NOT_FOUND).await;
    let after: Value = app.get("/referrals?direction=incoming", &c.receiver).await.json().await.unwrap();
    assert!(after["items"][0].get("person_display_name").is_none());
    let outgoing: Value = app.get("/referrals?direction=outgoing", &c.referrer).await.json().await.unwrap();
    assert_eq!(outgoing["items"][0]["state"], "declined");
    assert_eq!(outgoing["items"][0]["person_display_name"], "Taro");

    // Referred again, then withdrawn by the facility: sight comes and goes with it.
    let again = id_of(&refer(&app, &c, &c.clinic, json!(["release", "bail"])).await);
    assert_eq!(app.get(&person_path, &c.receiver).await.status(), StatusCode::OK);
    assert_eq!(provisions_to_clinic(&app, &c).await, 2, "a new referral is a new provision");
    let withdrawn = step(&app, &c.referrer, &again, json!({"event": "withdraw", "on": app.today()})).await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    assert_problem(app.get(&person_path, &c.receiver).await, StatusCode::NOT_FOUND).await;
}

async fn a_referral_takes_only_its_machines_steps_each_from_its_own_side(app: TestApp) {
    let c = case(&app).await;
    let id = id_of(&refer(&app, &c, &c.clinic, json!(["release"])).await);
    let today = app.today();
    let early = step(&app, &c.receiver, &id, json!({"event": "connect", "on": today})).await;
    let problem = assert_problem(early, StatusCode::CONFLICT).await;
    assert_eq!(problem["state"], "requested");
    assert_eq!(problem["accepted_events"], json!(["accept", "decline", "waitlist", "withdraw"]));
    let not_theirs = step(&app, &c.receiver, &id, json!({"event": "withdraw", "on": today})).await;
    assert_problem(not_theirs, StatusCode::FORBIDDEN).await;
    let not_ours = step(&app, &c.referrer, &id, json!({"event": "accept", "on": today})).await;
    assert_problem(not_ours, StatusCode::FORBIDDEN).await;
    let future = step(&app, &c.receiver, &id, json!({"event": "accept", "on": today + Duration::days(1)})).await;
    assert_eq!(refused_fields(&assert_problem(future, StatusCode::UNPROCESSABLE_ENTITY).await), ["on"]);
    let stray = step(&app, &c.receiver, &id, json!({"event": "waitlist", "on": today, "follow": "placement"})).await;
    assert_eq!(refused_fields(&assert_problem(stray, StatusCode::UNPROCESSABLE_ENTITY).await), ["follow"]);
    assert_eq!(app.count_where("referral_events", "event <> 'refer'").await, 0, "refused steps store nothing");

    // Accepted with a placement: the clinic now cares for the person as its resident.
    let accepted = step(&app, &c.receiver, &id, json!({"event": "accept", "on": today, "follow": "placement"})).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let links = app.get(&format!("/persons/{}/links", c.person), &c.receiver).await;
    assert_eq!(links.status(), StatusCode::OK, "placed at the clinic: a facility of the person now");
    let connected = step(&app, &c.receiver, &id, json!({"event": "connect", "on": today})).await;
    let connected: Value = connected.json().await.unwrap();
    assert_eq!(connected["state"], "connected");
    let events: Vec<(&str, &str)> = connected["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["actor_role"].as_str().unwrap()))
        .collect();
    assert_eq!(events, [("refer", "staff"), ("accept", "staff"), ("connect", "staff")]);
    assert_eq!(connected["accepted_events"], json!([]));
    let over = step(&app, &c.referrer, &id, json!({"event": "withdraw", "on": today})).await;
    assert_eq!(assert_problem(over, StatusCode::CONFLICT).await["accepted_events"], json!([]));
    // The person sees and may withdraw their own referrals: here, one already ended.
    let (_, account) = person_account(&app, &c).await;
    let mine: Value = app.get(&format!("/referrals/{id}"), &account).await.json().await.unwrap();
    assert_eq!(mine["state"], "connected");
}

/// The person's own account.
async fn person_account(app: &TestApp, c: &Case) -> (String, String) {
    let party = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": c.person})).await;
    let token = app.token("person", &party);
    (party, token)
}

async fn inbox(app: &TestApp, token: &str) -> Vec<String> {
    let page: Value = app.get("/me/alerts?limit=200", token).await.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|a| a["rule"].as_str().unwrap().to_owned()).collect()
}

async fn the_referrer_hears_when_a_referral_waits_a_week_and_when_it_ends(app: TestApp) {
    app.clock.set(tokyo(2026, 3, 2, 10));
    let c = case(&app).await;
    let waiting = id_of(&refer(&app, &c, &c.clinic, json!(["release"])).await);
    let other = app.create_organization("consultation_window").await;
    let answered = id_of(&refer(&app, &c, &other, json!(["release"])).await);
    let window = app.create_party(json!({"role": "staff", "display_name": "Ono", "organization_id": other})).await;
    let window = app.token("staff", &window);
    app.clock.set(tokyo(2026, 3, 4, 10));
    let listed = step(&app, &window, &answered, json!({"event": "waitlist", "on": "2026-03-04"})).await;
    assert_eq!(listed.status(), StatusCode::OK);

    app.clock.set(tokyo(2026, 3, 9, 8));
    tick(&app.state).await.unwrap();
    assert!(!inbox(&app, &c.referrer).await.contains(&"referral_waiting".to_owned()), "not before 09:00 on day 7");
    app.clock.set(tokyo(2026, 3, 9, 9));
    tick(&app.state).await.unwrap();
    let told = inbox(&app, &c.referrer).await;
    assert_eq!(told.iter().filter(|rule| *rule == "referral_waiting").count(), 1, "only the unanswered one: {told:?}");
    let alerts: Value = app.get("/me/alerts?limit=200", &c.referrer).await.json().await.unwrap();
    let alert = alerts["items"].as_array().unwrap().iter().find(|a| a["rule"] == "referral_waiting").unwrap();
    assert_eq!(alert["referral_id"], waiting.as_str());
    assert!(inbox(&app, &c.receiver).await.is_empty(), "the clinic is not told of the referrer's wait");

    // The person withdraws the waitlisted one: the referrer hears it ended.
    let (_, account) = person_account(&app, &c).await;
    let withdrawn = step(&app, &account, &answered, json!({"event": "withdraw", "on": "2026-03-09"})).await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    tick(&app.state).await.unwrap();
    let told = inbox(&app, &c.referrer).await;
    assert_eq!(told.iter().filter(|rule| *rule == "referral_ended").count(), 1, "{told:?}");
    // Withdrawing one's own referral tells no one.
    let own = step(&app, &c.referrer, &waiting, json!({"event": "withdraw", "on": "2026-03-09"})).await;
    assert_eq!(own.status(), StatusCode::OK);
    tick(&app.state).await.unwrap();
    assert_eq!(inbox(&app, &c.referrer).await.iter().filter(|rule| *rule == "referral_ended").count(), 1);
    let _ = &c.referrer_id;
}

async fn a_referral_is_checked_whole_and_stores_nothing_when_refused(app: TestApp) {
    let c = case(&app).await;
    let today = app.today();
    let body = |to: &str, reason: &str, scope: Value, reference: &str| {
        json!({
            "person_id": c.person, "to_organization_id": to, "reason": reason, "scope": scope,
            "basis": {"kind": "in_person", "reference": reference, "on": today},
        })
    };
    let own = app.post("/referrals", &c.referrer, &body(&c.facility, "理由", json!(["release"]), "面談")).await;
    assert_eq!(refused_fields(&assert_problem(own, StatusCode::UNPROCESSABLE_ENTITY).await), ["to_organization_id"]);
    let all_wrong = app.post("/referrals", &c.referrer, &body(&c.clinic, "  ", json!([]), "")).await;
    let mut fields = refused_fields(&assert_problem(all_wrong, StatusCode::UNPROCESSABLE_ENTITY).await);
    fields.sort();
    assert_eq!(fields, ["basis.reference", "reason", "scope"]);
    let nowhere = app
        .post("/referrals", &c.referrer, &body(&uuid::Uuid::new_v4().to_string(), "理由", json!(["release"]), "面談"))
        .await;
    assert_eq!(
        refused_fields(&assert_problem(nowhere, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["to_organization_id"]
    );
    // Someone who may not refer this person: 404 for a stranger, 403 for the family.
    let stranger = app.post("/referrals", &c.stranger, &body(&c.clinic, "理由", json!(["release"]), "面談")).await;
    assert_problem(stranger, StatusCode::NOT_FOUND).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let link = json!({"party_id": family, "relationship": "family"});
    assert_eq!(
        app.post(&format!("/persons/{}/links", c.person), &c.referrer, &link).await.status(),
        StatusCode::CREATED
    );
    let family = app.token("family", &family);
    let by_family = app.post("/referrals", &family, &body(&c.clinic, "理由", json!(["release"]), "面談")).await;
    assert_problem(by_family, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("referrals").await, 0);
    assert_eq!(app.count_where("alerts", "rule = 'referral_waiting'").await, 0);
    // Once open, a second referral to the same place is a conflict.
    refer(&app, &c, &c.clinic, json!(["release"])).await;
    let twice = app.post("/referrals", &c.referrer, &body(&c.clinic, "理由", json!(["release"]), "面談")).await;
    assert_problem(twice, StatusCode::CONFLICT).await;
    assert_eq!(app.count("referrals").await, 1);
}

/// Seven residents referred on 1 April, six accepted on 2 April; four meet on 10 April, one
/// misses a meeting on 8 April and meets on 15 April (arranged again: no failure), one only on
/// 20 May. Another facility refers two. The referring facility's figures count the referrals,
/// the acceptances and the five first meetings within 30 days; the median days from referral
/// to the first meeting (9, 9, 9, 9, 14, 49) is 9; two referrals are too few to publish.
async fn referral_outcomes_count_first_meetings_and_give_no_one_away(app: TestApp) {
    app.clock.set(tokyo(2026, 4, 1, 10));
    let facility = app.create_organization("rehab_facility").await;
    let small = app.create_organization("rehab_facility").await;
    let clinic = app.create_organization("medical").await;
    let staff = |org: &str| json!({"role": "staff", "display_name": "S", "organization_id": org});
    let referrer = app.token("staff", &app.create_party(staff(&facility)).await);
    let few = app.token("staff", &app.create_party(staff(&small)).await);
    let receiver = app.token("staff", &app.create_party(staff(&clinic)).await);
    let refer = |token: String, n: usize| {
        let app = &app;
        let clinic = clinic.clone();
        async move {
            let mut ids = Vec::new();
            for i in 0..n {
                let person = json!({"display_name": format!("P{i}")});
                let person = id_of(&app.post("/persons", &token, &person).await.json().await.unwrap());
                let body = json!({
                    "person_id": person, "to_organization_id": clinic, "reason": "つなぐ", "scope": ["release"],
                    "basis": {"kind": "written", "reference": "同意書", "on": "2026-04-01"},
                });
                let created = app.post("/referrals", &token, &body).await;
                assert_eq!(created.status(), StatusCode::CREATED);
                ids.push((person, id_of(&created.json().await.unwrap())));
            }
            ids
        }
    };
    let referred = refer(referrer.clone(), 7).await;
    refer(few.clone(), 2).await;
    app.clock.set(tokyo(2026, 4, 2, 10));
    for (_, id) in &referred[..6] {
        let accepted = step(&app, &receiver, id, json!({"event": "accept", "on": "2026-04-02"})).await;
        assert_eq!(accepted.status(), StatusCode::OK);
    }
    app.clock.set(tokyo(2026, 4, 10, 10));
    for (_, id) in &referred[..4] {
        assert_eq!(
            step(&app, &receiver, id, json!({"event": "connect", "on": "2026-04-10"})).await.status(),
            StatusCode::OK
        );
    }
    // The fifth: a meeting missed on 8 April, arranged again, held on 15 April.
    let (person, referral) = &referred[4];
    let body = json!({"kind": "handoff", "proposed_on": "2026-04-02", "referral_id": referral});
    let handoff = app.post(&format!("/persons/{person}/milestones"), &receiver, &body).await;
    let handoff = id_of(&handoff.json().await.unwrap());
    for (event, day) in [
        (json!({"event": "arrange", "on": "2026-04-02", "meeting_on": "2026-04-08"}), 10),
        (json!({"event": "miss", "on": "2026-04-08"}), 10),
        (json!({"event": "arrange", "on": "2026-04-09", "meeting_on": "2026-04-15"}), 10),
        (json!({"event": "hold", "on": "2026-04-15"}), 15),
    ] {
        app.clock.set(tokyo(2026, 4, day, 18));
        let recorded = app.post(&format!("/milestones/{handoff}/events"), &receiver, &event).await;
        assert_eq!(recorded.status(), StatusCode::CREATED, "{event}");
    }
    app.clock.set(tokyo(2026, 5, 20, 10));
    let late = step(&app, &receiver, &referred[5].1, json!({"event": "connect", "on": "2026-05-20"})).await;
    assert_eq!(late.status(), StatusCode::OK);
    app.clock.set(tokyo(2026, 7, 2, 10));
    tick(&app.state).await.unwrap();

    let report: Value =
        app.get(&format!("/organizations/{facility}/outcomes?period=FY2026-Q1"), &referrer).await.json().await.unwrap();
    let figure =
        |name: &str| (report["measures"][name]["count"].as_i64(), report["measures"][name]["suppressed"].clone());
    assert_eq!(figure("referrals_made"), (Some(7), json!(false)), "{report}");
    assert_eq!(figure("referrals_accepted"), (Some(6), json!(false)));
    assert_eq!(figure("referrals_connected_within_30_days"), (Some(5), json!(false)));
    assert_eq!(figure("median_days_to_first_meeting"), (Some(9), json!(false)));
    let few_report: Value =
        app.get(&format!("/organizations/{small}/outcomes?period=FY2026-Q1"), &few).await.json().await.unwrap();
    assert_eq!(few_report["measures"]["referrals_made"]["suppressed"], true, "{few_report}");
    assert!(few_report["measures"]["referrals_made"]["count"].is_null());
}
