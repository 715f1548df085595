//! LINE: a mother who only uses LINE follows the account, links it after signing in, and hears
//! of the first two weeks after her son's release with nothing in her LINE history saying what
//! it is about; pushes are delivered once through a 500 and back off on a 429; 停止 and
//! blocking the account stop them; forged webhooks, redeliveries and spent, expired or foreign
//! nonces change nothing.

use chrono::Duration;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{spawn_app_configured, TestApp},
    line_peer::{event, line_post, link_path, user, LinePeer, SECRET},
    reach_case::{release_today, resident, tokyo},
    reach_support::PUBLIC_URL,
    sign_in::{browser, invite, session_cookie},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_mother_who_only_uses_line_hears_of_the_release_and_her_line_says_nothing_of_it,
    stop_and_blocking_the_account_stop_pushes_and_a_429_backs_off,
    a_nonce_links_once_for_its_own_user_and_not_after_it_expires,
];

/// The same database, served by an instance with LINE (and no e-mail or SMS).
pub async fn with_line(plain: &TestApp, peer: &LinePeer) -> TestApp {
    let settings = peer.settings();
    let app = spawn_app_configured(&plain.database_url, |config| {
        config.public_url = Some(PUBLIC_URL.to_owned());
        config.line = Some(settings);
    })
    .await;
    app.clock.set(tokyo(2026, 3, 2, 9));
    app
}

/// Opens `path` with no session, signs in at the front door with an invitation for `party`,
/// and is taken back to `path`. The session cookie.
async fn signed_in_through(app: &TestApp, party: &str, path: &str) -> String {
    let door = browser().get(format!("{}{path}", app.address)).send().await.unwrap();
    assert_eq!(door.headers()[header::LOCATION], "/", "sent to sign in first");
    let kept = door
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("tsunagu_next="))
        .map(|value| value.split(';').next().unwrap_or_default().to_owned())
        .expect("the link kept through sign-in");
    let invitation = invite(app, &app.admin(), party).await;
    let signed = browser()
        .post(format!("{}/auth/invitation", app.address))
        .header(header::COOKIE, kept)
        .header("origin", PUBLIC_URL)
        .form(&[("code", invitation["code"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.headers()[header::LOCATION], path, "back to the link once signed in");
    session_cookie(&signed).expect("a session")
}

/// `user_id` follows; the reply's link, opened and signed in as `party`, is confirmed with the
/// button. The nonce LINE is sent to finish with.
async fn asked_to_link(app: &TestApp, peer: &LinePeer, party: &str, user_id: &str, id: &str) -> String {
    let followed =
        line_post(app, json!([event("follow", id, user_id, json!({"follow": {"isUnblocked": false}}))]), Some(SECRET))
            .await;
    assert_eq!(followed.status(), StatusCode::OK);
    let replies = peer.replies_to(&format!("R-{id}"));
    assert_eq!(replies.len(), 1, "one reply with the way to link");
    assert!(!replies[0].contains("Taro") && !replies[0].contains("Hanako"), "{}", replies[0]);
    let path = link_path(&replies[0]);
    assert!(path.starts_with("/line/link?linkToken="), "{path}");
    let cookie = signed_in_through(app, party, &path).await;
    let page = browser().get(format!("{}{path}", app.address)).header(header::COOKIE, &cookie).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let token = path.trim_start_matches("/line/link?linkToken=");
    let pressed = browser()
        .post(format!("{}/line/link", app.address))
        .header(header::COOKIE, &cookie)
        .header("origin", PUBLIC_URL)
        .form(&[("linkToken", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(pressed.status(), StatusCode::SEE_OTHER);
    let to = url::Url::parse(pressed.headers()[header::LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(
        format!("{}://{}:{}{}", to.scheme(), to.host_str().unwrap(), to.port().unwrap(), to.path()),
        format!("{}/dialog/bot/accountLink", peer.url),
        "on to LINE's account-link dialog"
    );
    let query: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(query["linkToken"], token);
    query["nonce"].clone()
}

/// LINE says the account was linked with `nonce`.
async fn linked_event(app: &TestApp, user_id: &str, nonce: &str, id: &str) {
    let link = json!({"link": {"result": "ok", "nonce": nonce}});
    assert_eq!(
        line_post(app, json!([event("accountLink", id, user_id, link)]), Some(SECRET)).await.status(),
        StatusCode::OK
    );
}

async fn link(app: &TestApp, peer: &LinePeer, party: &str, user_id: &str, id: &str) {
    let nonce = asked_to_link(app, peer, party, user_id, &format!("{id}-follow")).await;
    linked_event(app, user_id, &nonce, &format!("{id}-link")).await;
}

/// The party's LINE addresses as an admin sees them.
async fn line_contacts(app: &TestApp, party: &str) -> Vec<Value> {
    let contacts: Value = app.get(&format!("/parties/{party}/contacts"), &app.admin()).await.json().await.unwrap();
    contacts["items"].as_array().unwrap().iter().filter(|contact| contact["channel"] == "line").cloned().collect()
}

async fn say(app: &TestApp, user_id: &str, text: &str, id: &str) {
    let message = json!({"message": {"type": "text", "id": id, "text": text}});
    assert_eq!(
        line_post(app, json!([event("message", id, user_id, message)]), Some(SECRET)).await.status(),
        StatusCode::OK
    );
}

async fn a_mother_who_only_uses_line_hears_of_the_release_and_her_line_says_nothing_of_it(plain: TestApp) {
    let peer = LinePeer::start().await;
    let app = with_line(&plain, &peer).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let mother = user(1);

    // A webhook without the channel's signature, or with another's, does nothing.
    let follow = json!([event("follow", "F0", &mother, json!({}))]);
    assert_eq!(line_post(&app, follow.clone(), None).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(line_post(&app, follow, Some("not-the-secret")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!((peer.replies(), peer.link_tokens().len()), (0, 0));

    // She follows; signs in from the link; LINE finishes the link with the nonce.
    let nonce = asked_to_link(&app, &peer, &c.family, &mother, "F1").await;
    // The same follow delivered again is not acted on again.
    let mut again = event("follow", "F1", &mother, json!({}));
    again["deliveryContext"]["isRedelivery"] = json!(true);
    assert_eq!(line_post(&app, json!([again]), Some(SECRET)).await.status(), StatusCode::OK);
    assert_eq!((peer.replies(), peer.link_tokens().len()), (1, 1), "nothing done twice");
    linked_event(&app, &mother, &nonce, "L1").await;
    // Staff see that she is reachable on LINE, never her LINE id.
    let contacts = line_contacts(&app, &c.family).await;
    assert_eq!(contacts.len(), 1);
    assert_eq!((&contacts[0]["address"], &contacts[0]["status"]), (&json!("LINE"), &json!("confirmed")));
    let everything = app.get(&format!("/parties/{}/contacts", c.family), &app.admin()).await.text().await.unwrap();
    assert!(!everything.contains(&mother), "the LINE id is not given out");
    let staff_party =
        app.create_party(json!({"role": "staff", "display_name": "Kato", "organization_id": c.org})).await;
    let staff = crate::sign_in::signed_in(&app, &staff_party).await;
    let page = crate::pages::page(&app, &staff, &format!("/app/residents/{}", c.person)).await.text().await.unwrap();
    assert!(
        page.contains(
            "<strong>Hanako</strong> <span class=\"muted\">（家族）</span> <span class=\"tag\">LINEで届きます</span>"
        ),
        "{page}"
    );
    assert!(!page.contains(&mother));

    // Her son is released: the first two weeks begin. LINE answers the push 500 after taking it;
    // the retry carries the same key, is answered 409, and she has it once.
    peer.fail_next(&[500]);
    release_today(&app, &c).await;
    tick(&app.state).await.unwrap();
    assert_eq!(peer.asked_for(&mother).len(), 1);
    app.clock.advance(Duration::minutes(1));
    tick(&app.state).await.unwrap();
    let asked = peer.asked_for(&mother);
    assert_eq!(asked.len(), 2, "tried again after the 500");
    assert_eq!(asked[0].retry_key, asked[1].retry_key, "with the same retry key");
    let delivered = peer.delivered_to(&mother);
    assert_eq!(delivered.len(), 1, "and delivered once");
    assert_eq!(app.count_where("outbox_messages", "channel = 'line' AND status = 'delivered'").await, 1);
    let text = &delivered[0].text;
    assert!(text.starts_with("つなぐからお知らせがあります。大切な日が近づいています。"), "{text}");
    assert!(text.contains(PUBLIC_URL), "a link to the page: {text}");
    for private in ["Taro", "Hanako", "出所", "釈放", "Hikari", "薬物", "二週間"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    // What LINE was given is recorded as a provision by LINE.
    assert!(app.count_where("provision_records", "channel = 'line'").await >= 1);

    // A code never goes to LINE; a new way in is told there, with no code and no link.
    let line_id = contacts[0]["id"].as_str().unwrap();
    let invitations = format!("/parties/{}/invitations", c.family);
    let refused = app.post(&invitations, &app.admin(), &json!({"send_to": line_id})).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.post(&invitations, &app.admin(), &json!({})).await.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    let told = peer.delivered_to(&mother);
    assert_eq!(told.len(), 2, "the alert, then the notice of a new way in: {told:?}");
    assert!(told[1].text.contains("サインイン方法が追加されました"), "{}", told[1].text);
    assert!(!told[1].text.contains("http") && !told[1].text.contains("Hanako"), "{}", told[1].text);
}

async fn stop_and_blocking_the_account_stop_pushes_and_a_429_backs_off(plain: TestApp) {
    let peer = LinePeer::start().await;
    let app = with_line(&plain, &peer).await;
    let first = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let second = resident(&app, json!({"role": "family", "display_name": "Yoshiko", "language": "ja"})).await;
    let phone =
        app.patch(&format!("/organizations/{}", first.org), &app.admin(), &json!({"phone": "03-1234-5678"})).await;
    assert_eq!(phone.status(), StatusCode::OK);
    let (mother, counsel, other) = (user(2), user(3), user(4));
    link(&app, &peer, &first.family, &mother, "A").await;
    link(&app, &peer, &first.lawyer, &counsel, "B").await;
    link(&app, &peer, &second.family, &other, "C").await;

    // ヘルプ is answered with the facility's number, not its name; anything else, that the
    // account is not read.
    say(&app, &mother, "ヘルプ", "M1").await;
    let help = peer.replies_to("R-M1");
    assert!(help[0].contains("03-1234-5678") && !help[0].contains("Hikari"), "{help:?}");
    say(&app, &mother, "息子は元気ですか", "M2").await;
    assert!(peer.replies_to("R-M2")[0].contains("読まれていません"));
    // 話したい from the mother is not read: only the person's own account asks for a call. From
    // Taro's own LINE it asks his facility to call, and the reply names no one.
    say(&app, &mother, "話したい", "T1").await;
    assert!(peer.replies_to("R-T1")[0].contains("読まれていません"));
    assert_eq!(app.count_where("alerts", "rule = 'talk_requested'").await, 0);
    let taro = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": first.person})).await;
    link(&app, &peer, &taro, &user(6), "D").await;
    say(&app, &user(6), "話したい", "T2").await;
    let reply = peer.replies_to("R-T2");
    assert!(reply[0].contains("連絡をお願いしました") && !reply[0].contains("Taro"), "{reply:?}");
    assert_eq!(app.count_where("alerts", "rule = 'talk_requested'").await, 1);
    // 停止 stops her; the lawyer blocks the account.
    say(&app, &mother, "停止", "M3").await;
    assert!(peer.replies_to("R-M3")[0].contains("停止しました"));
    let blocked = line_post(&app, json!([event("unfollow", "U1", &counsel, json!({}))]), Some(SECRET)).await;
    assert_eq!(blocked.status(), StatusCode::OK);
    assert_eq!(line_contacts(&app, &first.family).await[0]["status"], "opted_out");
    assert_eq!(line_contacts(&app, &first.lawyer).await[0]["status"], "opted_out");

    // Both sons are released. The stopped and the blocked hear nothing; the other mother's push
    // meets a 429 and goes once LINE lets it.
    peer.fail_next(&[429]);
    release_today(&app, &first).await;
    release_today(&app, &second).await;
    tick(&app.state).await.unwrap();
    assert_eq!((peer.asked_for(&mother).len(), peer.asked_for(&counsel).len()), (0, 0));
    assert_eq!((peer.asked_for(&other).len(), peer.delivered_to(&other).len()), (1, 0), "slowed down");
    let waiting = app.count_where("outbox_messages", "channel = 'line' AND status = 'pending' AND attempts = 1").await;
    assert_eq!(waiting, 1, "kept to try again");
    app.clock.advance(Duration::minutes(1));
    tick(&app.state).await.unwrap();
    assert_eq!(peer.delivered_to(&other).len(), 1);

    // 再開 and following again bring them back.
    say(&app, &mother, "再開", "M4").await;
    assert!(peer.replies_to("R-M4")[0].contains("再開しました"));
    let back = line_post(
        &app,
        json!([event("follow", "U2", &counsel, json!({"follow": {"isUnblocked": true}}))]),
        Some(SECRET),
    )
    .await;
    assert_eq!(back.status(), StatusCode::OK);
    assert_eq!(line_contacts(&app, &first.family).await[0]["status"], "confirmed");
    assert_eq!(line_contacts(&app, &first.lawyer).await[0]["status"], "confirmed");
    assert!(peer.replies_to("R-U2")[0].contains("You are linked to Tsunagu"), "in the lawyer's English");
}

async fn a_nonce_links_once_for_its_own_user_and_not_after_it_expires(plain: TestApp) {
    let peer = LinePeer::start().await;
    let app = with_line(&plain, &peer).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let (mother, stranger, later) = (user(5), user(6), user(7));
    let nonce = asked_to_link(&app, &peer, &c.family, &mother, "N1").await;
    // Another LINE user with her nonce: nothing is tied, to either of them.
    linked_event(&app, &stranger, &nonce, "N2").await;
    assert!(line_contacts(&app, &c.family).await.is_empty());
    // Her own: tied. Used again (after she unlinks): nothing.
    linked_event(&app, &mother, &nonce, "N3").await;
    let contacts = line_contacts(&app, &c.family).await;
    assert_eq!(contacts.len(), 1);
    let id = contacts[0]["id"].as_str().unwrap();
    let family = app.token("family", &c.family);
    assert_eq!(
        app.delete(&format!("/parties/{}/contacts/{id}", c.family), &family).await.status(),
        StatusCode::NO_CONTENT
    );
    linked_event(&app, &mother, &nonce, "N4").await;
    assert!(line_contacts(&app, &c.family).await.is_empty(), "a nonce is used once");
    // A nonce past its ten minutes: nothing; and its link token's page says the link has gone.
    let late = asked_to_link(&app, &peer, &c.lawyer, &later, "N5").await;
    app.clock.advance(Duration::minutes(11));
    linked_event(&app, &later, &late, "N6").await;
    assert!(line_contacts(&app, &c.lawyer).await.is_empty());
    let token = peer.link_tokens().last().unwrap().clone();
    let cookie = crate::sign_in::signed_in(&app, &c.lawyer).await;
    let gone = browser()
        .get(format!("{}/line/link?linkToken={token}", app.address))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::GONE);
    // Pressing the button from another site links nothing.
    let forged = browser()
        .post(format!("{}/line/link", app.address))
        .header(header::COOKIE, &cookie)
        .header("origin", "https://evil.example")
        .form(&[("linkToken", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(forged.status().is_client_error(), "{}", forged.status());
}

/// PostgreSQL only: instances share the outbox.
pub const POSTGRES_ONLY: &[crate::helpers::Case] = cases![each_push_goes_once_across_three_instances_though_one_dies];

async fn each_push_goes_once_across_three_instances_though_one_dies(plain: TestApp) {
    let peer = LinePeer::start().await;
    let app = with_line(&plain, &peer).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako"})).await;
    // Thirty family members with linked LINE accounts (seeded: linking is tested above).
    for n in 0..30u8 {
        let party = app.create_party(json!({"role": "family", "display_name": format!("Family {n}")})).await;
        let body = json!({"party_id": party, "relationship": "family"});
        let linked = app.post(&format!("/persons/{}/links", c.person), &c.staff, &body).await;
        assert_eq!(linked.status(), StatusCode::CREATED);
        crate::helpers::seed_confirmed_address(&app, &party, "line", user(100 + n), n).await;
    }
    release_today(&app, &c).await;
    let settings = || peer.settings();
    let mut others = Vec::new();
    for _ in 0..2 {
        let line = settings();
        let other = spawn_app_configured(&app.database_url, |config| {
            config.public_url = Some(PUBLIC_URL.to_owned());
            config.line = Some(line);
        })
        .await;
        other.clock.set(app.now());
        others.push(other);
    }
    // The first instance writes the outbox, claims a batch of pushes and dies before sending.
    tsunagu::workflow::alerts::replan_requested(&app.state).await.unwrap();
    tsunagu::workflow::alerts::deliver_due(&app.state).await.unwrap();
    let txn = app.state.db.begin().await.unwrap();
    let lost = crate::helpers::claim_any(&txn, app.now(), Duration::seconds(60), 8).await;
    txn.commit().await.unwrap();
    assert_eq!(lost.len(), 8);
    // The survivors share the rest at once, and the dead one's claims once they lapse.
    let (a, b) = tokio::join!(tick(&others[0].state), tick(&others[1].state));
    a.unwrap();
    b.unwrap();
    for other in &others {
        other.clock.advance(Duration::minutes(2));
    }
    let (a, b) = tokio::join!(tick(&others[0].state), tick(&others[1].state));
    a.unwrap();
    b.unwrap();
    for n in 0..30u8 {
        let to = user(100 + n);
        assert_eq!(peer.delivered_to(&to).len(), 1, "family member {n} has it once");
        assert_eq!(peer.asked_for(&to).len(), 1, "and it was asked for once");
    }
    assert_eq!(app.count_where("outbox_messages", "channel = 'line' AND status <> 'delivered'").await, 0);
}
