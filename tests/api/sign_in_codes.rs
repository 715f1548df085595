//! Signing in with a six-digit code sent to a confirmed address, through a real SMTP server;
//! and an invitation sent to that address.

use chrono::Duration;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tsunagu::outbox::{deliver, EmailSettings};

use crate::{
    cases,
    helpers::{assert_problem, id_of, spawn_app_configured, TestApp},
    reach_support::{MailServer, PUBLIC_URL},
    sign_in::{browser, me, redeem, resident, session_cookie},
};

pub const TESTS: &[crate::helpers::Case] =
    cases![a_one_time_code_comes_by_mail_and_signs_in, five_wrong_codes_end_the_code_and_asking_too_often_is_slowed];

/// The same database, served by an app that can send e-mail.
pub async fn mailing(app: &TestApp, mail: &MailServer) -> TestApp {
    let smtp = format!("smtp://127.0.0.1:{}", mail.port);
    let mailing = spawn_app_configured(&app.database_url, |config| {
        config.public_url = Some(PUBLIC_URL.to_owned());
        config.email = Some(EmailSettings::parse(&smtp, "Tsunagu <alerts@tsunagu.test>").expect("mail settings"));
    })
    .await;
    mailing.clock.set(app.now());
    mailing
}

/// A party with a confirmed e-mail address.
async fn confirmed_address(app: &TestApp, party: &str, address: &str, mail: &MailServer) {
    let body = json!({"channel": "email", "address": address});
    let added = app.post(&format!("/parties/{party}/contacts"), &app.admin(), &body).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    deliver(&app.state.outbox).await.unwrap();
    let letter = mail.to(address).pop().expect("the confirmation");
    let text = letter.body_text(0).unwrap().to_string();
    let start = text.find(&format!("{PUBLIC_URL}/contacts/confirm/")).unwrap();
    let link = text[start..].split_whitespace().next().unwrap().replace(PUBLIC_URL, &app.address);
    assert_eq!(app.client.post(link).send().await.unwrap().status(), StatusCode::OK);
}

pub async fn ask_for_code(app: &TestApp, address: &str) -> reqwest::Response {
    browser().post(format!("{}/auth/code", app.address)).json(&json!({"address": address})).send().await.unwrap()
}

pub async fn try_code(app: &TestApp, address: &str, code: &str) -> reqwest::Response {
    let body = json!({"address": address, "code": code});
    browser().post(format!("{}/auth/code/verify", app.address)).json(&body).send().await.unwrap()
}

/// The six-digit code in the newest letter to `address`.
pub async fn code_in_mail(app: &TestApp, mail: &MailServer, address: &str) -> String {
    // What the scheduler does the moment a code is asked for.
    tsunagu::scheduler::send_waiting(&app.state).await.unwrap();
    let letter = mail.to(address).pop().expect("a letter with the code");
    let subject = letter.subject().unwrap().to_owned();
    assert!(!subject.chars().any(|c| c.is_ascii_digit()), "no code in a subject: {subject}");
    let text = letter.body_text(0).unwrap().to_string();
    let at = text.find(|c: char| c.is_ascii_digit()).expect("the code in the body");
    text[at..].chars().take_while(char::is_ascii_digit).collect::<String>()
}

async fn a_one_time_code_comes_by_mail_and_signs_in(plain: TestApp) {
    let mail = MailServer::start();
    let app = mailing(&plain, &mail).await;
    let r = resident(&app).await;
    confirmed_address(&app, &r.family, "hanako@example.org", &mail).await;

    // Any address gets the same answer; only a registered one gets a letter.
    let unknown = ask_for_code(&app, "nobody@example.org").await;
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let unknown: Value = unknown.json().await.unwrap();
    let asked = ask_for_code(&app, "Hanako@EXAMPLE.org").await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    assert_eq!(asked.json::<Value>().await.unwrap(), unknown);
    let code = code_in_mail(&app, &mail, "hanako@example.org").await;
    assert_eq!(code.len(), 6, "{code}");
    assert!(mail.to("nobody@example.org").is_empty());
    let malformed = ask_for_code(&app, "not an address").await;
    assert_problem(malformed, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Nothing kept holds the code: not the code's row, not the sent message.
    assert_eq!(app.count_where("sign_in_codes", &format!("code_hash = '{code}'")).await, 0);
    assert_eq!(app.count_where("outbox_messages", &format!("payload LIKE '%{code}%'")).await, 0);

    let response = try_code(&app, "hanako@example.org", &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response).expect("a session cookie");
    assert!(response.headers()[header::SET_COOKIE].to_str().unwrap().contains("Secure"), "served over https");
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["party_id"], r.family.as_str());
    let who: Value = me(&app, &cookie).await.json().await.unwrap();
    assert_eq!(who["subject"], r.family.as_str());
    // A code works once.
    assert_problem(try_code(&app, "hanako@example.org", &code).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.count_where("audit_events", "action = 'sign_in.code.verify' AND outcome = 'allowed'").await, 1);

    // She has signed in, so only she or an admin opens a new door: an admin sends an invitation
    // to her confirmed address (its link signs in), and she is told a way in was added.
    let contacts: Value = app.get(&format!("/parties/{}/contacts", r.family), &app.admin()).await.json().await.unwrap();
    let send_to = id_of(&contacts["items"][0]);
    let by_staff =
        app.post(&format!("/parties/{}/invitations", r.family), &r.staff, &json!({"send_to": send_to})).await;
    assert_eq!(by_staff.status(), StatusCode::NOT_FOUND);
    let sent =
        app.post(&format!("/parties/{}/invitations", r.family), &app.admin(), &json!({"send_to": send_to})).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["sent_to"], send_to.as_str());
    deliver(&app.state.outbox).await.unwrap();
    let letters = mail.to("hanako@example.org");
    let told = letters.iter().any(|letter| letter.subject() == Some("【つなぐ】サインイン方法が追加されました"));
    assert!(told, "a party that signed in before hears of a new door");
    let letter = letters
        .iter()
        .find(|letter| letter.body_text(0).is_some_and(|text| text.contains("/invite/")))
        .expect("the invitation");
    let text = letter.body_text(0).unwrap().to_string();
    let code = sent["code"].as_str().unwrap();
    assert!(text.contains(&format!("{PUBLIC_URL}/invite/{code}")) && text.contains(code), "{text}");
    assert_eq!(redeem(&app, code).await.status(), StatusCode::SEE_OTHER);
    // An address that is not hers, or not confirmed, is refused, and nothing is made.
    let invitations = app.count("invitations").await;
    let other = json!({"send_to": uuid::Uuid::new_v4()});
    let refused = app.post(&format!("/parties/{}/invitations", r.family), &app.admin(), &other).await;
    assert_eq!(assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await["errors"][0]["field"], "send_to");
    assert_eq!(app.count("invitations").await, invitations);
}

async fn five_wrong_codes_end_the_code_and_asking_too_often_is_slowed(plain: TestApp) {
    let mail = MailServer::start();
    let app = mailing(&plain, &mail).await;
    let r = resident(&app).await;
    confirmed_address(&app, &r.family, "hanako@example.org", &mail).await;
    assert_eq!(ask_for_code(&app, "hanako@example.org").await.status(), StatusCode::ACCEPTED);
    let code = code_in_mail(&app, &mail, "hanako@example.org").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_problem(try_code(&app, "hanako@example.org", wrong).await, StatusCode::UNAUTHORIZED).await;
    }
    // The sixth try, even with the right code, is refused: the code is locked.
    let sixth = try_code(&app, "hanako@example.org", &code).await;
    assert!(session_cookie(&sixth).is_none());
    assert_problem(sixth, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.count("sessions").await, 0);
    assert_eq!(app.count_where("audit_events", "action = 'sign_in.code.locked'").await, 1);

    // Two more codes may be asked for in the quarter hour; the fourth request waits.
    for _ in 0..2 {
        assert_eq!(ask_for_code(&app, "hanako@example.org").await.status(), StatusCode::ACCEPTED);
        tsunagu::scheduler::send_waiting(&app.state).await.unwrap();
    }
    let slowed = ask_for_code(&app, "hanako@example.org").await;
    let retry_after: i64 = slowed.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_problem(slowed, StatusCode::TOO_MANY_REQUESTS).await;
    app.clock.advance(Duration::minutes(15));
    assert_eq!(ask_for_code(&app, "hanako@example.org").await.status(), StatusCode::ACCEPTED);
    let fresh = code_in_mail(&app, &mail, "hanako@example.org").await;
    assert_eq!(try_code(&app, "hanako@example.org", &fresh).await.status(), StatusCode::OK);
}
