//! The directory of help, in a real browser: a mother with no account, on a phone with
//! JavaScript off, opens the public page, chooses her area and "family class", and finds
//! tonight's class first with a call button; a clinic of another area is not among them. The
//! page is checked by axe-core at 390 px in Japanese and English.

use serde_json::json;

use crate::{
    browser_first_day::check_in_both_languages,
    browser_support::{Browser, PHONE},
    cases,
    helpers::{id_of, TestApp},
    reach_case::tokyo,
};

pub const TESTS: &[crate::helpers::Case] = cases![someone_with_no_account_finds_tonight_s_family_class_on_a_phone];

async fn someone_with_no_account_finds_tonight_s_family_class_on_a_phone(app: TestApp) {
    // Tuesday 12 January 2027, 15:00 in Tokyo: the second Tuesday, the class meets tonight.
    app.clock.set(tokyo(2027, 1, 12, 15));
    let origin = app.address.clone();
    let centre = json!({"kind": "consultation_window", "name": "東京都立 相談センター", "area": "東京都"});
    let centre = id_of(&app.create("/organizations", centre).await);
    let class = json!({"name": "家族教室", "kinds": ["family_class"], "area": "東京都", "phone": "03-1234-5678",
        "description": "薬物の問題をかかえるご家族のための教室です。", "assured_on": "2026-12-01",
        "schedules": [{"freq": "monthly", "byday": "2TU", "opens_at": "18:30", "closes_at": "20:30"}]});
    assert_eq!(app.post(&format!("/organizations/{centre}/services"), &app.admin(), &class).await.status(), 201);
    let clinic = json!({"name": "依存症外来", "kinds": ["outpatient_treatment"], "area": "大阪府", "phone": "06-1234-5678",
        "schedules": [{"freq": "weekly", "byday": "TU", "opens_at": "09:00", "closes_at": "17:00"}]});
    assert_eq!(app.post(&format!("/organizations/{centre}/services"), &app.admin(), &clinic).await.status(), 201);

    let phone = Browser::start(PHONE, false).await;
    // Her phone is set to Japanese (headless Chromium asks for English): she picks 日本語.
    phone.open(&format!("{origin}/lang/ja?back=/help")).await;
    phone.select("#area", "東京都").await;
    phone.select("#need", "family_class").await;
    let found = format!("{origin}/help?area=%E6%9D%B1%E4%BA%AC%E9%83%BD&need=family_class");
    phone.click_to("form[action='/help'] button[type='submit']", &found).await;
    let text = phone.text().await;
    let tonight =
        text.find("今日 1月12日（火） 18:30–20:30").unwrap_or_else(|| panic!("tonight's class is listed: {text}"));
    let places = text.find("相談先").expect("the services follow");
    assert!(tonight < text.rfind("相談先").unwrap_or(places), "this week's meetings come first: {text}");
    assert!(!text.contains("依存症外来"), "a clinic of another area and need is not listed");
    let call = phone.client.find(fantoccini::Locator::Css("li[id^='meets-'] a.call")).await.expect("a call button");
    assert_eq!(call.attr("href").await.unwrap().as_deref(), Some("tel:+81312345678"));
    phone.assert_no_horizontal_overflow().await;
    phone.assert_tap_targets().await;
    phone.close().await;

    // The same page with script on for axe-core, in both languages.
    let checked = Browser::start(PHONE, true).await;
    checked.open(&format!("{origin}/lang/ja?back=/help")).await;
    checked.open(&found).await;
    check_in_both_languages(&checked, &app, "help").await;
    assert!(checked.text().await.contains("家族教室"));
    checked.close().await;
}
