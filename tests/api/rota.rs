//! The facility reached day and night: an on-duty rota, team alerts on the on-duty staff
//! member's own phone, the ladder up to the managers, 「了解」 by text, and the hand-over.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, TestApp},
    reach_case::{confirmed_number, reaching, release_today, resident, tokyo, Case},
    reach_support::{gateway_post, Gateway, MailServer, AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_critical_period_at_two_on_sunday_night_reaches_the_night_staff_and_climbs_until_someone_has_it,
    a_gap_shows_an_override_beats_the_week_and_a_disabled_member_is_skipped,
    the_rota_is_its_organisations_own,
];

const DAY: &str = "+819011110001";
const NIGHT: &str = "+819011110002";
const MANAGER: &str = "+819011110003";

struct Team {
    day: String,
    night: String,
    manager: String,
}

async fn staff(app: &TestApp, c: &Case, name: &str) -> String {
    app.create_party(json!({"role": "staff", "display_name": name, "organization_id": c.org})).await
}

/// Weekdays 09:00–18:00 the day staff member, every night 22:00–09:00 the night one, and the
/// manager last on the ladder.
async fn team(app: &TestApp, gateway: &Gateway, c: &Case) -> Team {
    let team = Team {
        day: staff(app, c, "Day").await,
        night: staff(app, c, "Night").await,
        manager: staff(app, c, "Manager").await,
    };
    for (party, number) in [(&team.day, DAY), (&team.night, NIGHT), (&team.manager, MANAGER)] {
        confirmed_number(app, gateway, party, number).await;
    }
    let rota = json!({
        "shifts": [
            {"party_id": team.day, "weekdays": [1, 2, 3, 4, 5], "starts_at": "09:00", "ends_at": "18:00"},
            {"party_id": team.night, "weekdays": [1, 2, 3, 4, 5, 6, 7], "starts_at": "22:00", "ends_at": "09:00"},
        ],
        "escalate_after_minutes": 30,
        "managers": [team.manager],
    });
    let set = app.put(&format!("/organizations/{}/rota", c.org), &c.staff, &rota).await;
    assert_eq!(set.status(), StatusCode::OK);
    team
}

/// Follows `link` before signing in: the front door, which keeps where the link was going; then
/// signs in there, and is taken back to the link. The session cookie.
async fn signed_in_from_link(app: &TestApp, party: &str, link: &str) -> String {
    let browser = crate::sign_in::browser();
    let door = browser.get(format!("{}{link}", app.address)).send().await.unwrap();
    assert_eq!(door.status(), StatusCode::SEE_OTHER);
    assert_eq!(door.headers()[reqwest::header::LOCATION], "/");
    let kept = door
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("tsunagu_next="))
        .map(|value| value.split(';').next().unwrap_or_default().to_owned())
        .expect("the link is kept while signing in");
    let invitation = crate::sign_in::invite(app, &app.admin(), party).await;
    let signed = browser
        .post(format!("{}/auth/invitation", app.address))
        .header(reqwest::header::COOKIE, &kept)
        .header("origin", PUBLIC_URL)
        .form(&[("code", invitation["code"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed.headers()[reqwest::header::LOCATION], link, "signed in, back to the link");
    crate::sign_in::session_cookie(&signed).expect("a session cookie")
}

async fn team_alert(app: &TestApp, c: &Case) -> Value {
    let inbox: Value =
        app.get(&format!("/organizations/{}/alerts", c.org), &c.staff).await.json().await.expect("team inbox");
    let items = inbox["items"].as_array().expect("items").clone();
    let critical: Vec<&Value> = items.iter().filter(|alert| alert["severity"] == "critical").collect();
    assert_eq!(critical.len(), 1, "one critical team alert: {items:?}");
    critical[0].clone()
}

async fn a_critical_period_at_two_on_sunday_night_reaches_the_night_staff_and_climbs_until_someone_has_it(
    plain: TestApp,
) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let team = team(&app, &gateway, &c).await;
    // Saturday 22:00 the night staff member comes on, and is handed over what is open: nothing.
    app.clock.set(tokyo(2026, 3, 7, 22));
    tick(&app.state).await.unwrap();
    let night = gateway.sent_to(NIGHT);
    assert_eq!(night.len(), 2, "the confirmation and the hand-over: {night:?}");
    assert!(night[1].body.contains("未対応のお知らせ0件"), "{}", night[1].body);
    // Sunday 8 March 2026, 02:00 in Tokyo: the release happens, its first two weeks begin.
    app.clock.set(tokyo(2026, 3, 8, 2));
    let duty: Value = app
        .get(&format!("/organizations/{}/on-duty?at={}", c.org, app.now().to_rfc3339().replace('+', "%2B")), &c.staff)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(duty["party_id"], json!(team.night));
    assert_eq!(duty["until"], json!(tokyo(2026, 3, 8, 9).to_rfc3339()));
    release_today(&app, &c).await;
    tick(&app.state).await.unwrap();
    let night = gateway.sent_to(NIGHT);
    assert_eq!(night.len(), 3, "then the alert: {night:?}");
    let text = &night[2].body;
    assert!(text.contains("入居者1名の重要なお知らせ"), "{text}");
    assert!(!text.contains("Taro") && !text.contains("釈放"), "no name, nothing of what: {text}");
    assert!(text.contains(&format!("{PUBLIC_URL}/r/")), "{text}");
    // The link is the night staff member's: once signed in, it shows them the alert and its
    // button; the day staff member, signed in, gets 404 for it, as for no page at all.
    let link = crate::reach_case::link_in(text, &format!("{PUBLIC_URL}/r/")).replace(PUBLIC_URL, "");
    let night_cookie = signed_in_from_link(&app, &team.night, &link).await;
    let opened = crate::pages::page(&app, &night_cookie, &link).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let opened = opened.text().await.unwrap();
    assert!(opened.contains(&format!("<form method=\"post\" action=\"{link}\">")), "{opened}");
    assert!(opened.contains("Taro"), "signed in, staff see whom it is about");
    let day_cookie = crate::sign_in::signed_in(&app, &team.day).await;
    assert_eq!(crate::pages::page(&app, &day_cookie, &link).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(gateway.sent_to(DAY).len(), 1, "the day staff member hears nothing at night");
    assert_eq!(gateway.sent_to(MANAGER).len(), 1, "nor the manager yet");
    let alert = team_alert(&app, &c).await;
    assert_eq!(
        alert["escalations"],
        json!([{"party_id": team.night, "rung": "on_duty", "channel": "sms", "skipped": null, "at": app.now().to_rfc3339()}])
    );

    // Nobody answers for 29 minutes: no one else hears; at 31, the manager does.
    app.clock.advance(Duration::minutes(29));
    tick(&app.state).await.unwrap();
    assert_eq!(gateway.sent_to(MANAGER).len(), 1);
    app.clock.advance(Duration::minutes(2));
    tick(&app.state).await.unwrap();
    let manager = gateway.sent_to(MANAGER);
    assert_eq!(manager.len(), 2, "{manager:?}");
    assert!(manager[1].body.contains("入居者1名の重要なお知らせ"));
    let alert = team_alert(&app, &c).await;
    let steps: Vec<(&Value, &Value)> =
        alert["escalations"].as_array().unwrap().iter().map(|step| (&step["party_id"], &step["rung"])).collect();
    assert_eq!(steps, vec![(&json!(team.night), &json!("on_duty")), (&json!(team.manager), &json!("manager"))]);
    assert_eq!(alert["acknowledged_at"], Value::Null);

    // The manager texts back 「了解」: it is acknowledged, by whom and how, and climbs no more.
    let reply = gateway_post(
        &app,
        "/channels/sms/inbound",
        &[("MessageSid", "SMack1"), ("From", MANAGER), ("To", FROM_NUMBER), ("Body", "了解")],
        AUTH_TOKEN,
    )
    .await;
    assert_eq!(reply.status(), StatusCode::OK);
    assert!(reply.text().await.unwrap().contains("1件、確認済み"));
    let alert = team_alert(&app, &c).await;
    assert_eq!(alert["acknowledged_by"], json!(team.manager));
    assert_eq!(alert["acknowledged_via"], "sms");
    assert!(alert["acknowledged_at"].is_string());
    app.clock.advance(Duration::hours(3));
    tick(&app.state).await.unwrap();
    assert_eq!(gateway.sent_to(MANAGER).len(), 2);
    assert_eq!(gateway.sent_to(NIGHT).len(), 3);

    // At 09:00 on Monday the day staff member comes on and is handed over what is open: the
    // high alert of the same release, not the acknowledged critical one; a second look sends
    // nothing more.
    app.clock.set(tokyo(2026, 3, 9, 9) + Duration::minutes(1));
    tick(&app.state).await.unwrap();
    tick(&app.state).await.unwrap();
    let inbox: Value =
        app.get(&format!("/organizations/{}/alerts?acknowledged=false", c.org), &c.staff).await.json().await.unwrap();
    let open = inbox["items"].as_array().unwrap().len();
    let day = gateway.sent_to(DAY);
    let handovers: Vec<_> = day.iter().filter(|text| text.body.contains("引き継ぎ")).collect();
    assert_eq!(handovers.len(), 1, "one hand-over: {day:?}");
    assert!(handovers[0].body.contains(&format!("未対応のお知らせ{open}件")), "{open}: {}", handovers[0].body);
    assert!(!handovers[0].body.contains("Taro"));

    // An alert the day staff member was texted this morning: they open its link and press
    // Acknowledge; the alert says by whom and that it was from the text.
    let texted = day.iter().find(|text| text.body.contains("/r/")).expect("an alert texted in the day");
    let link = crate::reach_case::link_in(&texted.body, &format!("{PUBLIC_URL}/r/")).replace(PUBLIC_URL, "");
    // The form is posted from the page, whose origin is the service's public address.
    let day_cookie = crate::sign_in::signed_in(&app, &team.day).await;
    let pressed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{link}", app.address))
        .header("cookie", &day_cookie)
        .header("origin", PUBLIC_URL)
        .form(&[("", "")][..0])
        .send()
        .await
        .unwrap();
    assert_eq!(pressed.status(), StatusCode::SEE_OTHER);
    assert_eq!(pressed.headers()["location"], "/app?done=ack");
    let alert_id = &link["/r/".len().."/r/".len() + 32];
    let inbox: Value = app.get(&format!("/organizations/{}/alerts", c.org), &c.staff).await.json().await.unwrap();
    let pressed = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|alert| alert["id"].as_str().unwrap().replace('-', "") == alert_id)
        .expect("the alert in the inbox")
        .clone();
    assert_eq!(pressed["acknowledged_by"], json!(team.day));
    assert_eq!(pressed["acknowledged_via"], "sms");
}

async fn a_gap_shows_an_override_beats_the_week_and_a_disabled_member_is_skipped(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let team = team(&app, &gateway, &c).await;
    let rota_path = format!("/organizations/{}/rota", c.org);
    // Monday 2 March 09:00: weekday evenings 18:00–22:00 and weekend days are gaps.
    let rota: Value = app.get(&rota_path, &c.staff).await.json().await.unwrap();
    let gaps = rota["gaps"].as_array().unwrap();
    assert_eq!(
        gaps[0],
        json!({"starts_at": tokyo(2026, 3, 2, 18).to_rfc3339(), "ends_at": tokyo(2026, 3, 2, 22).to_rfc3339()})
    );
    assert_eq!(rota["timezone"], "Asia/Tokyo");
    // The staff home shows who is on duty and the gap, in the reader's own words and zone.
    let cookie = crate::sign_in::signed_in(&app, &team.night).await;
    let home = crate::pages::page(&app, &cookie, "/app").await.text().await.unwrap();
    assert!(home.contains("いまの当番：<strong>Day</strong>（3月2日 18:00まで）"), "{home}");
    assert!(home.contains("<li>3月2日 18:00 – 3月2日 22:00</li>"), "{home}");
    assert_eq!(rota["shifts"][1]["ends_at"], "09:00");

    // The manager covers Monday's day shift: the override beats the weekly shift.
    let cover = json!({"party_id": team.manager, "starts_at": tokyo(2026, 3, 2, 9), "ends_at": tokyo(2026, 3, 2, 18)});
    let added = app.post(&format!("{rota_path}/overrides"), &c.staff, &cover).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let override_id = added.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let duty: Value = app.get(&format!("/organizations/{}/on-duty", c.org), &c.staff).await.json().await.unwrap();
    assert_eq!(duty["party_id"], json!(team.manager));
    assert_eq!(duty["until"], json!(tokyo(2026, 3, 2, 18).to_rfc3339()));

    // The manager is disabled: the critical alert's step to them is skipped and recorded, and
    // with the ladder empty above, no one is texted.
    let disabled = app.patch(&format!("/parties/{}", team.manager), &app.admin(), &json!({"disabled": true})).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    release_today(&app, &c).await;
    tick(&app.state).await.unwrap();
    assert_eq!(gateway.sent_to(MANAGER).len(), 1, "only the confirmation");
    assert_eq!(gateway.sent_to(DAY).len(), 1, "the override beats the day shift");
    let alert = team_alert(&app, &c).await;
    assert_eq!(
        alert["escalations"],
        json!([{"party_id": team.manager, "rung": "on_duty", "channel": null, "skipped": "disabled", "at": app.now().to_rfc3339()}])
    );

    // At 18:30 no one is on duty: the status says so (a count, no name).
    app.clock.set(tokyo(2026, 3, 2, 18) + Duration::minutes(30));
    tick(&app.state).await.unwrap();
    let health: Value = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["rota"]["organizations_with_no_one_on_duty"], 1, "{health}");
    app.clock.set(tokyo(2026, 3, 2, 9));

    // The override goes; the day shift holds again.
    assert_eq!(app.delete(&format!("/rota-overrides/{override_id}"), &c.staff).await.status(), StatusCode::NO_CONTENT);
    let duty: Value = app.get(&format!("/organizations/{}/on-duty", c.org), &c.staff).await.json().await.unwrap();
    assert_eq!(duty["party_id"], json!(team.day));
}

async fn the_rota_is_its_organisations_own(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let ours = staff(&app, &c, "Ours").await;
    let other_org = app.create("/organizations", json!({"kind": "rehab_facility", "name": "Other House"})).await;
    let other_org = crate::helpers::id_of(&other_org);
    let theirs =
        app.create_party(json!({"role": "staff", "display_name": "Theirs", "organization_id": other_org})).await;
    let their_token = app.token("staff", &theirs);
    let rota_path = format!("/organizations/{}/rota", c.org);
    // Another organisation's staff: 404 on every door, as for a missing id.
    assert_eq!(app.get(&rota_path, &their_token).await.status(), StatusCode::NOT_FOUND);
    let body = json!({"shifts": [], "managers": []});
    assert_eq!(app.put(&rota_path, &their_token, &body).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/organizations/{}/on-duty", c.org), &their_token).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&format!("/organizations/{}/rota", c.family), &c.staff).await.status(), StatusCode::NOT_FOUND);
    // Someone not on the staff, a bad weekday, a shift of no length and a wait out of bounds:
    // all refused at once, nothing stored.
    let bad = json!({
        "shifts": [
            {"party_id": theirs, "weekdays": [1], "starts_at": "09:00", "ends_at": "18:00"},
            {"party_id": ours, "weekdays": [0, 8], "starts_at": "09:00", "ends_at": "09:00"},
        ],
        "escalate_after_minutes": 0,
        "managers": [c.family],
    });
    let refused = app.put(&rota_path, &c.staff, &bad).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect();
    for field in
        ["shifts[0].party_id", "shifts[1].weekdays", "shifts[1].ends_at", "escalate_after_minutes", "managers[0]"]
    {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let rota: Value = app.get(&rota_path, &c.staff).await.json().await.unwrap();
    assert_eq!(rota["shifts"], json!([]));
    assert_eq!(rota["escalate_after_minutes"], 30);
    // An override of their own org's party for someone else's: 404 to delete.
    let cover = json!({"party_id": ours, "starts_at": app.now(), "ends_at": app.now() + Duration::hours(2)});
    let added: Value = app.post(&format!("{rota_path}/overrides"), &c.staff, &cover).await.json().await.unwrap();
    let id = added["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/rota-overrides/{id}"), &their_token).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/rota-overrides/{id}"), &c.staff).await.status(), StatusCode::NO_CONTENT);
}

/// PostgreSQL only: instances share the hand-over and the outbox.
pub const POSTGRES_ONLY: &[crate::helpers::Case] = cases![a_hand_over_goes_once_across_two_instances_though_one_dies];

async fn a_hand_over_goes_once_across_two_instances_though_one_dies(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let _team = team(&app, &gateway, &c).await;
    let other = crate::helpers::spawn_app_configured(&app.database_url, |config| {
        crate::reach_case::configure(config, &mail, &gateway)
    })
    .await;
    // 22:00: the night staff member comes on. Both instances look at once; one writes the
    // hand-over, claims its text and dies before sending it.
    for instance in [&app, &other] {
        instance.clock.set(tokyo(2026, 3, 2, 22));
    }
    let (a, b) = tokio::join!(tsunagu::scheduler::plan(&app.state), tsunagu::scheduler::plan(&other.state));
    assert_eq!(a.unwrap().handovers + b.unwrap().handovers, 1);
    assert_eq!(app.count("handovers").await, 1);
    let txn = app.state.db.begin().await.unwrap();
    let lost = crate::helpers::claim_any(&txn, app.now(), Duration::seconds(60), 16).await;
    txn.commit().await.unwrap();
    assert_eq!(lost.len(), 1, "the hand-over's text");
    // The survivor sends it once its claim lapses, and never again.
    tick(&other.state).await.unwrap();
    assert_eq!(gateway.sent_to(NIGHT).len(), 1, "only the confirmation so far");
    other.clock.advance(Duration::minutes(2));
    tick(&other.state).await.unwrap();
    tick(&other.state).await.unwrap();
    let night = gateway.sent_to(NIGHT);
    assert_eq!(night.len(), 2, "{night:?}");
    assert!(night[1].body.contains("引き継ぎ"));
}
