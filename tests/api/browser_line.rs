//! LINE in a real browser: a mother follows the account on her phone, opens the link it sends,
//! signs in with the invitation code the facility gave her, presses 「LINEをつなぐ」, finishes on
//! LINE's dialog, and her addresses page says LINE is linked; she chooses urgent ones only, and
//! unlinks it. Every page of ours is checked by axe-core.

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::{
    browser::check_page_at,
    browser_first_day::check_in_both_languages,
    browser_support::{Browser, PHONE},
    cases,
    helpers::{spawn_app_configured, TestApp},
    line_peer::{event, line_post, user, LinePeer, SECRET},
    reach_case::{resident, tokyo},
    sign_in::invite,
};

pub const TESTS: &[crate::helpers::Case] = cases![a_mother_links_her_line_on_her_phone_and_unlinks_it];

/// The same database, served where the browser reaches it, with LINE; the link LINE's reply
/// carries leads there.
async fn served(plain: &TestApp, peer: &LinePeer) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let settings = peer.settings();
    let app = spawn_app_configured(&plain.database_url, |config| {
        config.public_url = Some(format!("http://127.0.0.1:{port}"));
        config.addr = format!("127.0.0.1:{port}").parse().unwrap();
        config.line = Some(settings);
    })
    .await;
    app.clock.set(tokyo(2026, 3, 2, 9));
    peer.tell(&app.address);
    app
}

async fn a_mother_links_her_line_on_her_phone_and_unlinks_it(plain: TestApp) {
    let peer = LinePeer::start().await;
    let app = served(&plain, &peer).await;
    let origin = app.address.clone();
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let mother = user(9);

    // She adds the account as a friend; it answers with a link.
    let followed = line_post(&app, json!([event("follow", "B1", &mother, json!({}))]), Some(SECRET)).await;
    assert_eq!(followed.status(), reqwest::StatusCode::OK);
    let reply = peer.replies_to("R-B1").pop().expect("the reply with the link");
    let link = reply.split_whitespace().find(|word| word.starts_with(&origin)).expect("a link of ours").to_owned();

    // On her phone, not signed in: the front door, then back to the link once signed in.
    let phone = Browser::start(PHONE, true).await;
    phone.open(&link).await;
    assert_eq!(phone.path().await, "/");
    let code = invite(&app, &app.admin(), &c.family).await["code"].as_str().unwrap().to_owned();
    phone.fill("#invitation-code", &code).await;
    phone.click_to("form[action='/auth/invitation'] button", &link).await;
    let asked = phone.text().await;
    assert!(asked.contains("Hanako") && asked.contains("名前や内容は書かれません"), "{asked}");
    check_page_at(&phone, &origin, "line-link").await;
    phone.click("form[action='/line/link'] button").await;
    phone.client.wait().for_element(Locator::Css("#done")).await.expect("LINE's dialog");
    assert!(phone.text().await.contains("連携しました"), "LINE told the service");

    // Her addresses page: LINE is linked; she takes urgent ones only there.
    phone.open(&format!("{origin}/app/addresses")).await;
    let text = phone.text().await;
    assert!(
        text.contains("LINEがつながっています") && text.contains("つながっています（お知らせが届きます）"),
        "{text}"
    );
    assert!(!text.contains(&mother), "her LINE id is never shown");
    check_in_both_languages(&phone, &app, "addresses-line").await;
    phone.select("#preferences-line", "critical").await;
    phone
        .click_to(
            "form[action='/app/addresses/preferences'] button",
            &format!("{origin}/app/addresses?done=preferences"),
        )
        .await;
    let preferences: Value =
        app.get(&format!("/parties/{}/preferences", c.family), &app.admin()).await.json().await.unwrap();
    assert_eq!(preferences["line"], "critical");

    // She unlinks it: LINE is gone from her addresses, and nothing more goes there.
    phone.click("form[action$='/remove'] button").await;
    let removed = Locator::XPath("//p[@role='status' and contains(., '連絡先を削除しました')]");
    phone.client.wait().for_element(removed).await.expect("removed");
    assert!(phone.text().await.contains("つなぐのLINE公式アカウントを友だち追加すると"), "and how to link again");
    phone.close().await;
    let contacts: Value = app.get(&format!("/parties/{}/contacts", c.family), &app.admin()).await.json().await.unwrap();
    assert_eq!(contacts["items"], json!([]));
}
