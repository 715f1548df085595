//! What the e-mail and SMS tests share: an app that can send both, a resident with a family
//! member and a lawyer, and confirming an address as its owner would.

use chrono::{DateTime, Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::{
    config::Config,
    outbox::{EmailSettings, SmsSettings},
    scheduler::tick,
};

use crate::{
    helpers::{id_of, spawn_app_configured, TestApp},
    reach_support::{Gateway, MailServer, AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, SID},
};

pub fn configure(config: &mut Config, mail: &MailServer, gateway: &Gateway) {
    config.public_url = Some(PUBLIC_URL.to_owned());
    let smtp = format!("smtp://127.0.0.1:{}", mail.port);
    config.email = Some(EmailSettings::parse(&smtp, "Tsunagu <alerts@tsunagu.test>").expect("mail settings"));
    config.sms = Some(SmsSettings::parse(&gateway.url, SID, AUTH_TOKEN, FROM_NUMBER).expect("gateway settings"));
}

/// The same database, served by an app that can send e-mail and texts.
pub async fn reaching(app: &TestApp, mail: &MailServer, gateway: &Gateway) -> TestApp {
    let reaching = spawn_app_configured(&app.database_url, |config| configure(config, mail, gateway)).await;
    reaching.clock.set(tokyo(2026, 3, 2, 9));
    app.clock.set(tokyo(2026, 3, 2, 9));
    reaching
}

pub fn tokyo(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo.with_ymd_and_hms(y, m, d, hour, 0, 0).unwrap().with_timezone(&Utc)
}

#[derive(Clone)]
pub struct Case {
    pub org: String,
    pub staff: String,
    pub person: String,
    pub family: String,
    pub lawyer: String,
}

pub async fn resident(app: &TestApp, family_body: Value) -> Case {
    let org = app.create("/organizations", json!({"kind": "rehab_facility", "name": "Hikari House"})).await;
    let org = id_of(&org);
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let family = app.create_party(family_body).await;
    let lawyer = app.create_party(json!({"role": "lawyer", "display_name": "Counsel", "language": "en"})).await;
    for (party, relationship) in [(&family, "family"), (&lawyer, "lawyer")] {
        let body = json!({"party_id": party, "relationship": relationship});
        let created = app.post(&format!("/persons/{person}/links"), &staff, &body).await;
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    Case { org, staff, person, family, lawyer }
}

pub async fn release_today(app: &TestApp, c: &Case) {
    let today = app.today().to_string();
    let body = json!({"kind": "release", "scheduled_on": today, "release_type": "full_term"});
    let release =
        id_of(&app.post(&format!("/persons/{}/milestones", c.person), &c.staff, &body).await.json().await.unwrap());
    let event = json!({"event": "release", "on": today});
    assert_eq!(
        app.post(&format!("/milestones/{release}/events"), &c.staff, &event).await.status(),
        StatusCode::CREATED
    );
}

/// A judgment in three days: the lawyer's week before it has begun.
pub async fn judgment_soon(app: &TestApp, c: &Case) {
    let judgment = (app.today() + Duration::days(3)).to_string();
    let body = json!({"kind": "bail", "requested_on": app.today(), "judgment_on": judgment});
    assert_eq!(
        app.post(&format!("/persons/{}/milestones", c.person), &c.staff, &body).await.status(),
        StatusCode::CREATED
    );
    let every_text = json!({"sms": "all"});
    let changed = app.patch(&format!("/parties/{}/preferences", c.lawyer), &app.admin(), &every_text).await;
    assert_eq!(changed.status(), StatusCode::OK);
}

pub fn link_in(text: &str, prefix: &str) -> String {
    let start = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {text}"));
    text[start..].split_whitespace().next().unwrap().to_owned()
}

/// Opens the link as the person would: the page, then its button.
pub async fn press_confirm(app: &TestApp, public_link: &str) {
    let local = public_link.replace(PUBLIC_URL, &app.address);
    let page = app.client.get(&local).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""), "the page shows a button");
    let pressed = app.client.post(&local).send().await.unwrap();
    assert_eq!(pressed.status(), StatusCode::OK);
}

pub async fn contacts(app: &TestApp, party: &str) -> Vec<Value> {
    let list: Value = app.get(&format!("/parties/{party}/contacts"), &app.admin()).await.json().await.unwrap();
    list["items"].as_array().unwrap().clone()
}

pub async fn confirmed_number(app: &TestApp, gateway: &Gateway, party: &str, number: &str) {
    let body = json!({"channel": "sms", "address": number});
    assert_eq!(
        app.post(&format!("/parties/{party}/contacts"), &app.admin(), &body).await.status(),
        StatusCode::CREATED
    );
    tick(&app.state).await.unwrap();
    let texts = gateway.sent_to(number);
    press_confirm(app, &link_in(&texts.last().unwrap().body, &format!("{PUBLIC_URL}/contacts/confirm/"))).await;
}
