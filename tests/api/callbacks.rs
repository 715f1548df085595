//! The SMS gateway's callbacks: signed, acted on once, and read as posted. A forged, doctored
//! or replayed callback changes nothing.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, TestApp},
    reach_case::{confirmed_number, contacts, judgment_soon, reaching, resident},
    reach_support::{gateway_post, Gateway, MailServer, AUTH_TOKEN, FROM_NUMBER, SID},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    gateway_callbacks_are_signed_and_a_stop_touches_only_that_number,
    a_replayed_or_doctored_callback_changes_nothing,
];

async fn gateway_callbacks_are_signed_and_a_stop_touches_only_that_number(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    confirmed_number(&app, &gateway, &c.family, "+819011112222").await;
    confirmed_number(&app, &gateway, &c.lawyer, "+819033334444").await;
    judgment_soon(&app, &c).await;
    tick(&app.state).await.unwrap();
    let sent = gateway.sent_to("+819033334444");
    let alert_text = sent.last().unwrap();

    // A forged or missing signature is refused and changes nothing.
    let stop = [("MessageSid", "SM1"), ("From", "+819011112222"), ("To", FROM_NUMBER), ("Body", "STOP")];
    assert_problem(gateway_post(&app, "/channels/sms/inbound", &stop, "not-the-token").await, StatusCode::FORBIDDEN)
        .await;
    let unsigned = app.client.post(app.url("/channels/sms/inbound")).form(&stop).send().await.unwrap();
    assert_problem(unsigned, StatusCode::FORBIDDEN).await;
    assert!(contacts(&app, &c.family).await.iter().all(|contact| contact["status"] == "confirmed"));

    // A signed receipt is kept per message.
    let receipt = [("MessageSid", alert_text.sid.as_str()), ("MessageStatus", "delivered"), ("AccountSid", SID)];
    assert_eq!(gateway_post(&app, "/channels/sms/status", &receipt, AUTH_TOKEN).await.status(), StatusCode::NO_CONTENT);
    let lawyer = app.token("lawyer", &c.lawyer);
    let inbox: Value = app.get("/me/alerts", &lawyer).await.json().await.unwrap();
    let texted = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    let deliveries: Value = app.get(&format!("/alerts/{texted}/deliveries"), &lawyer).await.json().await.unwrap();
    assert_eq!(deliveries["items"][0]["status"], "delivered", "{deliveries}");

    // 停止 from one number stops that number only; START brings it back; HELP names the facility.
    let stop = [("MessageSid", "SM2"), ("From", "+819011112222"), ("To", FROM_NUMBER), ("Body", "停止")];
    assert_eq!(gateway_post(&app, "/channels/sms/inbound", &stop, AUTH_TOKEN).await.status(), StatusCode::OK);
    assert_eq!(contacts(&app, &c.family).await[0]["status"], "opted_out");
    assert_eq!(contacts(&app, &c.lawyer).await[0]["status"], "confirmed", "another number is untouched");
    let start = [("MessageSid", "SM3"), ("From", "+819011112222"), ("To", FROM_NUMBER), ("Body", "START")];
    assert_eq!(gateway_post(&app, "/channels/sms/inbound", &start, AUTH_TOKEN).await.status(), StatusCode::OK);
    assert_eq!(contacts(&app, &c.family).await[0]["status"], "confirmed");
    let help = [("MessageSid", "SM4"), ("From", "+819011112222"), ("To", FROM_NUMBER), ("Body", "HELP")];
    let answer = gateway_post(&app, "/channels/sms/inbound", &help, AUTH_TOKEN).await.text().await.unwrap();
    assert!(answer.contains("<Message>") && answer.contains("Hikari House"), "{answer}");

    // A later receipt that the number opted out at the carrier marks it so, and the staff see it.
    let refused = [("MessageSid", alert_text.sid.as_str()), ("MessageStatus", "undelivered"), ("ErrorCode", "21610")];
    assert_eq!(gateway_post(&app, "/channels/sms/status", &refused, AUTH_TOKEN).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(contacts(&app, &c.lawyer).await[0]["status"], "opted_out");
    let deliveries: Value = app.get(&format!("/alerts/{texted}/deliveries"), &c.staff).await.json().await.unwrap();
    assert_eq!(deliveries["items"][0]["status"], "undelivered", "{deliveries}");
    assert_eq!(deliveries["items"][0]["error"], "21610");
}

async fn first_status(app: &TestApp, party: &str) -> String {
    contacts(app, party).await[0]["status"].as_str().unwrap().to_owned()
}

/// The text delivery of an alert, as the facility's staff see it.
async fn text_delivery(app: &TestApp, staff: &str, alert: &str) -> Value {
    let list: Value = app.get(&format!("/alerts/{alert}/deliveries"), staff).await.json().await.unwrap();
    list["items"].as_array().unwrap().iter().find(|d| d["channel"] == "sms").cloned().unwrap()
}

async fn a_replayed_or_doctored_callback_changes_nothing(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = reaching(&plain, &mail, &gateway).await;
    let c = resident(&app, json!({"role": "family", "display_name": "Hanako", "language": "ja"})).await;
    let number = "+819011112222";
    confirmed_number(&app, &gateway, &c.family, number).await;

    // A START is captured on its way; the person then texts STOP.
    let start = [("MessageSid", "SMstart"), ("From", number), ("To", FROM_NUMBER), ("Body", "START")];
    assert_eq!(gateway_post(&app, "/channels/sms/inbound", &start, AUTH_TOKEN).await.status(), StatusCode::OK);
    let stop = [("MessageSid", "SMstop"), ("From", number), ("To", FROM_NUMBER), ("Body", "STOP")];
    assert_eq!(gateway_post(&app, "/channels/sms/inbound", &stop, AUTH_TOKEN).await.status(), StatusCode::OK);
    assert_eq!(first_status(&app, &c.family).await, "opted_out");
    // The captured START, signature and all, sent again a week later: answered, and nothing changes.
    app.clock.advance(Duration::days(7));
    let replayed = gateway_post(&app, "/channels/sms/inbound", &start, AUTH_TOKEN).await;
    assert_eq!(replayed.status(), StatusCode::OK);
    assert!(!replayed.text().await.unwrap().contains("<Message>"), "a replay is not answered");
    assert_eq!(first_status(&app, &c.family).await, "opted_out", "a replayed START does not undo the STOP");

    // A field sent twice is refused even when the signature covers both values.
    let doubled =
        [("MessageSid", "SMdouble"), ("From", number), ("To", FROM_NUMBER), ("Body", "HELP"), ("Body", "START")];
    assert_problem(gateway_post(&app, "/channels/sms/inbound", &doubled, AUTH_TOKEN).await, StatusCode::BAD_REQUEST)
        .await;
    // A text without the gateway's id of it is refused.
    let anonymous = [("From", number), ("To", FROM_NUMBER), ("Body", "START")];
    assert_problem(gateway_post(&app, "/channels/sms/inbound", &anonymous, AUTH_TOKEN).await, StatusCode::BAD_REQUEST)
        .await;
    assert_eq!(first_status(&app, &c.family).await, "opted_out");

    // Receipts: the lawyer's text is delivered; a captured "failed" for it is taken once, and
    // not at all after thirty days.
    app.clock.advance(Duration::days(1));
    let lawyer_number = "+819033334444";
    confirmed_number(&app, &gateway, &c.lawyer, lawyer_number).await;
    judgment_soon(&app, &c).await;
    tick(&app.state).await.unwrap();
    let text = gateway.sent_to(lawyer_number).last().unwrap().clone();
    let lawyer = app.token("lawyer", &c.lawyer);
    let inbox: Value = app.get("/me/alerts", &lawyer).await.json().await.unwrap();
    let alert = inbox["items"][0]["id"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::days(31));
    let late = [("MessageSid", text.sid.as_str()), ("MessageStatus", "failed"), ("AccountSid", SID)];
    assert_eq!(gateway_post(&app, "/channels/sms/status", &late, AUTH_TOKEN).await.status(), StatusCode::NO_CONTENT);
    assert_ne!(text_delivery(&app, &c.staff, &alert).await["status"], "failed", "a receipt a month late is not taken");
}
