//! E-mail and SMS, end to end: a real SMTP server and a local gateway receive what the
//! service sends; addresses are confirmed, stopped and reported on as a person would.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::{domain::channels::sms::segments, scheduler::tick};

use crate::{
    cases,
    helpers::{assert_problem, id_of, spawn_app_configured, TestApp},
    reach_case::{
        configure, confirmed_number, contacts, judgment_soon, link_in, press_confirm, reaching, release_today, resident,
    },
    reach_support::{Gateway, MailServer, FROM_NUMBER, PUBLIC_URL},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_family_member_and_a_lawyer_hear_by_mail_and_text_and_stop_in_one_step,
    a_number_that_opted_out_at_the_gateway_escalates_a_critical_alert,
    digests_come_once_a_day_at_their_hour_and_never_empty,
];

/// PostgreSQL only: instances share the outbox with `FOR UPDATE SKIP LOCKED`.
pub const POSTGRES_ONLY: &[crate::helpers::Case] = cases![each_e_mail_goes_once_across_three_instances_though_one_dies];

async fn a_family_member_and_a_lawyer_hear_by_mail_and_text_and_stop_in_one_step(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let family = app.token("family", &c.family);

    // A bad address is refused and nothing is stored; the plain service offers no e-mail at all.
    let bad = app.post("/me/contacts", &family, &json!({"channel": "email", "address": "not-an-address"})).await;
    assert_eq!(assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"], "address");
    let bad_number = json!({"channel": "sms", "address": "090-12"});
    let bad = app.post(&format!("/parties/{}/contacts", c.lawyer), &app.admin(), &bad_number).await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    let off = plain.post("/me/contacts", &family, &json!({"channel": "email", "address": "hanako@example.org"})).await;
    assert_problem(off, StatusCode::CONFLICT).await;
    assert_eq!(app.count("contact_points").await, 0);

    // The family member adds her address; an admin adds the lawyer's phone (written the Japanese
    // way): staff may not, since the lawyer is not an account their facility opened.
    let number = json!({"channel": "sms", "address": "090-1234-5678"});
    let refused = app.post(&format!("/parties/{}/contacts", c.lawyer), &c.staff, &number).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let added = app.post("/me/contacts", &family, &json!({"channel": "email", "address": "hanako@example.org"})).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let added = app.post(&format!("/parties/{}/contacts", c.lawyer), &app.admin(), &number).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(added.json::<Value>().await.unwrap()["address"], "+819012345678");
    let stranger = app.create_party(json!({"role": "family", "display_name": "Stranger"})).await;
    let peek = app.get(&format!("/parties/{}/contacts", c.family), &app.token("family", &stranger)).await;
    assert_problem(peek, StatusCode::NOT_FOUND).await;

    // Before confirming, only the confirmation goes out, even when alerts are delivered.
    release_today(&app, &c).await;
    tick(&app.state).await.unwrap();
    let received = mail.to("hanako@example.org");
    assert_eq!(received.len(), 1, "only the confirmation");
    let confirmation = received[0].body_text(0).unwrap().to_string();
    assert!(received[0].subject().unwrap().contains("確認"));
    let texts = gateway.sent_to("+819012345678");
    assert_eq!(texts.len(), 1, "only the confirmation");
    // Opening the link (as a mail scanner would) confirms nothing; the button does.
    let link = link_in(&confirmation, &format!("{PUBLIC_URL}/contacts/confirm/"));
    app.client.get(link.replace(PUBLIC_URL, &app.address)).send().await.unwrap();
    assert_eq!(contacts(&app, &c.family).await[0]["status"], "unconfirmed");
    press_confirm(&app, &link).await;
    assert_eq!(contacts(&app, &c.family).await[0]["status"], "confirmed");
    press_confirm(&app, &link_in(&texts[0].body, &format!("{PUBLIC_URL}/contacts/confirm/"))).await;

    // The next alerts reach both, in their languages.
    app.clock.advance(Duration::days(1));
    let today = app.today().to_string();
    let lapse = json!({"on": today, "note": "methamphetamine at the station"});
    assert_eq!(
        app.post(&format!("/persons/{}/lapses", c.person), &c.staff, &lapse).await.status(),
        StatusCode::CREATED
    );
    judgment_soon(&app, &c).await;
    tick(&app.state).await.unwrap();
    tick(&app.state).await.unwrap();
    let received = mail.to("hanako@example.org");
    assert!(received.len() >= 2, "an alert by e-mail");
    let alert_mail = &received[1];
    let text = alert_mail.body_text(0).unwrap().to_string();
    let html = alert_mail.body_html(0).unwrap().to_string();
    // A lock screen shows the subject and the first lines: a notice and a link, no name, no period.
    assert_eq!(alert_mail.subject().unwrap(), "【つなぐ】大切なお知らせがあります");
    assert!(!text.contains("Taro") && !html.contains("Taro") && !text.contains("判決"), "{text}");
    assert!(text.contains(&format!("{PUBLIC_URL}/")), "{text}");
    assert!(!text.contains("methamphetamine"), "no lapse details in a message");
    assert!(alert_mail.message_id().is_some_and(|id| id.ends_with("@tsunagu.test")));
    let unsubscribe = alert_mail.header_raw("List-Unsubscribe").unwrap().trim().trim_matches(['<', '>']).to_owned();
    assert!(unsubscribe.starts_with(&format!("{PUBLIC_URL}/unsubscribe/")), "{unsubscribe}");
    assert_eq!(alert_mail.header_raw("List-Unsubscribe-Post").unwrap().trim(), "List-Unsubscribe=One-Click");
    let lawyer_texts = gateway.sent_to("+819012345678");
    assert!(lawyer_texts.len() >= 2, "the judgment's alert by text, in English");
    let notice = &lawyer_texts[1].body;
    assert!(notice.starts_with("Tsunagu: you have an important notice"), "{notice}");
    assert!(!notice.contains("Taro") && !notice.contains("judgment"), "{notice}");
    for sent in &lawyer_texts[1..] {
        assert!(sent.body.ends_with("Reply STOP to stop") && segments(&sent.body) <= 2, "{}", sent.body);
        assert_eq!(sent.status_callback, format!("{PUBLIC_URL}/api/v1/channels/sms/status"));
        assert_eq!(sent.from, FROM_NUMBER);
    }

    // Staff see what reached whom; a staff member of another facility sees nothing.
    let inbox: Value = app.get("/me/alerts", &family).await.json().await.unwrap();
    let rules: Vec<&Value> = inbox["items"].as_array().unwrap().iter().map(|a| &a["rule"]).collect();
    let alert_id = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["rule"] == "before_judgment")
        .unwrap_or_else(|| panic!("{rules:?}"))["id"]
        .clone();
    let deliveries: Value =
        app.get(&format!("/alerts/{}/deliveries", alert_id.as_str().unwrap()), &c.staff).await.json().await.unwrap();
    let items = deliveries["items"].as_array().unwrap();
    assert!(
        items.iter().any(|d| d["channel"] == "email" && d["status"] == "sent" && d["to"] == "h…@example.org"),
        "{items:?}"
    );
    let elsewhere = id_of(&app.create("/organizations", json!({"kind": "rehab_facility", "name": "Other"})).await);
    let outsider =
        app.create_party(json!({"role": "staff", "display_name": "Kato", "organization_id": elsewhere})).await;
    let peek =
        app.get(&format!("/alerts/{}/deliveries", alert_id.as_str().unwrap()), &app.token("staff", &outsider)).await;
    assert_problem(peek, StatusCode::NOT_FOUND).await;
    let provisions: i64 = app.count_where("provision_records", "channel = 'email'").await;
    assert!(provisions >= 1, "each e-mail leaves a provision record");

    // One POST to the List-Unsubscribe URL, no sign-in: no more e-mail, while the inbox fills.
    let local = unsubscribe.replace(PUBLIC_URL, &app.address);
    let stopped = app
        .client
        .post(&local)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.status(), StatusCode::OK);
    assert_eq!(contacts(&app, &c.family).await[0]["status"], "unsubscribed");
    let mails_before = mail.to("hanako@example.org").len();
    let inbox_before = inbox["items"].as_array().unwrap().len();
    for _ in 0..30 {
        app.clock.advance(Duration::days(1));
        tick(&app.state).await.unwrap();
    }
    let inbox: Value = app.get("/me/alerts?limit=200", &family).await.json().await.unwrap();
    assert!(inbox["items"].as_array().unwrap().len() > inbox_before, "alerts keep coming to the inbox");
    assert_eq!(mail.to("hanako@example.org").len(), mails_before, "but no more e-mail");
}

async fn a_number_that_opted_out_at_the_gateway_escalates_a_critical_alert(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    confirmed_number(&app, &gateway, &c.family, "+819055556666").await;
    gateway.opt_out("+819055556666");
    release_today(&app, &c).await;
    tick(&app.state).await.unwrap();
    assert_eq!(contacts(&app, &c.family).await[0]["status"], "opted_out", "21610 marks the number opted out");
    tick(&app.state).await.unwrap();
    let team: Value = app.get(&format!("/organizations/{}/alerts", c.org), &c.staff).await.json().await.unwrap();
    let escalated = team["items"].as_array().unwrap().iter().any(|a| a["escalation"] == true);
    assert!(escalated, "the critical alert that reached the family on no channel went to the team: {team}");
    let family = app.token("family", &c.family);
    let inbox: Value = app.get("/me/alerts", &family).await.json().await.unwrap();
    let critical = inbox["items"].as_array().unwrap().iter().find(|a| a["severity"] == "critical").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deliveries: Value = app.get(&format!("/alerts/{critical}/deliveries"), &c.staff).await.json().await.unwrap();
    assert_eq!(deliveries["items"][0]["status"], "failed");
    assert!(deliveries["items"][0]["error"].as_str().is_some());
}

async fn digests_come_once_a_day_at_their_hour_and_never_empty(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    // A second instance on the same database, ticking at the same moments.
    let other =
        spawn_app_configured(&app.database_url, |config| crate::reach::configure(config, &mail, &gateway)).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "en", "quiet_hours": {"start": "22:00", "end": "07:00"}})).await;
    let family = app.token("family", &c.family);
    let body = json!({"channel": "email", "address": "hanako@example.org"});
    assert_eq!(app.post("/me/contacts", &family, &body).await.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    press_confirm(
        &app,
        &link_in(&mail.to("hanako@example.org")[0].body_text(0).unwrap(), &format!("{PUBLIC_URL}/contacts/confirm/")),
    )
    .await;
    // She opts in to detailed e-mail bodies; subjects still say only that there is a notice.
    let prefs = json!({"email": "digest", "digest_at": "06:30", "email_detail": true});
    let changed: Value = app.patch("/me/preferences", &family, &prefs).await.json().await.unwrap();
    assert_eq!(
        changed,
        json!({"email": "digest", "sms": "critical", "line": "immediate", "digest_at": "06:30", "email_detail": true})
    );
    let bad = app.patch("/me/preferences", &family, &json!({"digest_at": "25:00"})).await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Nothing is coming: no digest, however many ticks.
    let at = |day: u32, hour: u32, minute: u32| {
        chrono_tz::Asia::Tokyo.with_ymd_and_hms(2026, 3, day, hour, minute, 0).unwrap().with_timezone(&Utc)
    };
    for clock in [&app.clock, &other.clock] {
        clock.set(at(3, 7, 0));
    }
    tick(&app.state).await.unwrap();
    assert_eq!(mail.to("hanako@example.org").len(), 1, "an empty digest is not sent");

    // A release: non-critical alerts wait for the digest; the critical one goes at once.
    for clock in [&app.clock, &other.clock] {
        clock.set(at(3, 10, 0));
    }
    release_today(&app, &c).await;
    tick(&app.state).await.unwrap();
    let after_release = mail.to("hanako@example.org");
    let single: Vec<String> = after_release[1..].iter().map(|m| m.subject().unwrap_or_default().to_owned()).collect();
    assert!(!single.is_empty() && single.iter().all(|s| s == "Tsunagu: you have an important notice"), "{single:?}");
    let singles = after_release.len();

    // The next morning: before 06:30 nothing; in quiet hours nothing; at 07:00 (quiet hours
    // over) one digest, however many instances tick, and no second one that day.
    for (hour, minute) in [(6, 0), (6, 45)] {
        for clock in [&app.clock, &other.clock] {
            clock.set(at(4, hour, minute));
        }
        tick(&app.state).await.unwrap();
        assert_eq!(mail.to("hanako@example.org").len(), singles, "no digest at {hour}:{minute:02}");
    }
    for clock in [&app.clock, &other.clock] {
        clock.set(at(4, 7, 0));
    }
    // Both instances find the digest due; the one row per party and day lets one write it.
    for state in [&app.state, &other.state, &app.state, &other.state] {
        tick(state).await.unwrap();
    }
    let digests: Vec<_> = mail.to("hanako@example.org").into_iter().skip(singles).collect();
    assert_eq!(digests.len(), 1, "one digest a day");
    let text = digests[0].body_text(0).unwrap().to_string();
    assert_eq!(digests[0].subject().unwrap(), "Tsunagu: you have an important notice");
    assert!(text.contains("Taro") && text.contains("7 days"), "{text}");
    assert!(text.contains("The first two weeks after release"), "{text}");
}

async fn each_e_mail_goes_once_across_three_instances_though_one_dies(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako"})).await;
    // Forty family members with confirmed addresses (seeded as confirmed: the opt-in is tested above).
    for n in 0..40 {
        let party = app.create_party(json!({"role": "family", "display_name": format!("Family {n}")})).await;
        let body = json!({"party_id": party, "relationship": "family"});
        assert_eq!(
            app.post(&format!("/persons/{}/links", c.person), &c.staff, &body).await.status(),
            StatusCode::CREATED
        );
        crate::helpers::seed_confirmed_address(&app, &party, "email", format!("family{n}@example.org"), n).await;
    }
    release_today(&app, &c).await;
    let others = [
        spawn_app_configured(&app.database_url, |config| configure(config, &mail, &gateway)).await,
        spawn_app_configured(&app.database_url, |config| configure(config, &mail, &gateway)).await,
    ];
    for other in &others {
        other.clock.set(app.now());
    }
    // The first instance plans and delivers the alerts, writing the outbox; then it claims a
    // batch of messages and dies before sending any.
    tsunagu::workflow::alerts::replan_requested(&app.state).await.unwrap();
    tsunagu::workflow::alerts::deliver_due(&app.state).await.unwrap();
    let txn = app.state.db.begin().await.unwrap();
    let lost = crate::helpers::claim_any(&txn, app.now(), chrono::Duration::seconds(60), 16).await;
    txn.commit().await.unwrap();
    assert_eq!(lost.len(), 16);
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
    let expected = app.count_where("outbox_messages", "channel = 'email' AND event_type = 'alert.delivered'").await;
    assert!(expected >= 40, "{expected}");
    let mut ids = std::collections::HashMap::new();
    for n in 0..40 {
        for message in mail.to(&format!("family{n}@example.org")) {
            *ids.entry(message.message_id().unwrap().to_owned()).or_insert(0) += 1;
        }
    }
    assert_eq!(ids.len() as i64, expected, "every message arrived");
    assert!(ids.values().all(|count| *count == 1), "and each once: {ids:?}");
    assert_eq!(app.count_where("outbox_messages", "status <> 'delivered' AND channel = 'email'").await, 0);
}
