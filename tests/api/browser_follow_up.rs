//! Staying beside, in a real browser: the facility's staff member sets a resident's follow-up
//! plan with a mental-health welfare centre's coordinator; the resident, on a phone, presses
//! 「話したい」 and is told who will call and when they are open; the coordinator finds the day's
//! check-in on their follow-up page and records the call. Every page is checked by axe-core.

use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    browser::sign_in,
    browser_first_day::check_in_both_languages,
    browser_support::{Browser, DESKTOP, PHONE},
    cases,
    helpers::{id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] =
    cases![staff_set_a_plan_the_person_asks_to_talk_and_the_coordinator_records_the_call];

async fn staff_set_a_plan_the_person_asks_to_talk_and_the_coordinator_records_the_call(app: TestApp) {
    let origin = app.address.clone();
    let darc = id_of(&app.create("/organizations", json!({"kind": "rehab_facility", "name": "ひかりダルク"})).await);
    let centre =
        json!({"kind": "mental_health_welfare_centre", "name": "県精神保健福祉センター", "hours": "平日 9:00–17:00"});
    let centre = id_of(&app.create("/organizations", centre).await);
    let staff = app
        .create_party(json!({"role": "staff", "display_name": "工藤", "organization_id": darc, "language": "ja"}))
        .await;
    let coordinator = app
        .create_party(json!({"role": "staff", "display_name": "小野", "organization_id": centre, "language": "ja"}))
        .await;
    let staff_token = app.token("staff", &staff);
    let person = app.post("/persons", &staff_token, &json!({"display_name": "Taro"})).await;
    let person = id_of(&person.json().await.unwrap());
    let link = json!({"party_id": coordinator, "relationship": "coordinator"});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &staff_token, &link).await.status(), 201);
    let own = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": person})).await;
    // Probation began two weeks ago: the first check-in is today.
    let began = (app.today() - chrono::Duration::days(14)).to_string();

    // The facility's staff member sets the plan from the resident's follow-up page.
    let desk = Browser::start(DESKTOP, true).await;
    sign_in(&desk, &app, &staff).await;
    desk.click_to("a[href='/app/follow-up']", &format!("{origin}/app/follow-up")).await;
    desk.open(&format!("{origin}/app/follow-up/{person}")).await;
    desk.select("select[name='coordinator_party_id']", &coordinator).await;
    desk.set_date("input[name='starts_on']", &began).await;
    desk.select("select[name='cadence']", "standard").await;
    desk.click_to("form[action$='/plan'] button[type='submit']", &format!("{origin}/app/follow-up/{person}?done=plan"))
        .await;
    let text = desk.text().await;
    assert!(text.contains("継続中") && text.contains("小野"), "{text}");
    check_in_both_languages(&desk, &app, "follow-up-plan").await;
    desk.close().await;

    // Taro, on a phone, asks for a call with one press.
    let phone = Browser::start(PHONE, true).await;
    sign_in(&phone, &app, &own).await;
    check_in_both_languages(&phone, &app, "follow-up-person").await;
    phone.click("form[action='/app/talk'] button").await;
    phone.client.wait().for_element(fantoccini::Locator::Css("h1")).await.expect("the answer");
    let text = phone.text().await;
    assert!(text.contains("小野") && text.contains("平日 9:00–17:00") && text.contains("ひかりダルク"), "{text}");
    phone.assert_accessible().await;
    phone.close().await;

    // The coordinator sees the request and today's check-in, and records the call.
    tick(&app.state).await.unwrap();
    let token = app.token("staff", &coordinator);
    let inbox: Value = app.get("/me/alerts", &token).await.json().await.unwrap();
    let rules: Vec<&str> = inbox["items"].as_array().unwrap().iter().map(|a| a["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"talk_requested"), "{rules:?}");
    let desk = Browser::start(DESKTOP, true).await;
    sign_in(&desk, &app, &coordinator).await;
    desk.open(&format!("{origin}/app/follow-up")).await;
    let text = desk.text().await;
    assert!(text.contains("今日の連絡") && text.contains("Taro"), "{text}");
    check_in_both_languages(&desk, &app, "follow-up-today").await;
    desk.click_to(
        &format!("form[action='/app/follow-up/{person}/check-ins'] button[value='reached']"),
        &format!("{origin}/app/follow-up?done=check_in"),
    )
    .await;
    assert!(desk.text().await.contains("今日の連絡はありません"));
    desk.open(&format!("{origin}/app/follow-up/{person}")).await;
    let text = desk.text().await;
    assert!(text.contains("話せた") && text.contains("電話"), "{text}");
    desk.close().await;
    let plan: Value = app.get(&format!("/persons/{person}/follow-up"), &token).await.json().await.unwrap();
    assert_eq!(plan["check_ins"][0]["outcome"], "reached", "{plan}");
}
