//! Sending that waits for no one: a hanging webhook endpoint delays no other recipient, a
//! sign-in code goes ahead, `/healthz` names the failing peer; a stopping instance finishes
//! its sends and gives the rest back; a text cut off by a crash is never sent twice.

use std::time::Duration as StdDuration;

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::{plan, tick};

use crate::{
    cases,
    helpers::{eventually, id_of, spawn_serving, TestApp},
    pages::page,
    peers::{GatedHook, Hanging},
    reach_case::{configure, confirmed_number, judgment_soon, reaching, release_today, resident, Case},
    reach_support::{Gateway, MailServer, PUBLIC_URL},
    sign_in::{browser, signed_in},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    one_hanging_endpoint_delays_no_other_recipient_and_is_named_by_the_health_check,
    a_stopping_instance_finishes_its_sends_and_the_other_takes_the_rest_without_a_double,
    sends_cut_off_by_the_grace_period_are_given_back_at_once,
    a_text_cut_off_by_a_crash_is_not_sent_again_but_shown_as_uncertain,
    someone_waiting_is_claimed_before_bulk,
    dead_letters_are_listed_by_channel_and_age_and_sent_again_or_let_go,
];

async fn subscribe(app: &TestApp, c: &Case, url: &str) -> String {
    let created = app.post("/webhooks", &c.staff, &json!({"url": url})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    id_of(&created.json().await.unwrap())
}

async fn confirmed_email(app: &TestApp, mail: &MailServer, party: &str, address: &str) {
    let body = json!({"channel": "email", "address": address});
    assert_eq!(
        app.post(&format!("/parties/{party}/contacts"), &app.admin(), &body).await.status(),
        StatusCode::CREATED
    );
    tick(&app.state).await.unwrap();
    let text = mail.to(address).pop().expect("the confirmation").body_text(0).unwrap().to_string();
    let start = text.find(&format!("{PUBLIC_URL}/contacts/confirm/")).unwrap();
    let link = text[start..].split_whitespace().next().unwrap().replace(PUBLIC_URL, &app.address);
    assert_eq!(app.client.post(link).send().await.unwrap().status(), StatusCode::OK);
}

/// Each message to `target`: its status and how many tries it has had.
async fn outbox_of(app: &TestApp, target: &str) -> Vec<(String, i32)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    tsunagu::entity::outbox_message::Entity::find()
        .filter(tsunagu::entity::outbox_message::Column::TargetId.eq(uuid::Uuid::parse_str(target).unwrap()))
        .all(&app.outside)
        .await
        .unwrap()
        .into_iter()
        .map(|message| (message.status.to_string(), message.attempts))
        .collect()
}

async fn health(app: &TestApp) -> (StatusCode, Value) {
    let answer = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    (answer.status(), answer.json().await.unwrap())
}

async fn one_hanging_endpoint_delays_no_other_recipient_and_is_named_by_the_health_check(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let setup = reaching(&plain, &mail, &gateway).await;
    let c = resident(&setup, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    confirmed_email(&setup, &mail, &c.family, "hanako@example.org").await;
    // A serving instance on the same database and clock: planning is driven here, sending
    // runs in its own loop.
    let (app, stop, serving) = spawn_serving(&plain.database_url, setup.clock.clone(), |config| {
        configure(config, &mail, &gateway);
        config.delivery.webhook_timeout = StdDuration::from_secs(5);
    })
    .await;
    let (healthy, hanging) = (GatedHook::start(true).await, Hanging::start().await);
    let healthy_id = subscribe(&app, &c, &healthy.url).await;
    let hanging_id = subscribe(&app, &c, &hanging.url).await;

    release_today(&app, &c).await;
    // The first tick: planning returns without waiting for any receiver.
    tokio::time::timeout(StdDuration::from_secs(5), plan(&app.state))
        .await
        .expect("planning waits for no send")
        .unwrap();
    eventually("the healthy endpoint and the family's e-mail", StdDuration::from_secs(4), || async {
        !healthy.ids().is_empty() && mail.to("hanako@example.org").len() >= 2
    })
    .await;
    assert!(*hanging.accepted.lock().unwrap() >= 1, "the hanging endpoint was called");
    assert!(
        outbox_of(&app, &hanging_id).await.iter().all(|(status, attempts)| status == "pending" && *attempts == 0),
        "the others were delivered while the hanging endpoint's first try was still open"
    );

    // A sign-in code goes at once, hanging endpoint or not.
    let asked = browser()
        .post(format!("{}/auth/code", app.address))
        .json(&json!({"address": "hanako@example.org"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let letters = mail.to("hanako@example.org").len();
    eventually("the sign-in code", StdDuration::from_secs(2), || async {
        mail.to("hanako@example.org").len() > letters
    })
    .await;
    // The second tick is not held up either.
    tokio::time::timeout(StdDuration::from_secs(5), plan(&app.state))
        .await
        .expect("planning waits for no send")
        .unwrap();

    // Once its try times out, the health check names the endpoint and stays 200.
    eventually("/healthz names the failing endpoint", StdDuration::from_secs(10), || async {
        let (status, body) = health(&app).await;
        status == StatusCode::OK
            && body["delivery"]["failing_peers"]
                .as_array()
                .is_some_and(|peers| peers.iter().any(|peer| peer["subscription_id"] == hanging_id.as_str()))
    })
    .await;
    let (_, body) = health(&app).await;
    assert_eq!(body["status"], "degraded");
    let peers = body["delivery"]["failing_peers"].as_array().unwrap();
    assert_eq!(peers.len(), 1, "only the hanging endpoint: {body}");
    assert_eq!((peers[0]["channel"].as_str(), peers[0]["last_error"].as_str()), (Some("webhook"), Some("timed out")));
    assert!(!body.to_string().contains(&hanging.url) && !body.to_string().contains(&healthy_id), "{body}");
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}

/// Five residents released today at one facility with eight endpoints: forty webhooks.
async fn forty_webhooks(app: &TestApp, hooks: &[GatedHook]) -> Case {
    let c = resident(app, json!({"role": "family", "display_name": "Hanako"})).await;
    for hook in hooks {
        subscribe(app, &c, &hook.url).await;
    }
    release_today(app, &c).await;
    for n in 0..4 {
        let person = id_of(
            &app.post("/persons", &c.staff, &json!({"display_name": format!("R{n}")})).await.json().await.unwrap(),
        );
        release_today(app, &Case { person, ..c.clone() }).await;
    }
    c
}

fn received(hooks: &[GatedHook]) -> Vec<String> {
    hooks.iter().flat_map(GatedHook::ids).collect()
}

async fn a_stopping_instance_finishes_its_sends_and_the_other_takes_the_rest_without_a_double(plain: TestApp) {
    let hooks: Vec<GatedHook> = futures::future::join_all((0..8).map(|_| GatedHook::start(false))).await;
    let (first, stop_first, first_serving) = spawn_serving(&plain.database_url, plain.clock.clone(), |_| {}).await;
    let c = forty_webhooks(&first, &hooks).await;
    plan(&first.state).await.unwrap();
    let written = first.count_where("outbox_messages", "channel = 'webhook'").await;
    assert!(written >= 40, "{written} webhooks");
    eventually("the first instance's slots all in flight", StdDuration::from_secs(5), || async {
        hooks.iter().map(GatedHook::holding).sum::<usize>() == tsunagu::outbox::WEBHOOK_SLOTS
    })
    .await;

    // SIGTERM: the first stops claiming; its sends in flight finish as the receivers answer.
    let _ = stop_first.send(());
    for hook in &hooks {
        hook.open();
    }
    tokio::time::timeout(StdDuration::from_secs(10), first_serving)
        .await
        .expect("stops within its grace")
        .unwrap()
        .unwrap();
    let sent_by_first = received(&hooks).len();
    assert_eq!(sent_by_first, tsunagu::outbox::WEBHOOK_SLOTS, "it claimed nothing after the signal");
    assert_eq!(
        first.count_where("outbox_messages", "status = 'pending' AND claimed_until IS NOT NULL").await,
        0,
        "no claim is left behind"
    );

    // The other instance takes the rest at once.
    let (second, stop_second, second_serving) = spawn_serving(&plain.database_url, plain.clock.clone(), |_| {}).await;
    eventually("the rest delivered by the other instance", StdDuration::from_secs(5), || async {
        second.count_where("outbox_messages", "status = 'delivered'").await == written
    })
    .await;
    let mut ids = received(&hooks);
    ids.sort();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "no webhook-id arrived twice");
    assert_eq!(before as i64, written, "each arrived");
    let _ = (c, stop_second.send(()));
    second_serving.await.unwrap().unwrap();
}

async fn sends_cut_off_by_the_grace_period_are_given_back_at_once(plain: TestApp) {
    let hooks: Vec<GatedHook> = futures::future::join_all((0..8).map(|_| GatedHook::start(false))).await;
    let (first, stop_first, first_serving) = spawn_serving(&plain.database_url, plain.clock.clone(), |config| {
        config.delivery.shutdown_grace = StdDuration::from_secs(1);
    })
    .await;
    forty_webhooks(&first, &hooks).await;
    plan(&first.state).await.unwrap();
    eventually("the first instance's slots all in flight", StdDuration::from_secs(5), || async {
        hooks.iter().map(GatedHook::holding).sum::<usize>() == tsunagu::outbox::WEBHOOK_SLOTS
    })
    .await;
    // The receivers never answer within the grace period: the sends are cut off and their
    // claims given back, not left to lapse a minute later.
    let _ = stop_first.send(());
    tokio::time::timeout(StdDuration::from_secs(10), first_serving)
        .await
        .expect("stops after its grace")
        .unwrap()
        .unwrap();
    assert_eq!(first.count_where("outbox_messages", "claimed_until IS NOT NULL").await, 0, "every claim given back");
    assert_eq!(first.count_where("outbox_messages", "status = 'pending'").await, first.count("outbox_messages").await);
    // Another instance, at the same moment, sends them again under the same webhook-ids.
    for hook in &hooks {
        hook.open();
    }
    let cut_off: Vec<String> = received(&hooks);
    let report = tick(&plain.state).await.unwrap();
    assert_eq!(report.messages_delivered as i64, first.count("outbox_messages").await);
    let again = received(&hooks);
    assert!(cut_off.iter().all(|id| again.iter().filter(|other| *other == id).count() == 2), "same ids");
}

async fn a_text_cut_off_by_a_crash_is_not_sent_again_but_shown_as_uncertain(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako"})).await;
    confirmed_number(&app, &gateway, &c.lawyer, "+819012345678").await;
    gateway.fall_silent();
    judgment_soon(&app, &c).await;
    plan(&app.state).await.unwrap();
    // The first instance hands the text to the gateway and dies before the answer.
    let crashed = {
        let state = app.state.clone();
        tokio::spawn(async move { tsunagu::outbox::deliver(&state.outbox).await })
    };
    eventually("the text reached the gateway", StdDuration::from_secs(5), || async {
        gateway.sent_to("+819012345678").len() == 2
    })
    .await;
    crashed.abort();

    // Another instance, after the claim has lapsed, does not send it again.
    let other = reaching(&plain, &mail, &gateway).await;
    other.clock.set(app.now() + Duration::seconds(61));
    let report = tsunagu::outbox::deliver(&other.state.outbox).await.unwrap();
    assert_eq!((report.uncertain, report.delivered), (1, 0), "{report:?}");
    assert_eq!(gateway.sent_to("+819012345678").len(), 2, "the lawyer gets the text once");

    // Staff see it as uncertain; only an admin may list the dead letters.
    let listed: Value = other.get("/dead-letters?channel=sms", &other.admin()).await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!((items[0]["status"].as_str(), items[0]["channel"].as_str()), (Some("uncertain"), Some("sms")));
    assert!(!listed.to_string().contains("+8190"), "no address in the list: {listed}");
    assert_eq!(other.get("/dead-letters", &c.staff).await.status(), StatusCode::FORBIDDEN);
    // The facility's staff see it as uncertain on the alert's receipts.
    let alert = items[0]["subject_id"].as_str().unwrap();
    let receipts: Value = other.get(&format!("/alerts/{alert}/deliveries"), &c.staff).await.json().await.unwrap();
    let text = receipts["items"].as_array().unwrap().iter().find(|item| item["channel"] == "sms").unwrap();
    assert_eq!(text["status"], "uncertain", "{receipts}");
}

/// A form posted from the service's own page, as the browser sends it: from its public origin.
async fn submit(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    browser()
        .post(format!("{}{path}", app.address))
        .header(reqwest::header::COOKIE, cookie)
        .header("origin", PUBLIC_URL)
        .form(&[("", "")][..0])
        .send()
        .await
        .unwrap()
}

async fn dead_letters_are_listed_by_channel_and_age_and_sent_again_or_let_go(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako"})).await;
    confirmed_number(&app, &gateway, &c.lawyer, "+819012345678").await;
    // The lawyer replies STOP at the carrier: the gateway refuses the judgment's alert.
    gateway.opt_out("+819012345678");
    judgment_soon(&app, &c).await;
    let report = tick(&app.state).await.unwrap();
    assert_eq!(report.messages_dead, 1, "{report:?}");

    let admin = app.admin();
    let listed: Value = app.get("/dead-letters", &admin).await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{listed}");
    let letter = &items[0];
    assert_eq!((letter["channel"].as_str(), letter["status"].as_str()), (Some("sms"), Some("dead")));
    assert_eq!(letter["party_id"], c.lawyer.as_str());
    assert!(letter["last_error"].as_str().unwrap().contains("21610"), "{letter}");
    assert_eq!(letter["can_retry"], true);
    assert!(!listed.to_string().contains("+8190"), "no address: {listed}");
    let id = letter["id"].as_str().unwrap().to_owned();
    // By channel and by age.
    let emails: Value = app.get("/dead-letters?channel=email", &admin).await.json().await.unwrap();
    assert!(emails["items"].as_array().unwrap().is_empty());
    let given_up: chrono::DateTime<chrono::Utc> = letter["given_up_at"].as_str().unwrap().parse().unwrap();
    let older = format!("/dead-letters?before={}", (given_up - Duration::seconds(1)).to_rfc3339().replace('+', "%2B"));
    assert!(app.get(&older, &admin).await.json::<Value>().await.unwrap()["items"].as_array().unwrap().is_empty());
    // Only admins, by any door.
    for token in [&c.staff, &app.token("lawyer", &c.lawyer)] {
        assert_eq!(app.get("/dead-letters", token).await.status(), StatusCode::FORBIDDEN);
        let retry = app.post(&format!("/dead-letters/{id}/retry"), token, &json!({})).await;
        assert_eq!(retry.status(), StatusCode::FORBIDDEN);
    }
    let unknown = app.post(&format!("/dead-letters/{}/retry", uuid::Uuid::new_v4()), &admin, &json!({})).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // Sent again: back in the outbox with fresh tries; the gateway refuses it once more.
    let retried = app.post(&format!("/dead-letters/{id}/retry"), &admin, &json!({})).await;
    assert_eq!(retried.status(), StatusCode::OK);
    assert_eq!(retried.json::<Value>().await.unwrap()["status"], "pending");
    assert_eq!(app.count_where("outbox_messages", "status = 'pending' AND attempts = 0").await, 1);
    assert_eq!(tick(&app.state).await.unwrap().messages_dead, 1, "tried again");

    // On the admin's page, and let go from there; the page is not there for staff.
    let staff_party =
        app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": c.org})).await;
    let staff_cookie = signed_in(&app, &staff_party).await;
    assert_eq!(page(&app, &staff_cookie, "/app/dead-letters").await.status(), StatusCode::NOT_FOUND);
    let refused = submit(&app, &staff_cookie, &format!("/app/dead-letters/{id}/discard")).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let admin_party = app.create_party(json!({"role": "admin", "display_name": "Prefecture"})).await;
    let cookie = signed_in(&app, &admin_party).await;
    let html = page(&app, &cookie, "/app/dead-letters?channel=sms").await.text().await.unwrap();
    assert!(html.contains(&format!("/app/dead-letters/{id}/discard")) && !html.contains("+8190"), "{html}");
    let let_go = submit(&app, &cookie, &format!("/app/dead-letters/{id}/discard")).await;
    assert_eq!(let_go.status(), StatusCode::SEE_OTHER);
    let listed: Value = app.get("/dead-letters", &admin).await.json().await.unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");
    let again = app.post(&format!("/dead-letters/{id}/retry"), &admin, &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

async fn someone_waiting_is_claimed_before_bulk(app: TestApp) {
    use tsunagu::store::outbox::{enqueue, NewMessage, Priority, EMAIL};
    let message = |priority| NewMessage {
        channel: EMAIL,
        target_id: uuid::Uuid::new_v4(),
        about: tsunagu::store::outbox::Subject::Digest(uuid::Uuid::new_v4()),
        person_id: None,
        party_id: None,
        event_type: "test",
        payload: "{}".to_owned(),
        priority,
    };
    // Digests written first, then an alert, then a code someone waits for.
    let mut written = vec![message(Priority::Bulk), message(Priority::Bulk), message(Priority::Normal)];
    written.push(message(Priority::Now));
    let order: Vec<uuid::Uuid> = [3, 2, 0, 1].iter().map(|i| written[*i].target_id).collect();
    for one in written {
        enqueue(&app.state.db, vec![one], app.now()).await.unwrap();
        app.clock.advance(Duration::seconds(1));
    }
    let mut claimed = Vec::new();
    for _ in 0..4 {
        let one = crate::helpers::claim_any(&app.state.db, app.now(), Duration::seconds(60), 1).await;
        claimed.extend(one.into_iter().map(|message| message.target_id));
    }
    assert_eq!(claimed, order, "the code, then the alert, then the digests oldest first");
}
