//! The facility hears as a team: one inbox for its staff, one acknowledgement for all,
//! snoozes that come back, a contact log, and change notices for those who were told.

use std::collections::HashMap;

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    three_staff_and_no_links_hear_as_one_team,
    a_snoozed_team_alert_comes_back_on_its_day,
    staff_log_what_they_did_about_an_alert,
    those_told_hear_when_a_date_moves_later_or_is_no_longer_coming,
];

struct Team {
    org: String,
    staff: Vec<String>,
    person: String,
    other_staff: String,
}

async fn team(app: &TestApp) -> Team {
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let mut staff = Vec::new();
    for name in ["Sato", "Suzuki", "Takahashi"] {
        let party = app.create_party(json!({"role": "staff", "display_name": name, "organization_id": org})).await;
        staff.push(app.token("staff", &party));
    }
    let person = id_of(&app.post("/persons", &staff[0], &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let elsewhere = app.create_organization("rehab_facility").await;
    let other = app.create_party(json!({"role": "staff", "display_name": "Kato", "organization_id": elsewhere})).await;
    Team { org, staff, person, other_staff: app.token("staff", &other) }
}

async fn told(app: &TestApp, token: String) -> Vec<Value> {
    let page: Value = app.get("/me/alerts", &token).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn team_inbox(app: &TestApp, t: &Team, token: &str, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/organizations/{}/alerts{query}", t.org), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

async fn released_today(app: &TestApp, t: &Team) {
    let today = app.today().to_string();
    let body = json!({"kind": "release", "scheduled_on": today, "release_type": "full_term"});
    let release =
        id_of(&app.post(&format!("/persons/{}/milestones", t.person), &t.staff[0], &body).await.json().await.unwrap());
    let event = json!({"event": "release", "on": today});
    assert_eq!(
        app.post(&format!("/milestones/{release}/events"), &t.staff[0], &event).await.status(),
        StatusCode::CREATED
    );
}

async fn three_staff_and_no_links_hear_as_one_team(app: TestApp) {
    let t = team(&app).await;
    let hook = json!({"url": "http://127.0.0.1:9/hook"});
    assert_eq!(app.post("/webhooks", &t.staff[0], &hook).await.status(), StatusCode::CREATED);
    released_today(&app, &t).await;
    tick(&app.state).await.unwrap();
    let seen: Vec<Vec<Value>> = {
        let mut seen = Vec::new();
        for token in &t.staff {
            seen.push(team_inbox(&app, &t, token, "").await);
        }
        seen
    };
    assert!(!seen[0].is_empty(), "the facility hears of its resident's release without any link");
    assert!(seen.iter().all(|items| items == &seen[0]), "all three see the same team inbox");
    let critical = seen[0].iter().find(|a| a["severity"] == "critical").unwrap()["id"].as_str().unwrap().to_owned();
    for token in &t.staff {
        let mine: Value = app.get("/me/alerts", token).await.json().await.unwrap();
        assert_eq!(mine["items"], json!([]), "no team member gets the same alert twice");
    }

    // One acknowledges for all; the others see who and when; a second acknowledgement changes nothing.
    let acked = app.post(&format!("/alerts/{critical}/ack"), &t.staff[1], &json!({})).await;
    assert_eq!(acked.status(), StatusCode::OK);
    let by = acked.json::<Value>().await.unwrap()["acknowledged_by"].clone();
    assert!(by.is_string());
    app.post(&format!("/alerts/{critical}/ack"), &t.staff[2], &json!({})).await;
    for token in [&t.staff[0], &t.staff[2]] {
        let items = team_inbox(&app, &t, token, "?acknowledged=true").await;
        let seen = items.iter().find(|a| a["id"] == critical.as_str()).unwrap();
        assert_eq!((&seen["acknowledged_by"], seen["acknowledged_at"].is_string()), (&by, true));
    }

    // The facility's webhook carries each team alert once.
    let messages = tsunagu::entity::outbox_message::Entity::find().all(&app.outside).await.unwrap();
    let mut per_alert: HashMap<uuid::Uuid, usize> = HashMap::new();
    for message in &messages {
        *per_alert.entry(message.alert_id.expect("a webhook message names its alert")).or_default() += 1;
    }
    assert_eq!(per_alert.len(), seen[0].len(), "one message per team alert");
    let payload: Value = serde_json::from_str(&messages[0].payload).unwrap();
    assert_eq!(payload["data"]["team_organization_id"], t.org.as_str(), "the payload names the team: {payload}");
    assert!(per_alert.values().all(|count| *count == 1));

    // Another facility learns nothing, not even that the alert exists.
    assert_problem(app.get(&format!("/organizations/{}/alerts", t.org), &t.other_staff).await, StatusCode::NOT_FOUND)
        .await;
    let tomorrow = app.today().succ_opt().unwrap().to_string();
    for (action, body) in [
        ("ack", json!({})),
        ("contacts", json!({"outcome": "reached"})),
        ("snooze", json!({"until": tomorrow, "reason": "x"})),
    ] {
        let refused = app.post(&format!("/alerts/{critical}/{action}"), &t.other_staff, &body).await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{action}");
    }

    // Custody interrupts, and the placement (so the team's hearing) goes on.
    let custody = json!({"event": "start", "on": app.today().to_string()});
    assert_eq!(
        app.post(&format!("/persons/{}/custody", t.person), &t.staff[0], &custody).await.status(),
        StatusCode::CREATED
    );
    let lapse = json!({"on": app.today().to_string()});
    assert_eq!(
        app.post(&format!("/persons/{}/lapses", t.person), &t.staff[0], &lapse).await.status(),
        StatusCode::CREATED
    );
    tick(&app.state).await.unwrap();
    let after = team_inbox(&app, &t, &t.staff[0], "").await;
    assert!(after.iter().any(|a| a["rule"] == "after_lapse"), "the team keeps hearing through custody");
}

async fn a_snoozed_team_alert_comes_back_on_its_day(app: TestApp) {
    let t = team(&app).await;
    released_today(&app, &t).await;
    tick(&app.state).await.unwrap();
    let items = team_inbox(&app, &t, &t.staff[0], "").await;
    let alert = items.iter().find(|a| a["severity"] == "critical").unwrap()["id"].as_str().unwrap().to_owned();
    let too_long = json!({"until": (app.today() + Duration::days(15)).to_string(), "reason": "later"});
    let refused = app.post(&format!("/alerts/{alert}/snooze"), &t.staff[0], &too_long).await;
    assert_eq!(refused_fields(&assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await), ["until"]);
    let snooze =
        json!({"until": (app.today() + Duration::days(3)).to_string(), "reason": "family visiting; call Monday"});
    let snoozed = app.post(&format!("/alerts/{alert}/snooze"), &t.staff[0], &snooze).await;
    assert_eq!(snoozed.status(), StatusCode::OK);
    assert_eq!(snoozed.json::<Value>().await.unwrap()["snooze_reason"], "family visiting; call Monday");
    let ids = |items: Vec<Value>| items.iter().map(|a| a["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert!(!ids(team_inbox(&app, &t, &t.staff[1], "").await).contains(&alert), "hidden from the default list");
    assert!(ids(team_inbox(&app, &t, &t.staff[1], "?snoozed=true").await).contains(&alert));
    app.clock.advance(Duration::days(2));
    assert!(!ids(team_inbox(&app, &t, &t.staff[1], "").await).contains(&alert));
    // Snoozed, a critical alert still escalates when nobody acknowledges it.
    assert!(tick(&app.state).await.unwrap().escalated >= 1);
    let escalated = team_inbox(&app, &t, &t.staff[1], "").await;
    assert!(escalated.iter().any(|a| a["escalation"] == true && a["severity"] == "critical"), "{escalated:?}");
    app.clock.advance(Duration::days(1));
    assert!(ids(team_inbox(&app, &t, &t.staff[1], "").await).contains(&alert), "back by itself on its day");
}

async fn staff_log_what_they_did_about_an_alert(app: TestApp) {
    let t = team(&app).await;
    released_today(&app, &t).await;
    tick(&app.state).await.unwrap();
    let alert = team_inbox(&app, &t, &t.staff[0], "").await[0]["id"].as_str().unwrap().to_owned();
    let logged = app.post(&format!("/alerts/{alert}/contacts"), &t.staff[1], &json!({"outcome": "no_answer"})).await;
    assert_eq!(logged.status(), StatusCode::CREATED);
    let met = json!({"outcome": "met_in_person", "note": "met at the gate"});
    assert_eq!(app.post(&format!("/alerts/{alert}/contacts"), &t.staff[2], &met).await.status(), StatusCode::CREATED);
    let refused = app.post(&format!("/alerts/{alert}/contacts"), &t.staff[0], &json!({"outcome": "ignored"})).await;
    assert_eq!(refused_fields(&assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await), ["outcome"]);
    let items = team_inbox(&app, &t, &t.staff[0], "").await;
    let contacts = items.iter().find(|a| a["id"] == alert.as_str()).unwrap()["contacts"].as_array().unwrap().clone();
    let outcomes: Vec<&str> = contacts.iter().map(|c| c["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["no_answer", "met_in_person"]);
    assert_eq!(contacts[1]["note"], "met at the gate");
}

async fn those_told_hear_when_a_date_moves_later_or_is_no_longer_coming(app: TestApp) {
    let t = team(&app).await;
    let link = |party: &str, relationship: &str| json!({"party_id": party, "relationship": relationship});
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako", "language": "en"})).await;
    let revoked = app.create_party(json!({"role": "family", "display_name": "Ichiro"})).await;
    let supporter = app.create_party(json!({"role": "family", "display_name": "Mentor"})).await;
    let mut revoked_link = String::new();
    for (party, relationship) in [(&family, "family"), (&revoked, "family"), (&supporter, "supporter")] {
        let created = app.post(&format!("/persons/{}/links", t.person), &t.staff[0], &link(party, relationship)).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        if party == &revoked {
            revoked_link = id_of(&created.json().await.unwrap());
        }
    }
    let today = app.today();
    let mut bails = Vec::new();
    for hearing in [5, 6] {
        let body = json!({"kind": "bail", "requested_on": today.to_string(), "hearing_on": (today + Duration::days(hearing)).to_string()});
        bails.push(id_of(
            &app.post(&format!("/persons/{}/milestones", t.person), &t.staff[0], &body).await.json().await.unwrap(),
        ));
    }
    tick(&app.state).await.unwrap();
    assert!(
        told(&app, app.token("family", &family)).await.iter().any(|a| a["rule"] == "hearing"),
        "the family was told"
    );
    assert!(told(&app, app.token("family", &supporter)).await.is_empty(), "hearings lie outside a supporter's consent");
    assert_eq!(app.delete(&format!("/links/{revoked_link}"), &t.staff[0]).await.status(), StatusCode::NO_CONTENT);

    // One hearing moves later, the other bail is denied: its hearing is no longer coming.
    let moved = json!({"hearing_on": (today + Duration::days(20)).to_string()});
    assert_eq!(app.patch(&format!("/milestones/{}", bails[0]), &t.staff[0], &moved).await.status(), StatusCode::OK);
    let deny = json!({"event": "deny", "on": today.to_string()});
    assert_eq!(
        app.post(&format!("/milestones/{}/events", bails[1]), &t.staff[0], &deny).await.status(),
        StatusCode::CREATED
    );
    tick(&app.state).await.unwrap();

    let notices = |items: Vec<Value>| items.into_iter().filter(|a| a["notice"].is_string()).collect::<Vec<_>>();
    let for_family = notices(told(&app, app.token("family", &family)).await);
    let kinds: Vec<(&str, &str, Option<&str>)> = for_family
        .iter()
        .map(|n| (n["notice"].as_str().unwrap(), n["notice_old_on"].as_str().unwrap(), n["notice_new_on"].as_str()))
        .collect();
    let (five, six, twenty) = (
        (today + Duration::days(5)).to_string(),
        (today + Duration::days(6)).to_string(),
        (today + Duration::days(20)).to_string(),
    );
    assert!(kinds.contains(&("moved_later", five.as_str(), Some(twenty.as_str()))), "{kinds:?}");
    assert!(kinds.contains(&("no_longer_coming", six.as_str(), None)), "{kinds:?}");
    assert_eq!(kinds.len(), 2, "one notice per period told: {kinds:?}");
    assert!(
        for_family.iter().any(|n| n["title"].as_str().unwrap().starts_with("Date moved")),
        "in the family's English"
    );
    assert_eq!(notices(team_inbox(&app, &t, &t.staff[0], "").await).len(), 2, "the team, told too, hears too");
    assert!(notices(told(&app, app.token("family", &supporter)).await).is_empty(), "never told, so nothing to correct");
    assert!(told(&app, app.token("family", &revoked)).await.is_empty(), "a revoked link hears nothing");
}
