//! What every signed-in party keeps in the pages themselves, and what a team keeps of its
//! alerts: their own addresses (added, confirmed again, removed, which alerts go where, and a
//! one-time code to sign in again without an admin); the team's snoozed alerts, brought back;
//! the contacts logged on each alert. Two callers each: what is another's answers 404 and
//! stays as it was.

use chrono::{TimeZone, Utc};
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{id_of, TestApp},
    pages::{page, submit},
    reach_case::{contacts, link_in, press_confirm},
    reach_support::{MailServer, PUBLIC_URL},
    sign_in::{session_cookie, signed_in},
    sign_in_codes::{ask_for_code, code_in_mail, mailing, try_code},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    everyone_keeps_their_own_addresses_and_signs_in_again_with_a_code,
    staff_see_contacts_on_each_alert_and_bring_a_snoozed_one_back,
];

/// A form posted from the pages of an app served at `PUBLIC_URL` (the address its letters link to).
async fn submit_public(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    crate::sign_in::browser()
        .post(format!("{}{path}", app.address))
        .header(header::COOKIE, cookie)
        .header("origin", PUBLIC_URL)
        .form(form)
        .send()
        .await
        .unwrap()
}

fn notice_after(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "stored");
    response.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

async fn everyone_keeps_their_own_addresses_and_signs_in_again_with_a_code(plain: TestApp) {
    let mail = MailServer::start();
    let app = mailing(&plain, &mail).await;
    let org = app.create_organization("rehab_facility").await;
    let hanako = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let sato = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let (mother, staff) = (signed_in(&app, &hanako).await, signed_in(&app, &sato).await);

    // Every signed-in party has the page, linked from every page's bar.
    for cookie in [&mother, &staff] {
        let home = page(&app, cookie, "/app").await.text().await.unwrap();
        assert!(home.contains("href=\"/app/addresses\""), "the bar links to the addresses page");
        assert_eq!(page(&app, cookie, "/app/addresses").await.status(), StatusCode::OK);
    }

    // An address that is not one is refused beside its field, as typed; nothing stored.
    let refused =
        submit_public(&app, &mother, "/app/addresses", &[("channel", "email"), ("address", "hanako-at-home")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("アドレスまたは番号") && html.contains("メールアドレスの形ではありません"), "{html}");
    assert!(html.contains("value=\"hanako-at-home\""), "kept as typed");
    let switch = html.split("hreflang").next().unwrap().rsplit("href=").next().unwrap().replace("&#x2f;", "/");
    assert!(switch.contains("/lang/en?back=/app/addresses\""), "the switch leads back to this page: {switch}");
    let unknown = submit_public(&app, &mother, "/app/addresses", &[("channel", "pigeon"), ("address", "x")]).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(contacts(&app, &hanako).await.is_empty(), "nothing stored");

    // Added: the page says so and shows it waiting; the confirmation goes, and again on asking.
    let added =
        submit_public(&app, &mother, "/app/addresses", &[("channel", "email"), ("address", "hanako@example.org")])
            .await;
    let shown = page(&app, &mother, &notice_after(&added)).await.text().await.unwrap();
    assert!(shown.contains("記録しました：連絡先を追加しました") && shown.contains("hanako@example.org"));
    assert!(shown.contains("確認待ち"));
    let address = contacts(&app, &hanako).await[0]["id"].as_str().unwrap().to_owned();
    tick(&app.state).await.unwrap();
    assert_eq!(mail.to("hanako@example.org").len(), 1, "one confirmation");

    // Staff cannot act on the mother's address from their own page: 404, and it stays.
    for action in ["confirm", "remove"] {
        let other = submit_public(&app, &staff, &format!("/app/addresses/{address}/{action}"), &[]).await;
        assert_eq!(other.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert!(!page(&app, &staff, "/app/addresses").await.text().await.unwrap().contains("hanako@example.org"));
    tick(&app.state).await.unwrap();
    assert_eq!(mail.to("hanako@example.org").len(), 1, "nothing sent for another's asking");

    let resent = submit_public(&app, &mother, &format!("/app/addresses/{address}/confirm"), &[]).await;
    assert!(notice_after(&resent).ends_with("done=resent"));
    tick(&app.state).await.unwrap();
    let letters = mail.to("hanako@example.org");
    assert_eq!(letters.len(), 2, "the confirmation again");
    let link = link_in(&letters[1].body_text(0).unwrap(), &format!("{PUBLIC_URL}/contacts/confirm/"));
    press_confirm(&app, &link).await;
    let shown = page(&app, &mother, "/app/addresses").await.text().await.unwrap();
    assert!(shown.contains("確認済み") && !shown.contains("確認をもう一度送る"), "confirmed; nothing to resend");
    let again = submit_public(&app, &mother, &format!("/app/addresses/{address}/confirm"), &[]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "a confirmed address is not asked again");

    // Which alerts go where: a time that is not one is refused in the reader's language.
    let choose = "/app/addresses/preferences";
    let bad = [("email", "digest"), ("sms", "off"), ("digest_at", "25:00"), ("email_detail", "yes")];
    let refused = submit_public(&app, &mother, choose, &bad).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("まとめのメールを送る時刻") && html.contains("時刻を「08:00」の形で"), "{html}");
    assert!(html.contains("value=\"25:00\""), "kept as typed");
    let english = submit_public(&app, &format!("{mother}; tsunagu_lang=en"), choose, &bad).await.text().await.unwrap();
    assert!(english.contains("Time of the daily summary: Enter a time such as 08:00."));
    let before: Value = app.get(&format!("/parties/{hanako}/preferences"), &app.admin()).await.json().await.unwrap();
    assert_eq!(before["email"], "immediate", "nothing stored");
    let good = [("email", "digest"), ("sms", "off"), ("digest_at", "07:30")];
    notice_after(&submit_public(&app, &mother, choose, &good).await);
    let after: Value = app.get(&format!("/parties/{hanako}/preferences"), &app.admin()).await.json().await.unwrap();
    assert_eq!(
        after,
        json!({"email": "digest", "sms": "off", "line": "immediate", "digest_at": "07:30", "email_detail": false})
    );

    // Signed out, she signs in again with a one-time code to the address she confirmed.
    assert_eq!(ask_for_code(&app, "hanako@example.org").await.status(), StatusCode::ACCEPTED);
    let code = code_in_mail(&app, &mail, "hanako@example.org").await;
    let back = try_code(&app, "hanako@example.org", &code).await;
    assert_eq!(back.status(), StatusCode::OK);
    assert!(session_cookie(&back).is_some(), "signed in without an admin");

    // Removed: gone from her page.
    let removed = submit_public(&app, &mother, &format!("/app/addresses/{address}/remove"), &[]).await;
    let shown = page(&app, &mother, &notice_after(&removed)).await.text().await.unwrap();
    assert!(shown.contains("記録しました：連絡先を削除しました") && !shown.contains("hanako@example.org"));
    assert!(contacts(&app, &hanako).await.is_empty());
}

async fn staff_see_contacts_on_each_alert_and_bring_a_snoozed_one_back(app: TestApp) {
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let sato = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let token = app.token("staff", &sato);
    let elsewhere = app.create_organization("rehab_facility").await;
    let kato = app.create_party(json!({"role": "staff", "display_name": "Kato", "organization_id": elsewhere})).await;
    let (staff, other) = (signed_in(&app, &sato).await, signed_in(&app, &kato).await);
    let person = id_of(&app.post("/persons", &token, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let today = app.today().to_string();
    let body = json!({"kind": "release", "scheduled_on": today, "release_type": "full_term"});
    let release = id_of(&app.post(&format!("/persons/{person}/milestones"), &token, &body).await.json().await.unwrap());
    app.post(&format!("/milestones/{release}/events"), &token, &json!({"event": "release", "on": today})).await;
    tick(&app.state).await.unwrap();
    let inbox: Value = app.get(&format!("/organizations/{org}/alerts"), &token).await.json().await.unwrap();
    let alert = inbox["items"][0]["id"].as_str().expect("a team alert").to_owned();

    // A contact logged shows on the alert, with what came of it, who and the note.
    let logged =
        submit(&app, &staff, &format!("/app/alerts/{alert}/contacts"), &[("outcome", "no_answer"), ("note", "留守電")])
            .await;
    let home = page(&app, &staff, &notice_after(&logged)).await.text().await.unwrap();
    assert!(home.contains("記録しました：連絡の結果"));
    let shown = home.split(&format!("/app/alerts/{alert}/ack")).next().unwrap();
    assert!(shown.contains("つながらなかった（Sato）：留守電"), "the contact on its alert");

    // Snoozed: off the inbox, on the snoozed page with its day and why.
    let until = (app.today() + chrono::Duration::days(3)).to_string();
    let snoozed =
        submit(&app, &staff, &format!("/app/alerts/{alert}/snooze"), &[("until", &until), ("reason", "面談の後で")])
            .await;
    let home = page(&app, &staff, &notice_after(&snoozed)).await.text().await.unwrap();
    assert!(!home.contains(&format!("/app/alerts/{alert}/ack")), "off the inbox");
    let list = page(&app, &staff, "/app/alerts/snoozed").await.text().await.unwrap();
    assert!(
        list.contains(&format!("/app/alerts/{alert}/wake")) && list.contains("面談の後で") && list.contains("留守電")
    );
    // Another facility's staff see none of it and cannot bring it back.
    let theirs = page(&app, &other, "/app/alerts/snoozed").await.text().await.unwrap();
    assert!(!theirs.contains(&alert) && !theirs.contains("Taro"));
    let refused = submit(&app, &other, &format!("/app/alerts/{alert}/wake"), &[]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let still: Value =
        app.get(&format!("/organizations/{org}/alerts?snoozed=true"), &token).await.json().await.unwrap();
    assert_eq!(still["items"][0]["id"], alert.as_str(), "still snoozed");

    // Brought back: in the inbox now, and no longer snoozed through the API either.
    let woken = submit(&app, &staff, &format!("/app/alerts/{alert}/wake"), &[]).await;
    let home = page(&app, &staff, &notice_after(&woken)).await.text().await.unwrap();
    assert!(
        home.contains("記録しました：お知らせを受信箱に戻しました")
            && home.contains(&format!("/app/alerts/{alert}/ack"))
    );
    let listed: Value =
        app.get(&format!("/organizations/{org}/alerts?snoozed=true"), &token).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));

    // The API brings one back too, for the team only.
    let body = json!({"until": until, "reason": "later"});
    assert_eq!(app.post(&format!("/alerts/{alert}/snooze"), &token, &body).await.status(), StatusCode::OK);
    let theirs = app.token("staff", &kato);
    assert_eq!(app.delete(&format!("/alerts/{alert}/snooze"), &theirs).await.status(), StatusCode::NOT_FOUND);
    let back = app.delete(&format!("/alerts/{alert}/snooze"), &token).await;
    assert_eq!(back.status(), StatusCode::OK);
    assert_eq!(back.json::<Value>().await.unwrap()["snoozed_until"], Value::Null);
}
