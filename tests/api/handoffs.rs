//! Hand-off meetings (顔合わせ) over HTTP, and the "not yet connected" warning before a release.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_release_with_no_meeting_warns_the_team_and_the_referrer_and_arranging_one_cancels_it,
    the_receiving_side_arranges_and_holds_its_meeting_and_a_miss_is_arranged_again,
];

/// A person placed at a facility, linked to a probation officer (who refers them to a DARC)
/// and to a family member.
struct Case {
    facility: String,
    darc: String,
    person: String,
    staff: String,
    probation: String,
    darc_staff: String,
    family: String,
    referral: String,
}

async fn case(app: &TestApp) -> Case {
    let facility = app.create_organization("rehab_facility").await;
    let office = app.create_organization("probation_office").await;
    let darc = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let officer =
        app.create_party(json!({"role": "probation", "display_name": "Ito", "organization_id": office})).await;
    let darc_staff = app.create_party(json!({"role": "staff", "display_name": "Kudo", "organization_id": darc})).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let staff = app.token("staff", &staff);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    for (party, relationship) in [(&officer, "probation_officer"), (&family, "family")] {
        let link = json!({"party_id": party, "relationship": relationship});
        let created = app.post(&format!("/persons/{person}/links"), &staff, &link).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let probation = app.token("probation", &officer);
    let body = json!({
        "person_id": person, "to_organization_id": darc, "reason": "出所後の居場所として",
        "scope": ["release"], "basis": {"kind": "written", "reference": "同意書 P-3", "on": app.today()},
    });
    let referred = app.post("/referrals", &probation, &body).await;
    assert_eq!(referred.status(), StatusCode::CREATED);
    Case {
        facility,
        darc,
        person,
        staff,
        probation,
        darc_staff: app.token("staff", &darc_staff),
        family: app.token("family", &family),
        referral: id_of(&referred.json().await.unwrap()),
    }
}

async fn rules(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let page: Value = app.get(path, token).await.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|a| a["rule"].as_str().unwrap().to_owned()).collect()
}

fn count(rules: &[String], rule: &str) -> usize {
    rules.iter().filter(|r| *r == rule).count()
}

async fn milestone(app: &TestApp, c: &Case, token: &str, body: Value) -> String {
    let created = app.post(&format!("/persons/{}/milestones", c.person), token, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED, "{body}");
    id_of(&created.json().await.unwrap())
}

async fn event(app: &TestApp, token: &str, milestone: &str, body: Value) -> reqwest::Response {
    app.post(&format!("/milestones/{milestone}/events"), token, &body).await
}

async fn a_release_with_no_meeting_warns_the_team_and_the_referrer_and_arranging_one_cancels_it(app: TestApp) {
    let c = case(&app).await;
    let today = app.today();
    let release = milestone(
        &app,
        &c,
        &c.staff,
        json!({"kind": "release", "scheduled_on": today + Duration::days(20), "release_type": "full_term"}),
    )
    .await;
    tick(&app.state).await.unwrap();
    let pending = "rule = 'not_yet_connected' AND status = 'pending'";
    assert_eq!(app.count_where("alerts", pending).await, 2, "the facility's team and the referrer, due in 6 days");
    let risk: Value = app.get(&format!("/persons/{}/risk-periods", c.person), &c.staff).await.json().await.unwrap();
    let warned = risk["items"].as_array().unwrap().iter().find(|p| p["rule"] == "not_yet_connected").cloned();
    assert_eq!(warned.map(|p| p["starts_on"].clone()), Some(json!(today + Duration::days(6))));

    // The DARC arranges the meeting before the release: the pending warnings are cancelled.
    let body =
        json!({"kind": "handoff", "proposed_on": today, "referral_id": c.referral, "before_milestone_id": release});
    let handoff = milestone(&app, &c, &c.darc_staff, body).await;
    let arrange = json!({"event": "arrange", "on": today, "meeting_on": today + Duration::days(18), "meeting_at": "14:00", "place": "面会室", "met_by": "ピアスタッフ 田中"});
    let arranged = event(&app, &c.darc_staff, &handoff, arrange).await;
    assert_eq!(arranged.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    assert_eq!(app.count_where("alerts", pending).await, 0);
    assert_eq!(app.count_where("alerts", "rule = 'not_yet_connected' AND status = 'cancelled'").await, 2);

    // The person declines it; ten days before the release the team and the referrer are told,
    // and the family is not.
    let declined = event(&app, &c.staff, &handoff, json!({"event": "decline", "on": today})).await;
    assert_eq!(declined.status(), StatusCode::CREATED);
    app.clock.advance(Duration::days(10));
    tick(&app.state).await.unwrap();
    let team = rules(&app, &format!("/organizations/{}/alerts", c.facility), &c.staff).await;
    assert_eq!(count(&team, "not_yet_connected"), 1, "{team:?}");
    let referrer = rules(&app, "/me/alerts?limit=200", &c.probation).await;
    assert_eq!(count(&referrer, "not_yet_connected"), 1, "{referrer:?}");
    assert_eq!(count(&rules(&app, "/me/alerts?limit=200", &c.family).await, "not_yet_connected"), 0);
    let _ = &c.darc;
}

async fn the_receiving_side_arranges_and_holds_its_meeting_and_a_miss_is_arranged_again(app: TestApp) {
    // A working morning in Tokyo: the alert after a miss is told at 09:00, whatever the hour
    // the suite runs at.
    app.clock.set(crate::reach_case::tokyo(2026, 3, 2, 10));
    let c = case(&app).await;
    let today = app.today();
    let body = json!({"kind": "handoff", "proposed_on": today, "referral_id": c.referral});
    // Before the referral lets it, no one else may record a hand-off; the DARC may, and only that.
    let stranger = app.create_organization("rehab_facility").await;
    let stranger = app.create_party(json!({"role": "staff", "display_name": "X", "organization_id": stranger})).await;
    let stranger = app.token("staff", &stranger);
    let refused = app.post(&format!("/persons/{}/milestones", c.person), &stranger, &body).await;
    assert_problem(refused, StatusCode::NOT_FOUND).await;
    let release = json!({"kind": "release", "scheduled_on": today + Duration::days(20)});
    let not_theirs = app.post(&format!("/persons/{}/milestones", c.person), &c.darc_staff, &release).await;
    assert_problem(not_theirs, StatusCode::FORBIDDEN).await;
    let foreign = json!({"kind": "handoff", "proposed_on": today, "referral_id": uuid::Uuid::new_v4()});
    let foreign = app.post(&format!("/persons/{}/milestones", c.person), &c.darc_staff, &foreign).await;
    assert_eq!(refused_fields(&assert_problem(foreign, StatusCode::UNPROCESSABLE_ENTITY).await), ["referral_id"]);

    let handoff = milestone(&app, &c, &c.darc_staff, body).await;
    let accept = json!({"event": "accept", "on": today});
    let accepted = app.post(&format!("/referrals/{}/events", c.referral), &c.darc_staff, &accept).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let no_day = event(&app, &c.darc_staff, &handoff, json!({"event": "arrange", "on": today})).await;
    assert_eq!(refused_fields(&assert_problem(no_day, StatusCode::UNPROCESSABLE_ENTITY).await), ["meeting_on"]);
    let bad_time =
        json!({"event": "arrange", "on": today, "meeting_on": today + Duration::days(2), "meeting_at": "25:00"});
    let bad_time = event(&app, &c.darc_staff, &handoff, bad_time).await;
    assert_eq!(refused_fields(&assert_problem(bad_time, StatusCode::UNPROCESSABLE_ENTITY).await), ["meeting_at"]);
    let early = event(&app, &c.darc_staff, &handoff, json!({"event": "hold", "on": today})).await;
    let problem = assert_problem(early, StatusCode::CONFLICT).await;
    assert_eq!(problem["accepted_events"], json!(["arrange", "decline"]));

    let meeting_on = today + Duration::days(2);
    let arrange = json!({"event": "arrange", "on": today, "meeting_on": meeting_on, "meeting_at": "10:30", "place": "ダルク", "met_by": "ピア 田中"});
    assert_eq!(event(&app, &c.darc_staff, &handoff, arrange).await.status(), StatusCode::CREATED);
    // It is in what is coming, for staff and for the consenting family (no meeting place for them).
    let upcoming: Value = app.get(&format!("/persons/{}/upcoming", c.person), &c.family).await.json().await.unwrap();
    let items = upcoming["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["label"] == "meeting_on" && i["on"] == json!(meeting_on)), "{upcoming}");
    let held_early = event(&app, &c.darc_staff, &handoff, json!({"event": "hold", "on": today})).await;
    assert_eq!(refused_fields(&assert_problem(held_early, StatusCode::UNPROCESSABLE_ENTITY).await), ["on"]);

    app.clock.advance(Duration::days(2));
    let missed = event(&app, &c.darc_staff, &handoff, json!({"event": "miss", "on": meeting_on})).await;
    assert_eq!(missed.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    // The week after a miss is high for the receiving side and the referrer.
    let referrer = rules(&app, "/me/alerts?limit=200", &c.probation).await;
    assert_eq!(count(&referrer, "after_missed_meeting"), 1, "{referrer:?}");
    let again = json!({"event": "arrange", "on": meeting_on, "meeting_on": meeting_on + Duration::days(3)});
    let again = event(&app, &c.darc_staff, &handoff, again).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    app.clock.advance(Duration::days(3));
    let held =
        event(&app, &c.darc_staff, &handoff, json!({"event": "hold", "on": meeting_on + Duration::days(3)})).await;
    let held: Value = held.json().await.unwrap();
    assert_eq!(held["milestone"]["state"], "held");
    let history: Value = app.get(&format!("/milestones/{handoff}/events"), &c.staff).await.json().await.unwrap();
    let steps: Vec<&str> = history["items"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(steps, ["create", "arrange", "miss", "arrange", "hold"]);
    // The meeting held is the first meeting: the referring side sees the person connected.
    let referral: Value = app.get(&format!("/referrals/{}", c.referral), &c.probation).await.json().await.unwrap();
    assert_eq!(referral["state"], "connected");
    assert_eq!(referral["events"].as_array().unwrap().last().unwrap()["on"], json!(meeting_on + Duration::days(3)));
}
