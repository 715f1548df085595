//! The family's and the person's pages in words they understand, over HTTP in both languages:
//! an honest empty state when consent hides something, one list per person with alerts whose
//! period has gone shown as gone, the consent page telling the whole truth (teams included,
//! widening within what was offered, share-nothing turned into a confirmed stop), the calendar
//! page, and the front door taking an address or number typed any common way.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tsunagu::scheduler::{send_waiting, tick};

use crate::{
    cases,
    helpers::{id_of, TestApp},
    pages::{page, scene, submit},
    reach_case::{confirmed_number, reaching},
    reach_support::{Gateway, MailServer, PUBLIC_URL},
    sign_in::{browser, session_cookie, signed_in},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_family_told_less_is_told_so_and_never_that_nothing_is_coming,
    an_alert_about_an_ended_bail_is_listed_as_gone_not_as_coming,
    the_consent_page_names_the_team_and_share_nothing_becomes_a_confirmed_stop,
    the_person_widens_again_within_what_staff_offered_and_no_further,
    the_calendar_page_warns_of_an_old_link_only_when_there_was_one,
    a_number_typed_in_full_width_signs_in_and_a_name_is_answered_in_the_page_language,
];

const NOT_SHARED_JA: &str = "ご本人が共有していない予定もあります。";
const NOT_SHARED_EN: &str = "There may be dates the person has not shared with you.";
const NOTHING_JA: &str = "この60日間に予定はありません。";
const NOTHING_EN: &str = "Nothing is coming in the next 60 days.";

async fn english(app: &TestApp, cookie: &str) -> String {
    let switched = page(app, cookie, "/lang/en?back=/app").await;
    let language = switched.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    format!("{cookie}; {language}")
}

async fn scope_of(app: &TestApp, link: &str) -> Value {
    let link: Value = app.get(&format!("/links/{link}"), &app.admin()).await.json().await.unwrap();
    link["scope"].clone()
}

async fn a_family_told_less_is_told_so_and_never_that_nothing_is_coming(app: TestApp) {
    let s = scene(&app).await;
    let family = signed_in(&app, &s.family).await;
    // Told every date (lapses are never a family's by default), the page makes no such remark.
    let html = page(&app, &family, "/app").await.text().await.unwrap();
    assert!(html.contains("出所してすぐの二週間") && !html.contains(NOT_SHARED_JA));

    // The person keeps only bail dates for her; the first weeks after release are still ahead.
    let person = signed_in(&app, &s.person_party).await;
    let narrowed = submit(&app, &person, &format!("/app/sharing/{}", s.link), &[("kind", "bail")]).await;
    assert_eq!(narrowed.status(), StatusCode::SEE_OTHER);
    assert_eq!(scope_of(&app, &s.link).await, json!(["bail"]));

    let html = page(&app, &family, "/app").await.text().await.unwrap();
    assert!(!html.contains("出所してすぐの二週間"), "what is not shared is not shown");
    assert!(html.contains(NOT_SHARED_JA), "she is told something may be hidden");
    assert!(!html.contains(NOTHING_JA), "never that nothing is coming while something is");
    let html = page(&app, &english(&app, &family).await, "/app").await.text().await.unwrap();
    assert!(html.contains(NOT_SHARED_EN) && !html.contains(NOTHING_EN));
    assert!(!html.contains("The first two weeks after release"));
}

async fn an_alert_about_an_ended_bail_is_listed_as_gone_not_as_coming(app: TestApp) {
    let s = scene(&app).await;
    let staff = app.token("staff", &s.staff_party);
    let judgment = (app.today() + chrono::Duration::days(4)).to_string();
    let long_ago = (app.today() - chrono::Duration::days(40)).to_string();
    let bail = json!({"kind": "bail", "requested_on": long_ago, "judgment_on": judgment});
    let bail =
        id_of(&app.post(&format!("/persons/{}/milestones", s.person), &staff, &bail).await.json().await.unwrap());
    for event in ["grant", "release"] {
        let body = json!({"event": event, "on": long_ago});
        assert_eq!(app.post(&format!("/milestones/{bail}/events"), &staff, &body).await.status(), StatusCode::CREATED);
    }
    tick(&app.state).await.unwrap();
    let family = signed_in(&app, &s.family).await;
    let html = page(&app, &family, "/app").await.text().await.unwrap();
    let (coming, _) = html.split_once("もう当てはまらないお知らせ").unwrap_or((&html, ""));
    assert!(coming.contains("判決の前の一週間"), "the week before the judgment is coming, with its alert");
    let alerts: Value = app.get("/me/alerts", &app.token("family", &s.family)).await.json().await.unwrap();
    let about_judgment = alerts["items"].as_array().unwrap().iter().any(|a| a["rule"] == "before_judgment");
    assert!(about_judgment, "{alerts}");

    // The bail ends without custody: the week before the judgment is no longer ahead.
    let body = json!({"event": "end", "on": app.today().to_string()});
    assert_eq!(app.post(&format!("/milestones/{bail}/events"), &staff, &body).await.status(), StatusCode::CREATED);
    let html = page(&app, &family, "/app").await.text().await.unwrap();
    let (coming, gone) = html.split_once("もう当てはまらないお知らせ").expect("a list of alerts that no longer apply");
    assert!(!coming.contains("判決の前の一週間"), "never listed as coming once gone");
    assert!(gone.contains("判決の前の一週間") && gone.contains("なくなりました"), "{gone}");
    assert_eq!(html.matches("判決の前の一週間").count(), gone.matches("判決の前の一週間").count());
    let html = page(&app, &english(&app, &family).await, "/app").await.text().await.unwrap();
    let (coming, gone) = html.split_once("Alerts that no longer apply").expect("the gone list in English");
    assert!(!coming.contains("The week before the judgment") && gone.contains("The week before the judgment"));
}

async fn the_consent_page_names_the_team_and_share_nothing_becomes_a_confirmed_stop(app: TestApp) {
    let s = scene(&app).await;
    let person = signed_in(&app, &s.person_party).await;
    let html = page(&app, &person, "/app").await.text().await.unwrap();
    assert!(
        html.contains("Hikari Houseのスタッフ") && html.contains("また使ってしまったときのこと"),
        "the facility team"
    );
    assert!(html.contains("href=\"tel:"), "whom to call, on the person's own page too");
    assert!(html.contains("Hanako") && html.contains("共有をやめる"));
    let english_html = page(&app, &english(&app, &person).await, "/app").await.text().await.unwrap();
    assert!(
        english_html.contains("Staff at Hikari House")
            && english_html.contains("Hanako<span class=\"muted\"> (family)"),
        "English brackets"
    );
    assert!(!english_html.contains('（') && !english_html.contains('）'), "no Japanese brackets on English pages");

    // Nothing ticked: the link is left as it was, and she is asked whether to stop sharing instead.
    let before = scope_of(&app, &s.link).await;
    let nothing = submit(&app, &person, &format!("/app/sharing/{}", s.link), &[]).await;
    assert_eq!(nothing.status(), StatusCode::OK);
    let confirmation = nothing.text().await.unwrap();
    assert!(confirmation.contains(&format!("action=\"/app/sharing/{}/stop\"", s.link)));
    assert!(confirmation.contains("共有をやめる") && confirmation.contains("共有を続ける"), "{confirmation}");
    assert_eq!(scope_of(&app, &s.link).await, before, "no link that shows nothing");
    let link: Value = app.get(&format!("/links/{}", s.link), &app.admin()).await.json().await.unwrap();
    assert_eq!(link["active"], true);

    let stopped = submit(&app, &person, &format!("/app/sharing/{}/stop", s.link), &[]).await;
    assert_eq!(stopped.status(), StatusCode::SEE_OTHER);
    let link: Value = app.get(&format!("/links/{}", s.link), &app.admin()).await.json().await.unwrap();
    assert_eq!(link["active"], false);
}

async fn the_person_widens_again_within_what_staff_offered_and_no_further(app: TestApp) {
    let s = scene(&app).await;
    let person = signed_in(&app, &s.person_party).await;
    let sharing = format!("/app/sharing/{}", s.link);
    assert_eq!(submit(&app, &person, &sharing, &[("kind", "release")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(scope_of(&app, &s.link).await, json!(["release"]));
    // What she took away is still offered on her page, unticked, and she can show it again.
    let html = page(&app, &person, "/app").await.text().await.unwrap();
    assert!(html.contains("value=\"bail\"") && html.contains("value=\"release\" checked"), "{html}");
    let widened = submit(&app, &person, &sharing, &[("kind", "release"), ("kind", "bail")]).await;
    assert_eq!(widened.status(), StatusCode::SEE_OTHER);
    assert_eq!(scope_of(&app, &s.link).await, json!(["bail", "release"]));

    // Beyond what staff offered (lapses were never offered to the family): refused, nothing stored.
    let beyond = submit(&app, &person, &sharing, &[("kind", "release"), ("kind", "lapse")]).await;
    assert_eq!(beyond.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(scope_of(&app, &s.link).await, json!(["bail", "release"]));
    // The family member cannot choose for the person.
    let family = signed_in(&app, &s.family).await;
    assert_eq!(submit(&app, &family, &sharing, &[("kind", "bail")]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(scope_of(&app, &s.link).await, json!(["bail", "release"]));
}

async fn the_calendar_page_warns_of_an_old_link_only_when_there_was_one(app: TestApp) {
    let s = scene(&app).await;
    let family = signed_in(&app, &s.family).await;
    let old_link = "前に作ったリンクは、もう使えません。";
    let first = submit(&app, &family, "/app/calendar", &[]).await.text().await.unwrap();
    assert!(!first.contains(old_link), "no warning on first use");
    assert!(first.contains("href=\"webcal://") && first.contains("class=\"copy\""));
    assert!(first.contains("class=\"wide-only\""), "the QR is for wide screens");
    let second = submit(&app, &family, "/app/calendar", &[("detailed", "yes")]).await.text().await.unwrap();
    assert!(second.contains(old_link));
    let bad = submit(&app, &family, "/app/calendar", &[("detailed", "maybe")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let english = page(&app, &english(&app, &family).await, "/app").await.text().await.unwrap();
    assert!(english.contains("they show on lock screens"), "the choice of detailed titles says what it costs");
}

async fn a_number_typed_in_full_width_signs_in_and_a_name_is_answered_in_the_page_language(plain: TestApp) {
    let mail = MailServer::start();
    let gateway = Gateway::start().await;
    let app = reaching(&plain, &mail, &gateway).await;
    let s = scene(&app).await;
    confirmed_number(&app, &gateway, &s.family, "+819012345678").await;

    let form = |path: &str, fields: &[(&str, &str)], language: &str| {
        browser()
            .post(format!("{}{path}", app.address))
            .header("origin", PUBLIC_URL)
            .header(header::ACCEPT_LANGUAGE, language)
            .form(fields)
            .send()
    };
    // The front door says in a sentence what it does.
    let door = browser().get(format!("{}/", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(door.contains("サインイン用のコードをお送りします。"), "{door}");

    let typed = "０９０－１２３４－５６７８";
    let asked = form("/auth/code", &[("address", typed)], "ja").await.unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    send_waiting(&app.state).await.unwrap();
    let text = gateway.sent_to("+819012345678").pop().expect("a text with the code");
    let at = text.body.find(|c: char| c.is_ascii_digit()).expect("the code");
    let code: String = text.body[at..].chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6);
    let verified = form("/auth/code/verify", &[("address", "090 1234 5678"), ("code", &code)], "ja").await.unwrap();
    assert_eq!(verified.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&verified).expect("signed in");
    assert!(page(&app, &cookie, "/app").await.text().await.unwrap().contains("Taro"));

    // A name is not an address: the answer is in the page's language, beside the field, with what was typed.
    let refused = form("/auth/code", &[("address", "さちこ")], "ja").await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"address-problem\"") && html.contains("value=\"さちこ\""), "{html}");
    assert!(html.contains("携帯電話の番号") || html.contains("電話番号"), "{html}");
    assert!(!html.contains("is not a phone number"), "{html}");
    let refused = form("/auth/code", &[("address", "Sachiko")], "en").await.unwrap();
    let html = refused.text().await.unwrap();
    assert!(html.contains("is not a phone number") && html.contains("value=\"Sachiko\""), "{html}");
}
