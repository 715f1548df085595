//! Connecting, in a real browser: a probation officer refers a person to a recovery facility
//! from the referrals page; the facility's staff member accepts, arranges the hand-off meeting
//! (顔合わせ) and marks it held; both sides then see the person connected. Every page is
//! checked by axe-core, in both languages.

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::{
    browser::sign_in,
    browser_first_day::check_in_both_languages,
    browser_support::{Browser, DESKTOP, PHONE},
    cases,
    helpers::{id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] =
    cases![a_probation_officer_refers_and_the_facility_accepts_meets_and_connects_the_person];

async fn a_probation_officer_refers_and_the_facility_accepts_meets_and_connects_the_person(app: TestApp) {
    let origin = app.address.clone();
    let office =
        id_of(&app.create("/organizations", json!({"kind": "probation_office", "name": "東京保護観察所"})).await);
    let darc = id_of(&app.create("/organizations", json!({"kind": "rehab_facility", "name": "ひかりダルク"})).await);
    let officer = app
        .create_party(json!({"role": "probation", "display_name": "伊藤", "organization_id": office, "language": "ja"}))
        .await;
    let staff = app
        .create_party(json!({"role": "staff", "display_name": "工藤", "organization_id": darc, "language": "ja"}))
        .await;
    let person = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await);
    let link = json!({"party_id": officer, "relationship": "probation_officer"});
    let linked = app.post(&format!("/persons/{person}/links"), &app.admin(), &link).await;
    assert_eq!(linked.status(), reqwest::StatusCode::CREATED);
    let today = app.today().to_string();

    // The probation officer, at a desk, refers Taro to the DARC.
    let desk = Browser::start(DESKTOP, true).await;
    sign_in(&desk, &app, &officer).await;
    desk.click_to("a[href='/app/referrals']", &format!("{origin}/app/referrals")).await;
    desk.select("select[name='person_id']", &person).await;
    desk.select("select[name='to_organization_id']", &darc).await;
    desk.fill("form[action='/app/referrals'] input[name='reason']", "出所後の居場所としてつなぎたい").await;
    desk.select("select[name='basis.kind']", "written").await;
    desk.fill("input[name='basis.reference']", "同意書 P-3").await;
    desk.click_to(
        "form[action='/app/referrals'] button[type='submit']",
        &format!("{origin}/app/referrals?done=referred"),
    )
    .await;
    let text = desk.text().await;
    assert!(text.contains("Taro → ひかりダルク") && text.contains("返事待ち"), "{text}");
    check_in_both_languages(&desk, &app, "referrals-made").await;
    let token = app.token("probation", &officer);
    let outgoing: Value = app.get("/referrals?direction=outgoing", &token).await.json().await.unwrap();
    let referral = id_of(&outgoing["items"][0]);

    // The DARC's staff member, on a phone, sees who is referred and what was shared, accepts,
    // arranges the meeting for this afternoon and, after it, marks it held.
    let phone = Browser::start(PHONE, true).await;
    sign_in(&phone, &app, &staff).await;
    phone.click_to("a[href='/app/referrals']", &format!("{origin}/app/referrals")).await;
    let text = phone.text().await;
    assert!(text.contains("Taro") && text.contains("出所後の居場所としてつなぎたい"), "{text}");
    check_in_both_languages(&phone, &app, "referrals-incoming").await;
    let step = format!("form[action='/app/referrals/{referral}/events']");
    phone.click_to(&format!("{step} button[value='accept']"), &format!("{origin}/app/referrals?done=step")).await;
    assert!(phone.text().await.contains("受け入れ決定"));
    let meeting = format!("form[action='/app/referrals/{referral}/meeting']");
    phone.set_date(&format!("{meeting} input[name='meeting_on']"), &today).await;
    phone.set_date(&format!("{meeting} input[name='meeting_at']"), "14:00").await;
    phone.fill(&format!("{meeting} input[name='place']"), "ダルク面会室").await;
    phone.fill(&format!("{meeting} input[name='met_by']"), "ピアスタッフ 田中").await;
    phone.click_to(&format!("{meeting} button[type='submit']"), &format!("{origin}/app/referrals?done=meeting")).await;
    let text = phone.text().await;
    assert!(text.contains("日程決定") && text.contains("ピアスタッフ 田中"), "{text}");
    check_in_both_languages(&phone, &app, "referrals-meeting").await;
    phone.click_to(&format!("{meeting} button[value='hold']"), &format!("{origin}/app/referrals?done=meeting")).await;
    phone.client.wait().for_element(Locator::Css("strong[data-state='connected']")).await.expect("connected");
    phone.close().await;

    // Back at the desk, the referring side sees it too.
    desk.open(&format!("{origin}/app/referrals")).await;
    let text = desk.text().await;
    assert!(text.contains("つながった（顔合わせ済み）"), "{text}");
    desk.close().await;
    let read: Value = app.get(&format!("/referrals/{referral}"), &token).await.json().await.unwrap();
    assert_eq!(read["state"], "connected");
}
