//! The mother's and the person's pages on a 390 px phone, in Japanese and English, in a real
//! browser: every place to turn has a 「電話する」 button at least 44 × 44 px that dials; the
//! calendar page offers one button and a copy field, the QR only on wide screens; the person's
//! consent page names the facility team, and ticking nothing asks before stopping (keeping
//! sharing changes nothing). axe-core finds no serious or critical violation on any of them.

use fantoccini::Locator;
use serde_json::Value;

use crate::{
    browser::{check_page, sign_in},
    browser_first_day::check_in_both_languages,
    browser_support::{Browser, DESKTOP, PHONE},
    cases,
    helpers::TestApp,
    pages::scene,
};

pub const TESTS: &[crate::helpers::Case] =
    cases![a_mother_and_her_son_on_small_phones_see_whom_to_call_and_what_is_shared];

/// Every `tel:` link on the page is a button at least 44 × 44 px: answers how many there are.
async fn assert_call_buttons(browser: &Browser) -> usize {
    let script = r#"
        return [...document.querySelectorAll('a[href^="tel:"]')].map(a => {
            const box = a.getBoundingClientRect();
            return [a.className, Math.round(box.width), Math.round(box.height)];
        });"#;
    let buttons = browser.client.execute(script, vec![]).await.expect("measure the call buttons");
    let buttons = buttons.as_array().cloned().unwrap_or_default();
    for button in &buttons {
        let (width, height) = (button[1].as_i64().unwrap_or(0), button[2].as_i64().unwrap_or(0));
        assert!(button[0].as_str().unwrap_or("").contains("call"), "a tel: link that is not a call button: {button}");
        assert!(width >= 44 && height >= 44, "a call button under 44 × 44 px at 390 px: {button}");
    }
    buttons.len()
}

async fn displayed(browser: &Browser, css: &str) -> bool {
    let script = "const e = document.querySelector(arguments[0]); return !!e && e.getClientRects().length > 0;";
    browser.client.execute(script, vec![Value::from(css)]).await.expect("ask the page") == Value::Bool(true)
}

async fn a_mother_and_her_son_on_small_phones_see_whom_to_call_and_what_is_shared(app: TestApp) {
    let s = scene(&app).await;
    let mother = Browser::start(PHONE, true).await;
    sign_in(&mother, &app, &s.family).await;
    let text = mother.text().await;
    assert!(text.contains("電話する") && text.contains("Tokyo Drug Consultation"), "{text}");
    assert!(text.contains("保釈中の生活や面会の相談") && text.contains("平日 9:00〜17:00"), "what it helps with, when");
    assert!(assert_call_buttons(&mother).await >= 2, "the facility and the consultation service");
    check_in_both_languages(&mother, &app, "family-plain").await;
    assert!(assert_call_buttons(&mother).await >= 2);

    // The calendar: one button for the phone's calendar and a copy field; the QR is for wide screens.
    mother.click("form[action='/app/calendar'] button").await;
    mother.client.wait().for_element(Locator::Css("input.copy")).await.expect("the calendar page");
    assert!(!mother.text().await.contains("前に作ったリンク"), "no warning about a link never made");
    assert!(displayed(&mother, "a[href^='webcal://']").await && displayed(&mother, "input.copy").await);
    assert!(!displayed(&mother, ".wide-only svg").await, "no QR to scan with the phone it is on");
    check_page(&mother, &app, "calendar-plain-ja").await;
    mother.resize(DESKTOP).await;
    assert!(displayed(&mother, ".wide-only svg").await, "the QR on a wide screen");
    mother.resize(PHONE).await;
    mother.close().await;

    let son = Browser::start(PHONE, true).await;
    sign_in(&son, &app, &s.person_party).await;
    let text = son.text().await;
    assert!(text.contains("Hikari Houseのスタッフ") && text.contains("Hanako"), "every team and party that sees him");
    assert!(assert_call_buttons(&son).await >= 2, "whom to call, on his own page too");
    check_in_both_languages(&son, &app, "person-plain").await;

    // Ticking nothing asks first; keeping the sharing leaves Hanako's view as it was.
    son.unfold(&format!("form[action='/app/sharing/{}']", s.link)).await;
    let untick = "document.querySelectorAll(arguments[0]).forEach(box => { box.checked = false; }); return true;";
    let boxes = format!("form[action='/app/sharing/{}'] input[type=checkbox]", s.link);
    son.client.execute(untick, vec![Value::from(boxes)]).await.expect("untick every kind");
    son.click(&format!("form[action='/app/sharing/{}'] button", s.link)).await;
    let stop = format!("form[action='/app/sharing/{}/stop'] button", s.link);
    son.client.wait().for_element(Locator::Css(&stop)).await.expect("asked whether to stop sharing");
    let text = son.text().await;
    assert!(text.contains("共有をやめる") && text.contains("共有を続ける"), "{text}");
    check_page(&son, &app, "stop-sharing-plain-ja").await;
    son.click_to("a[href='/app']", &format!("{}/app", app.address)).await;
    let link: Value = app.get(&format!("/links/{}", s.link), &app.admin()).await.json().await.unwrap();
    assert_eq!((link["active"].as_bool(), link["scope"].as_array().map(Vec::len)), (Some(true), Some(5)));
    son.close().await;
}
