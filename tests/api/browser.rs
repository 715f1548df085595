//! The pages in a real browser (Chromium through chromedriver), as people use them: a family
//! member on a phone, the person, and staff at a desk; with JavaScript off too. Every page is
//! checked by axe-core, fits a 390-pixel screen and loads nothing from another origin; each is
//! photographed at phone and desktop size for the README.

use serde_json::Value;

use crate::{
    browser_support::{Browser, DESKTOP, PHONE},
    cases,
    helpers::{id_of, TestApp},
    pages::{scene, Scene},
};

/// Run on SQLite only: what they check is the pages, which are the same on either database.
pub const TESTS: &[crate::helpers::Case] = cases![
    a_family_member_on_a_phone_signs_in_with_an_invitation_and_acknowledges_an_alert,
    the_same_sign_in_and_acknowledgement_work_with_javascript_off,
    the_person_stops_sharing_and_the_family_no_longer_sees_him,
    staff_record_an_event_from_the_residents_page,
];

/// Checks the page in front of the browser as every page is checked, and photographs it at
/// phone and desktop size.
pub async fn check_page(browser: &Browser, app: &TestApp, name: &str) {
    check_page_at(browser, &app.address, name).await;
}

/// [`check_page`] for a page of the service served at `origin`.
pub async fn check_page_at(browser: &Browser, origin: &str, name: &str) {
    browser.resize(PHONE).await;
    browser.assert_no_horizontal_overflow().await;
    browser.assert_tap_targets().await;
    browser.assert_same_origin_only(origin).await;
    browser.assert_accessible().await;
    browser.screenshot(&format!("{name}-phone")).await;
    browser.resize(DESKTOP).await;
    browser.screenshot(&format!("{name}-desktop")).await;
    browser.resize(PHONE).await;
}

async fn invitation_code(app: &TestApp, party: &str) -> String {
    let created = app.post(&format!("/parties/{party}/invitations"), &app.admin(), &serde_json::json!({})).await;
    let created: Value = created.json().await.unwrap();
    created["code"].as_str().unwrap().to_owned()
}

/// Types an invitation code on the front page and continues, as a person would.
pub async fn sign_in(browser: &Browser, app: &TestApp, party: &str) {
    let code = invitation_code(app, party).await;
    browser.open(&format!("{}/", app.address)).await;
    browser.fill("#invitation-code", &code).await;
    browser.click_to("form[action='/auth/invitation'] button", &format!("{}/app", app.address)).await;
}

/// Presses Acknowledge on the first alert and waits for the page to come back showing it so.
async fn acknowledge(browser: &Browser) {
    browser.click("form[action^='/app/alerts/'] button").await;
    let shown = fantoccini::Locator::XPath("//li[contains(., 'お知らせを確認済み')]");
    browser.client.wait().for_element(shown).await.expect("the alert shown acknowledged");
}

async fn acknowledged(app: &TestApp, s: &Scene) -> bool {
    let alerts: Value = app.get("/me/alerts", &app.token("family", &s.family)).await.json().await.unwrap();
    alerts["items"][0]["acknowledged_at"].is_string()
}

async fn a_family_member_on_a_phone_signs_in_with_an_invitation_and_acknowledges_an_alert(app: TestApp) {
    let s = scene(&app).await;
    let browser = Browser::start(PHONE, true).await;
    browser.open(&format!("{}/", app.address)).await;
    check_page(&browser, &app, "sign-in").await;
    let code = invitation_code(&app, &s.family).await;
    browser.open(&format!("{}/invite/{code}", app.address)).await;
    check_page(&browser, &app, "invitation-link").await;
    browser.click_to("form[action='/auth/invitation'] button", &format!("{}/app", app.address)).await;
    let text = browser.text().await;
    for shown in ["Taro", "出所の予定日", "出所してすぐの二週間", "できれば毎日連絡をとり", "Tokyo Drug Consultation"]
    {
        assert!(text.contains(shown), "the family page shows {shown}");
    }
    check_page(&browser, &app, "family").await;
    assert!(!acknowledged(&app, &s).await);
    acknowledge(&browser).await;
    assert!(acknowledged(&app, &s).await, "the API shows the alert acknowledged");
    browser.click("form[action='/app/calendar'] button").await;
    check_page(&browser, &app, "calendar").await;
    browser.close().await;
}

async fn the_same_sign_in_and_acknowledgement_work_with_javascript_off(app: TestApp) {
    let s = scene(&app).await;
    let browser = Browser::start(PHONE, false).await;
    sign_in(&browser, &app, &s.family).await;
    assert!(browser.text().await.contains("出所してすぐの二週間"));
    acknowledge(&browser).await;
    assert!(acknowledged(&app, &s).await, "acknowledged without a line of script");
    browser.close().await;
}

async fn the_person_stops_sharing_and_the_family_no_longer_sees_him(app: TestApp) {
    let s = scene(&app).await;
    let family = Browser::start(PHONE, true).await;
    sign_in(&family, &app, &s.family).await;
    assert!(family.text().await.contains("Taro"));

    let person = Browser::start(PHONE, true).await;
    sign_in(&person, &app, &s.person_party).await;
    assert!(person.text().await.contains("Hanako"));
    check_page(&person, &app, "person").await;
    let stop = format!("{}/app/sharing/{}/stop", app.address, s.link);
    person.click_to(&format!("a[href='/app/sharing/{}/stop']", s.link), &stop).await;
    assert!(person.text().await.contains("共有をやめますか"), "a confirmation step first");
    check_page(&person, &app, "stop-sharing").await;
    person
        .click_to(&format!("form[action='/app/sharing/{}/stop'] button", s.link), &format!("{}/app", app.address))
        .await;
    assert!(!person.text().await.contains("Hanako"));

    family.open(&format!("{}/app", app.address)).await;
    assert!(!family.text().await.contains("Taro"), "the family page no longer shows him");
    family.close().await;
    person.close().await;
}

async fn staff_record_an_event_from_the_residents_page(app: TestApp) {
    let s = scene(&app).await;
    let browser = Browser::start(DESKTOP, true).await;
    sign_in(&browser, &app, &s.staff_party).await;
    assert!(browser.text().await.contains("Taro"));
    check_page(&browser, &app, "staff").await;
    let resident = format!("{}/app/residents/{}", app.address, s.person);
    browser.click_to(&format!("a[href='/app/residents/{}']", s.person), &resident).await;
    check_page(&browser, &app, "resident").await;
    let staff = app.token("staff", &s.staff_party);
    let milestones: Value = app.get(&format!("/persons/{}/milestones", s.person), &staff).await.json().await.unwrap();
    let release = id_of(&milestones["items"][0]);
    let form = format!("form[action='/app/residents/{}/milestones/{release}/events']", s.person);
    browser.unfold(&form).await;
    browser.select(&format!("{form} select[name='event']"), "release").await;
    browser.click(&format!("{form} button")).await;
    // A release cannot be undone: the page asks first.
    let ask = fantoccini::Locator::XPath("//p[contains(., '取り消せません')]");
    browser.client.wait().for_element(ask).await.expect("the confirmation step");
    check_page(&browser, &app, "confirm-event").await;
    browser.click("form input[name='confirmed'] ~ button").await;
    // The page comes back with the release in its timeline.
    let recorded =
        fantoccini::Locator::XPath("//section[@aria-labelledby='timeline']//li[contains(., '予定どおり出所した')]");
    browser.client.wait().for_element(recorded).await.expect("the release in the timeline");
    let milestone: Value = app.get(&format!("/milestones/{release}"), &staff).await.json().await.unwrap();
    assert_eq!(milestone["state"], "released", "recorded from the page");
    assert!(browser.text().await.contains("出所した"));
    browser.click(&format!("form[action='/app/residents/{}/invitations/{}'] button", s.person, s.family)).await;
    check_page(&browser, &app, "invitation-printable").await;
    browser.close().await;

    // The prefecture's figures, for an admin.
    let admin = app.create_party(serde_json::json!({"role": "admin", "display_name": "Prefecture"})).await;
    let browser = Browser::start(DESKTOP, true).await;
    sign_in(&browser, &app, &admin).await;
    assert!(browser.text().await.contains("県全体の成果"));
    check_page(&browser, &app, "prefecture").await;
    // At 390 px the table by facility keeps each facility's name readable (it used to break
    // one character a line): the table scrolls sideways in its own box instead.
    browser.resize(PHONE).await;
    let width = "const th = document.querySelector('#main table th[scope=row]'); return th ? th.getBoundingClientRect().width : 0;";
    let width = browser.client.execute(width, vec![]).await.expect("measure").as_f64().unwrap_or(0.0);
    assert!(width >= 100.0, "the facility's name has {width} px");
    browser.close().await;
}
