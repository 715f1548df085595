//! A new facility's first day, on a phone in Japanese, in a real browser: after the admin's
//! first invitation, no API call at all. Staff add a resident, a bail with a judgment date, a
//! full-term release and a SMARPP referral, open the mother's and the lawyer's accounts with
//! what each may see, add the mother's e-mail and print her invitation; the scheduler runs,
//! the mother's page shows the release (and her own addresses), the team inbox holds the
//! resident's alert, which staff snooze and bring back. Every new page is checked by axe-core
//! at 390 px, in Japanese and in English, with every tap target at least 44 px.

use chrono::Duration;
use serde_json::json;
use tsunagu::{outbox::EmailSettings, scheduler::tick};

use crate::{
    browser::{check_page, sign_in},
    browser_support::{Browser, PHONE},
    cases,
    helpers::{id_of, spawn_app_configured, TestApp},
    reach_support::MailServer,
};

pub const TESTS: &[crate::helpers::Case] = cases![a_new_facility_s_first_day_on_a_phone_with_no_api_call];

/// Submits the form at `form` and waits for the page to come back with its notice.
async fn send(browser: &Browser, form: &str) {
    // The notice of the last form goes first, so that only the page that comes back shows one.
    let forget = "document.querySelectorAll('[role=status]').forEach(n => n.remove()); return true;";
    browser.client.execute(forget, vec![]).await.expect("clear the last notice");
    browser.click(&format!("{form} button[type='submit']")).await;
    let notice = fantoccini::Locator::XPath("//p[@role='status' and contains(., '記録しました')]");
    browser.client.wait().for_element(notice).await.unwrap_or_else(|err| panic!("{form} stored: {err}"));
}

/// The same page in English, checked, and back to Japanese.
pub async fn check_in_both_languages(browser: &Browser, app: &TestApp, name: &str) {
    check_page(browser, app, &format!("{name}-ja")).await;
    browser.click("a[hreflang='en']").await;
    browser.client.wait().for_element(fantoccini::Locator::Css("html[lang='en']")).await.expect("English");
    check_page(browser, app, &format!("{name}-en")).await;
    browser.click("a[hreflang='ja']").await;
    browser.client.wait().for_element(fantoccini::Locator::Css("html[lang='ja']")).await.expect("Japanese");
}

async fn a_new_facility_s_first_day_on_a_phone_with_no_api_call(app: TestApp) {
    let mail = MailServer::start();
    let smtp = format!("smtp://127.0.0.1:{}", mail.port);
    let app = spawn_app_configured(&app.database_url, |config| {
        config.email = Some(EmailSettings::parse(&smtp, "Tsunagu <alerts@tsunagu.test>").expect("mail settings"));
    })
    .await;
    let org = id_of(
        &app.create(
            "/organizations",
            json!({"kind": "rehab_facility", "name": "Hikari House", "phone": "03-1234-5678"}),
        )
        .await,
    );
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let browser = Browser::start(PHONE, true).await;
    sign_in(&browser, &app, &staff).await; // the admin's first invitation: the last API call
    let day = |days: i64| (app.today() + Duration::days(days)).to_string();

    browser.click_to("a[href='/app/residents/new']", &format!("{}/app/residents/new", app.address)).await;
    check_in_both_languages(&browser, &app, "new-resident").await;
    browser.fill("#resident-display_name", "Taro").await;
    send(&browser, "form[action='/app/residents']").await;
    let person = browser.path().await.trim_start_matches("/app/residents/").to_owned();
    let here = format!("/app/residents/{person}");

    let bail = "form[action$='/milestones']:has(input[value='bail'])";
    browser.unfold(bail).await;
    browser.set_date(&format!("{bail} input[name='requested_on']"), &day(-3)).await;
    browser.set_date(&format!("{bail} input[name='judgment_on']"), &day(20)).await;
    send(&browser, bail).await;
    let release = "form[action$='/milestones']:has(input[value='release'])";
    browser.unfold(release).await;
    browser.set_date(&format!("{release} input[name='scheduled_on']"), &day(5)).await;
    browser.select(&format!("{release} select[name='release_type']"), "full_term").await;
    send(&browser, release).await;
    let referral = "form[action$='/milestones']:has(input[value='program_enrollment'])";
    browser.unfold(referral).await;
    browser.select(&format!("{referral} select[name='program']"), "smarpp").await;
    browser.set_date(&format!("{referral} input[name='referred_on']"), &day(0)).await;
    send(&browser, referral).await;

    let account = format!("form[action='{here}/accounts']");
    let open = |role: &'static str, name: &'static str, sees: &'static [&'static str]| {
        let (browser, account) = (&browser, account.clone());
        async move {
            browser.unfold(&account).await;
            browser.select(&format!("{account} select[name='role']"), role).await;
            browser.fill(&format!("{account} input[name='display_name']"), name).await;
            for kind in ["bail", "release", "employment_support_window", "program_enrollment", "lapse"] {
                let tick = format!("{account} input[name='scope'][value='{kind}']");
                let checked = browser.client.find(fantoccini::Locator::Css(&tick)).await.unwrap();
                let is_checked = checked.prop("checked").await.unwrap().as_deref() == Some("true");
                if is_checked != sees.contains(&kind) {
                    browser.click(&tick).await;
                }
            }
            send(browser, &account).await;
        }
    };
    open("family", "Hanako", &["release", "employment_support_window"]).await;
    open("lawyer", "Suzuki", &["bail"]).await;
    check_in_both_languages(&browser, &app, "resident-first-day").await;

    let text = browser.text().await;
    for shown in ["保釈を請求した", "出所予定日を", "SMARPPに紹介した", "Hanako", "Suzuki"] {
        assert!(text.contains(shown), "the resident's page shows {shown}");
    }
    let addresses = "form[action$='/addresses']";
    browser.unfold(addresses).await;
    browser.select(&format!("{addresses} select[name='channel']"), "email").await;
    browser.fill(&format!("{addresses} input[name='address']"), "hanako@example.org").await;
    send(&browser, addresses).await;

    // An event that cannot be undone asks first; going back stores nothing.
    let events = "form[action$='/events']";
    browser.unfold(events).await;
    browser.select(&format!("{events} select[name='event']"), "deny").await;
    browser.click(&format!("{events} button")).await;
    browser.client.wait().for_element(fantoccini::Locator::Css("input[name='confirmed']")).await.expect("asked");
    check_in_both_languages(&browser, &app, "confirm-event").await;
    browser.click_to(&format!("a[href='{here}']"), &format!("{}{here}", app.address)).await;

    // The mother's invitation, printed from the page; she signs in with its code.
    browser.click("form[action*='/invitations/'] button").await;
    browser.client.wait().for_element(fantoccini::Locator::Css(".code")).await.expect("the invitation");
    let code = browser.client.find(fantoccini::Locator::Css(".code")).await.unwrap().text().await.unwrap();
    tick(&app.state).await.unwrap();
    assert_eq!(mail.to("hanako@example.org").len(), 1, "her address was asked to confirm");
    let mother = Browser::start(PHONE, true).await;
    mother.open(&format!("{}/", app.address)).await;
    mother.fill("#invitation-code", &code).await;
    mother.click_to("form[action='/auth/invitation'] button", &format!("{}/app", app.address)).await;
    let hers = mother.text().await;
    assert!(hers.contains("Taro") && hers.contains("出所"), "the mother's page shows the release");
    // Her own addresses, from the bar: the one staff added waits for her confirmation.
    mother.click_to("a[href='/app/addresses']", &format!("{}/app/addresses", app.address)).await;
    assert!(mother.text().await.contains("hanako@example.org"), "her address on her own page");
    check_in_both_languages(&mother, &app, "addresses").await;
    mother.close().await;

    browser.open(&format!("{}/app", app.address)).await;
    let inbox = browser.client.find(fantoccini::Locator::Css("section[aria-labelledby='inbox']")).await.unwrap();
    assert!(inbox.text().await.unwrap().contains("Taro"), "the team inbox holds the resident's alert");
    check_in_both_languages(&browser, &app, "staff-home").await;

    // The alert snoozed with why, found on the snoozed page, and brought back.
    let snooze = "form[action$='/snooze']";
    browser.unfold(snooze).await;
    browser.fill(&format!("{snooze} input[name='reason']"), "面談の後で").await;
    send(&browser, snooze).await;
    browser.click_to("a[href='/app/alerts/snoozed']", &format!("{}/app/alerts/snoozed", app.address)).await;
    assert!(browser.text().await.contains("面談の後で"), "the snoozed alert says why");
    check_in_both_languages(&browser, &app, "snoozed").await;
    send(&browser, "form[action$='/wake']").await;
    let inbox = browser.client.find(fantoccini::Locator::Css("section[aria-labelledby='inbox']")).await.unwrap();
    assert!(inbox.text().await.unwrap().contains("Taro"), "back in the inbox");
    browser.close().await;
}
