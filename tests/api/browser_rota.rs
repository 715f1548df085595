//! The facility reached at night, in a real browser: the manager makes the rota on the rota
//! page (shifts, the managers, a cover for Monday evening) at a desk; at 2 a.m. on Sunday the
//! night staff member, not signed in on their phone, follows the text's link, signs in, lands on
//! the alert and acknowledges it, and the ladder stops. Every page is checked by axe-core.

use chrono::Duration;
use fantoccini::Locator;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    browser::{check_page_at, sign_in},
    browser_first_day::check_in_both_languages,
    browser_support::{Browser, DESKTOP, PHONE},
    cases,
    helpers::{spawn_app_configured, TestApp},
    reach_case::{configure, confirmed_number, link_in, reaching, release_today, resident, tokyo},
    reach_support::{Gateway, MailServer},
};

pub const TESTS: &[crate::helpers::Case] =
    cases![the_manager_makes_the_rota_and_the_night_staff_member_answers_the_alert_from_the_text];

const NIGHT: &str = "+819011110002";
const MANAGER: &str = "+819011110003";

/// The same database, served where the browser reaches it, with links in messages that lead
/// there: a free port taken for both.
async fn served(plain: &TestApp, mail: &MailServer, gateway: &Gateway) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_app_configured(&plain.database_url, |config| {
        configure(config, mail, gateway);
        config.public_url = Some(format!("http://127.0.0.1:{port}"));
        config.addr = format!("127.0.0.1:{port}").parse().unwrap();
    })
    .await;
    app.clock.set(tokyo(2026, 3, 2, 9));
    app
}

async fn the_manager_makes_the_rota_and_the_night_staff_member_answers_the_alert_from_the_text(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = served(&plain, &mail, &gateway).await;
    let origin = app.address.clone();
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let staff = |name: &str| json!({"role": "staff", "display_name": name, "organization_id": c.org});
    let day = app.create_party(staff("昼 職員")).await;
    let night = app.create_party(staff("夜 職員")).await;
    let manager = app.create_party(staff("管理 者")).await;
    // Their numbers are confirmed as every test does, through an instance with the tests' URL.
    let confirming = reaching(&plain, &mail, &gateway).await;
    confirmed_number(&confirming, &gateway, &night, NIGHT).await;
    confirmed_number(&confirming, &gateway, &manager, MANAGER).await;

    // Monday 09:00: the manager, at a desk, has no rota yet and is led to make one.
    let desk = Browser::start(DESKTOP, true).await;
    sign_in(&desk, &app, &manager).await;
    let rota = format!("/app/organizations/{}/rota", c.org);
    desk.click_to(&format!("a[href='{rota}']"), &format!("{origin}{rota}")).await;
    assert!(desk.text().await.contains("まだ当番表がありません"));
    check_in_both_languages(&desk, &app, "rota-empty").await;
    desk.resize(DESKTOP).await;
    for (row, party, days, starts, ends) in [
        (0, &day, &["1", "2", "3", "4", "5"][..], "09:00", "18:00"),
        (1, &night, &["1", "2", "3", "4", "5", "6", "7"][..], "22:00", "09:00"),
    ] {
        desk.select(&format!("select[name='shifts[{row}].party_id']"), party).await;
        for weekday in days {
            desk.click(&format!("input[name='shifts[{row}].weekdays'][value='{weekday}']")).await;
        }
        desk.set_date(&format!("input[name='shifts[{row}].starts_at']"), starts).await;
        desk.set_date(&format!("input[name='shifts[{row}].ends_at']"), ends).await;
    }
    desk.click(&format!("input[name='managers'][value='{manager}']")).await;
    desk.click_to(&format!("form[action='{rota}'] button[type='submit']"), &format!("{origin}{rota}?done=rota")).await;
    let text = desk.text().await;
    assert!(text.contains("記録しました：当番表") && text.contains("いまの当番：昼 職員"), "{text}");
    assert!(text.contains("3月2日 18:00 – 3月2日 22:00"), "Monday evening is a gap: {text}");
    check_in_both_languages(&desk, &app, "rota").await;

    // The night staff member covers Monday evening: the gap closes.
    desk.resize(DESKTOP).await;
    desk.select("select[name='party_id']", &night).await;
    desk.set_date("input[name='starts_at']", "2026-03-02T18:00").await;
    desk.set_date("input[name='ends_at']", "2026-03-02T22:00").await;
    desk.click_to(&format!("form[action='{rota}/overrides'] button"), &format!("{origin}{rota}?done=override")).await;
    let text = desk.text().await;
    assert!(text.contains("夜 職員 3月2日 18:00 – 3月2日 22:00"), "the cover is listed: {text}");
    assert!(text.contains("3月3日 18:00 – 3月3日 22:00"), "Tuesday evening still a gap: {text}");
    let shown: Value = app.get(&format!("/organizations/{}/rota", c.org), &c.staff).await.json().await.unwrap();
    assert_eq!(shown["gaps"][0]["starts_at"], json!(tokyo(2026, 3, 3, 18).to_rfc3339()), "Monday's closed");
    assert_eq!(shown["managers"], json!([manager]));
    assert_eq!(shown["overrides"][0]["starts_at"], json!(tokyo(2026, 3, 2, 18).to_rfc3339()));
    desk.close().await;

    // Sunday 02:00: the release; the night staff member's phone gets the text and its link.
    app.clock.set(tokyo(2026, 3, 7, 22));
    tick(&app.state).await.unwrap();
    app.clock.set(tokyo(2026, 3, 8, 2));
    release_today(&app, &c).await;
    tick(&app.state).await.unwrap();
    let texts = gateway.sent_to(NIGHT);
    let text = &texts.iter().find(|text| text.body.contains("/r/")).expect("the alert's text").body;
    assert!(text.contains("入居者1名の重要なお知らせ") && !text.contains("Taro"), "{text}");
    let link = link_in(text, &format!("{origin}/r/"));

    // Not signed in on the phone: the link leads to the front door, and signing in there back
    // to the alert, whose button acknowledges it.
    let phone = Browser::start(PHONE, true).await;
    phone.open(&link).await;
    assert_eq!(phone.path().await, "/");
    let invitation = crate::sign_in::invite(&app, &app.admin(), &night).await;
    phone.fill("#invitation-code", invitation["code"].as_str().unwrap()).await;
    phone.click_to("form[action='/auth/invitation'] button", &link).await;
    let shown = phone.text().await;
    assert!(shown.contains("Taro") && shown.contains("確認しました"), "signed in, the alert: {shown}");
    check_page_at(&phone, &origin, "respond").await;
    phone.click_to("form[action^='/r/'] button", &format!("{origin}/app?done=ack")).await;
    phone.client.wait().for_element(Locator::Css("p[role='status']")).await.expect("the notice");
    phone.close().await;
    let inbox: Value = app.get(&format!("/organizations/{}/alerts", c.org), &c.staff).await.json().await.unwrap();
    let alert = inbox["items"].as_array().unwrap().iter().find(|alert| alert["severity"] == "critical").unwrap();
    assert_eq!((&alert["acknowledged_by"], &alert["acknowledged_via"]), (&json!(night), &json!("sms")));

    // Half an hour on, the ladder stays where it stopped: the manager hears nothing.
    let before = gateway.sent_to(MANAGER).len();
    app.clock.advance(Duration::minutes(31));
    tick(&app.state).await.unwrap();
    assert_eq!(gateway.sent_to(MANAGER).len(), before);
}
