//! A prefecture's first start, in a real browser on a phone: `tsunagu serve` on an empty
//! database prints the set-up link; the IT officer opens it, becomes the first admin, adds a
//! facility with its phone and hours, opens its first staff account and prints the
//! invitation; the staff member signs in with it. No API call, no `tsunagu token`. Every admin
//! page on the way is checked by axe-core at 390 px, in Japanese and in English.

use std::{process::Stdio, time::Duration};

use fantoccini::Locator;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{
    browser::check_page_at,
    browser_support::{Browser, PHONE},
    cases,
    helpers::{child_command, until_serving, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![a_new_deployment_is_set_up_and_staffed_from_the_browser];

/// Submits the form at `form` and waits for the page to come back with its notice.
async fn send(browser: &Browser, form: &str) {
    let forget = "document.querySelectorAll('[role=status]').forEach(n => n.remove()); return true;";
    browser.client.execute(forget, vec![]).await.expect("clear the last notice");
    browser.click(&format!("{form} button[type='submit']")).await;
    let notice = Locator::XPath("//p[@role='status' and contains(., '記録しました')]");
    browser.client.wait().for_element(notice).await.unwrap_or_else(|err| panic!("{form} stored: {err}"));
}

/// The page checked in Japanese and in English, and back to Japanese.
async fn check_in_both_languages(browser: &Browser, origin: &str, name: &str) {
    check_page_at(browser, origin, &format!("{name}-ja")).await;
    browser.click("a[hreflang='en']").await;
    browser.client.wait().for_element(Locator::Css("html[lang='en']")).await.expect("English");
    check_page_at(browser, origin, &format!("{name}-en")).await;
    browser.click("a[hreflang='ja']").await;
    browser.client.wait().for_element(Locator::Css("html[lang='ja']")).await.expect("Japanese");
}

async fn href(browser: &Browser, css: &str) -> String {
    let link = browser.client.find(Locator::Css(css)).await.unwrap_or_else(|err| panic!("{css}: {err}"));
    link.attr("href").await.expect("an href").expect("a link")
}

async fn a_new_deployment_is_set_up_and_staffed_from_the_browser(app: TestApp) {
    let mut child = child_command(env!("CARGO_BIN_EXE_tsunagu"), &app.database_url)
        .env("TSUNAGU_ADDR", "127.0.0.1:0")
        .env("TSUNAGU_LOG_FORMAT", "json")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let (addr, _) = until_serving(&mut log).await;
    // Keep reading the log, so that the child never waits on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let announced = tokio::time::timeout(Duration::from_secs(10), stdout.next_line()).await.unwrap().unwrap().unwrap();
    let setup =
        announced.split_whitespace().find(|word| word.starts_with("http://")).expect("the set-up link").to_owned();
    let origin = format!("http://{addr}");

    let browser = Browser::start(PHONE, true).await;
    browser.open(&setup).await;
    // The browser asks for English; the IT officer switches to Japanese, which is kept.
    browser.click("a[hreflang='ja']").await;
    browser.client.wait().for_element(Locator::Css("html[lang='ja']")).await.expect("Japanese");
    assert!(browser.path().await.starts_with("/setup/"), "the switch comes back to the set-up page");
    check_in_both_languages(&browser, &origin, "setup").await;
    browser.fill("#setup-display_name", "加藤 IT").await;
    browser.select("#setup-channel", "email").await;
    browser.fill("#setup-address", "it@pref.example").await;
    browser.click_to("form[action^='/setup/'] button[type='submit']", &format!("{origin}/app")).await;
    assert!(browser.text().await.contains("加藤 IT"), "signed in as the first admin");
    check_in_both_languages(&browser, &origin, "admin-home").await;

    browser.click_to("a[href='/admin/organizations']", &format!("{origin}/admin/organizations")).await;
    check_in_both_languages(&browser, &origin, "admin-organizations").await;
    browser.select("#organization-kind", "rehab_facility").await;
    browser.fill("#organization-name", "ひまわり寮").await;
    browser.fill("#organization-phone", "03-1234-5678").await;
    browser.fill("#organization-hours", "平日 9:00〜17:00").await;
    browser.fill("#organization-area", "東京都").await;
    send(&browser, "form[action='/admin/organizations']").await;
    let facility = href(&browser, "a[href^='/admin/organizations/']").await;
    let org = facility.trim_start_matches("/admin/organizations/").to_owned();
    browser.click_to(&format!("a[href='{facility}']"), &format!("{origin}{facility}")).await;
    let text = browser.text().await;
    assert!(text.contains("ひまわり寮"));
    check_in_both_languages(&browser, &origin, "admin-organization").await;

    browser.click_to("a[href='/admin/accounts']", &format!("{origin}/admin/accounts")).await;
    check_in_both_languages(&browser, &origin, "admin-accounts").await;
    browser.select("#account-role", "staff").await;
    browser.fill("#account-display_name", "佐藤 職員").await;
    browser.select("#account-organization_id", &org).await;
    send(&browser, "form[action='/admin/accounts']").await;
    assert!(browser.path().await.starts_with("/admin/accounts/"));
    check_in_both_languages(&browser, &origin, "admin-account").await;
    browser.click("form[action$='/invitations'] button").await;
    browser.client.wait().for_element(Locator::Css(".qr svg")).await.expect("the printable invitation");
    let code = browser.client.find(Locator::Css(".code")).await.unwrap().text().await.unwrap();
    // The printed sheet answers a form: its language switch goes back to the account's page.
    check_page_at(&browser, &origin, "admin-invitation-ja").await;

    for (path, name) in [
        ("/admin/partners", "admin-partners"),
        ("/admin/audit", "admin-audit"),
        ("/admin/provisions", "admin-provisions"),
        ("/admin/retention", "admin-retention"),
        ("/app/imports", "admin-imports"),
    ] {
        browser.open(&format!("{origin}{path}")).await;
        check_in_both_languages(&browser, &origin, name).await;
    }

    // The admin signs out; the staff member signs in with the printed code.
    browser.click_to("form[action='/auth/sign-out'] button", &format!("{origin}/")).await;
    browser.fill("#invitation-code", &code).await;
    browser.click_to("form[action='/auth/invitation'] button", &format!("{origin}/app")).await;
    let home = browser.text().await;
    assert!(home.contains("利用者"), "the staff member's page: {home}");
    assert!(!home.contains("加藤 IT"));
    browser.open(&format!("{origin}/admin/accounts")).await;
    assert!(browser.text().await.contains("このページはありません"), "staff meet no admin page");
    browser.close().await;
    let _ = child.kill().await;
}
