use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_family_subscribes_and_sees_what_is_coming,
    titles_are_discreet_unless_the_subscriber_chooses_detail,
    feed_urls_rotate_and_revoke,
    a_moved_date_raises_the_sequence
];

struct Family {
    person: String,
    staff: String,
    family: String,
    bail: String,
}

async fn family(app: &TestApp) -> Family {
    app.clock.set(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(
        &app.post("/persons", &staff, &json!({"display_name": "Taro; the \"eldest\", from Osaka — 長男"}))
            .await
            .json()
            .await
            .unwrap(),
    );
    let family_party = app.create_party(json!({"role": "family", "display_name": "Hanako", "language": "en"})).await;
    let link = json!({"party_id": family_party, "relationship": "family"});
    app.post(&format!("/persons/{person}/links"), &staff, &link).await;
    let bail = json!({"kind": "bail", "requested_on": "2026-01-05", "judgment_on": "2026-03-20"});
    let bail = id_of(&app.post(&format!("/persons/{person}/milestones"), &staff, &bail).await.json().await.unwrap());
    app.post(&format!("/persons/{person}/lapses"), &staff, &json!({"on": "2026-01-04"})).await;
    Family { person, staff, family: app.token("family", &family_party), bail }
}

async fn subscribe(app: &TestApp, token: &str) -> String {
    feed_path(&subscribe_with(app, token, "").await)
}

/// Creates (or replaces) the caller's feed with the given query and answers the created feed.
async fn subscribe_with(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app.post(&format!("/me/calendar-feed{query}"), token, &json!({})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

fn feed_path(feed: &Value) -> String {
    let url = feed["url"].as_str().unwrap();
    url.split_once("/feeds/").map(|(_, file)| format!("/feeds/{file}")).unwrap()
}

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.address)).send().await.unwrap()
}

fn parse(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut calendars = ical::IcalParser::new(text.as_bytes());
    let calendar = calendars.next().expect("one calendar").expect("a calendar the independent parser reads");
    assert!(calendars.next().is_none());
    calendar
}

fn property<'a>(event: &'a ical::parser::ical::component::IcalEvent, name: &str) -> Option<&'a str> {
    event.properties.iter().find(|p| p.name == name).and_then(|p| p.value.as_deref())
}

async fn a_family_subscribes_and_sees_what_is_coming(app: TestApp) {
    let f = family(&app).await;
    let path = subscribe(&app, &f.family).await;
    let secret = path.trim_start_matches("/feeds/").trim_end_matches(".ics");
    assert!(secret.len() >= 43, "at least 256 bits, base64url");
    let response = fetch(&app, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let text = response.text().await.unwrap();
    assert!(
        text.lines().count() > 5 && text.split("\r\n").all(|line| line.len() <= 75),
        "CRLF lines of at most 75 octets"
    );
    assert!(!text.replace("\r\n", "").contains('\n'), "no bare line feeds");
    let calendar = parse(&text);
    let summaries: Vec<&str> = calendar.events.iter().filter_map(|e| property(e, "SUMMARY")).collect();
    // Titles show on a lock screen: by default they say nothing about what, or whom, the day is for.
    assert!(summaries.len() >= 2 && summaries.iter().all(|s| *s == "Tsunagu: important day"), "{summaries:?}");
    let descriptions: Vec<&str> = calendar.events.iter().filter_map(|e| property(e, "DESCRIPTION")).collect();
    assert!(descriptions.iter().any(|s| s.contains("Judgment day")), "{descriptions:?}");
    assert!(descriptions.iter().any(|s| s.contains("The week before the judgment")), "{descriptions:?}");
    assert!(!text.contains("lapse") && !text.contains("relapse"), "no lapse without consent");
    assert_eq!(
        calendar.properties.iter().find(|p| p.name == "X-WR-CALNAME").and_then(|p| p.value.as_deref()),
        Some("Tsunagu")
    );

    let judgment_week = calendar
        .events
        .iter()
        .find(|e| property(e, "DESCRIPTION").unwrap().contains("week before the judgment"))
        .unwrap();
    assert_eq!(property(judgment_week, "DTSTART"), Some("20260313"));
    assert_eq!(property(judgment_week, "DTEND"), Some("20260321"), "a multi-day all-day event, end exclusive");
    let alarms: Vec<(Option<&str>, Option<&str>)> = judgment_week
        .alarms
        .iter()
        .map(|alarm| {
            let value = |name: &str| alarm.properties.iter().find(|p| p.name == name).and_then(|p| p.value.as_deref());
            (value("TRIGGER"), value("DESCRIPTION"))
        })
        .collect();
    assert_eq!(
        alarms,
        [(Some("-P6DT15H"), Some("Tsunagu: important day")), (Some("-PT15H"), Some("Tsunagu: important day"))],
        "09:00, 7 days and 1 day before, and the reminder is as discreet as the title"
    );
    for event in &calendar.events {
        let uid = property(event, "UID").unwrap();
        assert!(uid.ends_with("@tsunagu") && !uid.contains(&f.person) && !uid.contains("Taro"), "{uid}");
        assert!(property(event, "DTSTAMP").is_some() && property(event, "SEQUENCE").is_some());
    }
    // The name is escaped as TEXT: semicolons and commas, not quotes.
    assert!(
        descriptions.iter().all(|s| s.starts_with("Taro\\; the \"eldest\"\\, from Osaka — 長男: ")),
        "{descriptions:?}"
    );

    // Each fetch is a provision of the person's data, on record.
    let records: Value =
        app.get(&format!("/provision-records?person_id={}", f.person), &app.admin()).await.json().await.unwrap();
    assert!(records["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["channel"] == "calendar_feed" && r["basis"] == "link_consent"));
}

async fn feed_urls_rotate_and_revoke(app: TestApp) {
    let f = family(&app).await;
    let first = subscribe(&app, &f.family).await;
    let second = subscribe(&app, &f.family).await;
    assert_ne!(first, second);
    assert_problem(fetch(&app, &first).await, StatusCode::NOT_FOUND).await;
    assert_eq!(fetch(&app, &second).await.status(), StatusCode::OK);
    assert_eq!(app.delete("/me/calendar-feed", &f.family).await.status(), StatusCode::NO_CONTENT);
    assert_problem(fetch(&app, &second).await, StatusCode::NOT_FOUND).await;
    assert_problem(fetch(&app, "/feeds/guess.ics").await, StatusCode::NOT_FOUND).await;
    assert_problem(app.post("/me/calendar-feed", &app.admin(), &json!({})).await, StatusCode::FORBIDDEN).await;
    use sea_orm::EntityTrait;
    assert!(tsunagu::entity::calendar_feed::Entity::find().all(&app.outside).await.unwrap().is_empty());
}

async fn a_moved_date_raises_the_sequence(app: TestApp) {
    let f = family(&app).await;
    let path = subscribe(&app, &f.family).await;
    let judgment = |text: String| {
        let calendar = parse(&text);
        let event = calendar
            .events
            .into_iter()
            .find(|e| property(e, "DESCRIPTION").unwrap().ends_with("Judgment day"))
            .unwrap();
        (
            property(&event, "UID").unwrap().to_owned(),
            property(&event, "SEQUENCE").unwrap().parse::<i64>().unwrap(),
            property(&event, "DTSTART").unwrap().to_owned(),
        )
    };
    let before = judgment(fetch(&app, &path).await.text().await.unwrap());
    app.patch(&format!("/milestones/{}", f.bail), &f.staff, &json!({"judgment_on": "2026-03-10"})).await;
    let after = judgment(fetch(&app, &path).await.text().await.unwrap());
    assert_eq!(before.0, after.0, "a stable UID");
    assert!(after.1 > before.1, "the SEQUENCE rises");
    assert_eq!(after.2, "20260310");
}

async fn titles_are_discreet_unless_the_subscriber_chooses_detail(app: TestApp) {
    let f = family(&app).await;
    let first = subscribe_with(&app, &f.family, "").await;
    assert_eq!((first["detailed_titles"].as_bool(), first["replaced"].as_bool()), (Some(false), Some(false)));
    let detailed = subscribe_with(&app, &f.family, "?detailed_titles=true").await;
    assert_eq!((detailed["detailed_titles"].as_bool(), detailed["replaced"].as_bool()), (Some(true), Some(true)));
    let calendar = parse(&fetch(&app, &feed_path(&detailed)).await.text().await.unwrap());
    let summaries: Vec<&str> = calendar.events.iter().filter_map(|e| property(e, "SUMMARY")).collect();
    assert!(summaries.iter().any(|s| s.ends_with(": Judgment day")), "{summaries:?}");
    assert!(summaries.iter().all(|s| s.starts_with("Taro")), "{summaries:?}");
    assert_problem(
        app.post("/me/calendar-feed?detailed_titles=maybe", &f.family, &json!({})).await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    // A Japanese reader's calendar is called つなぐ and its titles say only that a day matters.
    let mother = app.create_party(json!({"role": "family", "display_name": "花子", "language": "ja"})).await;
    let link = json!({"party_id": mother, "relationship": "family"});
    app.post(&format!("/persons/{}/links", f.person), &f.staff, &link).await;
    let mother = app.token("family", &mother);
    let text = fetch(&app, &subscribe(&app, &mother).await).await.text().await.unwrap();
    let calendar = parse(&text);
    assert_eq!(
        calendar.properties.iter().find(|p| p.name == "X-WR-CALNAME").and_then(|p| p.value.as_deref()),
        Some("つなぐ")
    );
    assert!(calendar.events.iter().all(|e| property(e, "SUMMARY") == Some("つなぐ：大切な日")));
    assert!(calendar.events.iter().any(|e| property(e, "DESCRIPTION").unwrap().contains("判決の日")), "{text}");
}
