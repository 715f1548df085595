//! A prefecture's first start, in a real browser on a phone: `tsunagu serve` on an empty
//! database prints the set-up link; the IT officer opens it, becomes the first admin, adds a
//! facility with its phone and hours, opens its first staff account and prints the
//! invitation, and fills the roll from the facility's Shift_JIS spreadsheet; the staff member
//! signs in with the invitation and finds the residents there. No API call, no `tsunagu
//! token`. Every page on the way is checked by axe-core at 390 px, in Japanese and English.

use fantoccini::Locator;

use crate::{
    browser::check_page_at,
    browser_support::{Browser, PHONE},
    cases,
    helpers::TestApp,
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
    let crate::setup::FirstStart { mut child, addr, mut log, announced, .. } =
        crate::setup::first_start(&app.database_url).await;
    // Keep reading the log, so that the child never waits on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
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

    // The facility's spreadsheet, as Japanese Excel saves it: checked, shown, stored.
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("名簿.csv");
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(
        "施設での番号,氏名,生年月日,入所日,出所予定日,出所の種類\r\nA-1,山田 太郎,1980/04/01,2026/04/01,2027/03/01,full_term\r\nA-2,鈴木 花子,1985/07/07,2026/05/10,,\r\n",
    );
    std::fs::write(&sheet, &bytes).unwrap();
    browser.select("#import-organization", &org).await;
    let file = browser.client.find(Locator::Css("#import-file")).await.expect("the file field");
    file.send_keys(sheet.to_str().unwrap()).await.expect("choose the file");
    browser.click("form[action='/app/imports'] button[type='submit']").await;
    browser.client.wait().for_element(Locator::Css("form[action$='/confirm']")).await.expect("the checked file");
    assert!(browser.text().await.contains("鈴木 花子"));
    check_in_both_languages(&browser, &origin, "import-preview").await;
    browser.click("form[action$='/confirm'] button").await;
    let stored = Locator::XPath("//p[@role='status' and contains(., '登録しました')]");
    browser.client.wait().for_element(stored).await.expect("stored");

    // The admin signs out; the staff member signs in with the printed code.
    browser.click_to("form[action='/auth/sign-out'] button", &format!("{origin}/")).await;
    browser.fill("#invitation-code", &code).await;
    browser.click_to("form[action='/auth/invitation'] button", &format!("{origin}/app")).await;
    let home = browser.text().await;
    assert!(home.contains("利用者"), "the staff member's page: {home}");
    assert!(home.contains("山田 太郎") && home.contains("鈴木 花子"), "the imported residents are on the roll");
    assert!(!home.contains("加藤 IT"));
    browser.open(&format!("{origin}/admin/accounts")).await;
    assert!(browser.text().await.contains("このページはありません"), "staff meet no admin page");
    browser.close().await;
    let _ = child.kill().await;
}
