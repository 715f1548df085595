//! Staff's whole day in the pages, over HTTP as a browser without JavaScript uses them: a new
//! resident's record started and kept with no API call, every form refusing what cannot be
//! stored with the page again (why beside the field, in the reader's language, values kept),
//! and another facility's resident out of reach of every form.

use chrono::Duration;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use tsunagu::outbox::EmailSettings;

use crate::{
    cases,
    helpers::{id_of, spawn_app_configured, TestApp},
    pages::{page, submit},
    reach_support::MailServer,
    sign_in::{redeem, session_cookie, signed_in},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_facility_starts_a_residents_record_in_pages_and_the_family_is_alerted,
    every_form_refuses_what_cannot_be_stored_and_keeps_what_was_typed,
    staff_of_another_facility_reach_no_resident_of_theirs_by_any_form,
];

/// A facility and a staff member signed in to the pages; returns (staff party, cookie).
async fn facility(app: &TestApp, name: &str) -> (String, String) {
    let org = id_of(
        &app.create(
            "/organizations",
            json!({"kind": "rehab_facility", "name": name, "phone": "03-1234-5678", "area": "東京都"}),
        )
        .await,
    );
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let cookie = signed_in(app, &staff).await;
    (staff, cookie)
}

/// Where a stored form sent the browser, and the id in it after `/app/residents/`.
fn resident_of(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "stored");
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    location.trim_start_matches("/app/residents/").split('?').next().unwrap().to_owned()
}

async fn stored(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap());
}

async fn a_facility_starts_a_residents_record_in_pages_and_the_family_is_alerted(app: TestApp) {
    // The same database, served by an app that sends e-mail, so that an address can be added.
    let mail = MailServer::start();
    let smtp = format!("smtp://127.0.0.1:{}", mail.port);
    let app = spawn_app_configured(&app.database_url, |config| {
        config.email = Some(EmailSettings::parse(&smtp, "Tsunagu <alerts@tsunagu.test>").expect("mail settings"));
    })
    .await;
    let (_, staff) = facility(&app, "Hikari House").await;
    let day = |days: i64| (app.today() + Duration::days(days)).to_string();
    assert_eq!(page(&app, &staff, "/app/residents/new").await.status(), StatusCode::OK);
    let added = submit(
        &app,
        &staff,
        "/app/residents",
        &[("display_name", "Taro"), ("birth_date", ""), ("language", "ja"), ("timezone", "Asia/Tokyo")],
    )
    .await;
    let person = resident_of(&added);
    let here = format!("/app/residents/{person}");
    let html = page(&app, &staff, &format!("{here}?done=resident")).await.text().await.unwrap();
    assert!(html.contains("記録しました：利用者を登録しました") && html.contains("Hikari House"));

    let milestones = format!("{here}/milestones");
    let (requested, judgment, release) = (day(-3), day(20), day(5));
    let bail = [("kind", "bail"), ("requested_on", &requested), ("hearing_on", ""), ("judgment_on", &judgment)];
    stored(submit(&app, &staff, &milestones, &bail).await).await;
    let full_term =
        [("kind", "release"), ("scheduled_on", &release), ("release_type", "full_term"), ("supervision_ends_on", "")];
    stored(submit(&app, &staff, &milestones, &full_term).await).await;
    let today = day(0);
    let smarpp = [("kind", "program_enrollment"), ("program", "smarpp"), ("referred_on", &today)];
    stored(submit(&app, &staff, &milestones, &smarpp).await).await;

    let accounts = format!("{here}/accounts");
    let mother = [
        ("role", "family"),
        ("display_name", "Hanako"),
        ("language", "ja"),
        ("scope", "release"),
        ("scope", "employment_support_window"),
    ];
    stored(submit(&app, &staff, &accounts, &mother).await).await;
    let lawyer = [("role", "lawyer"), ("display_name", "Suzuki"), ("language", "ja"), ("scope", "bail")];
    stored(submit(&app, &staff, &accounts, &lawyer).await).await;

    // What was stored, read back through the API.
    let links: Value = app.get(&format!("/persons/{person}/links"), &app.admin()).await.json().await.unwrap();
    let links = links["items"].as_array().unwrap();
    let scope_of = |relationship: &str| {
        links.iter().find(|link| link["relationship"] == relationship).map(|link| link["scope"].clone()).unwrap()
    };
    assert_eq!(scope_of("family"), json!(["release", "employment_support_window"]));
    assert_eq!(scope_of("lawyer"), json!(["bail"]));
    let hanako = links.iter().find(|link| link["relationship"] == "family").map(|link| link["party_id"].clone());
    let hanako = hanako.and_then(|id| id.as_str().map(str::to_owned)).unwrap();
    let kept: Value = app.get(&format!("/persons/{person}/milestones"), &app.admin()).await.json().await.unwrap();
    let bail = kept["items"].as_array().unwrap().iter().find(|m| m["kind"] == "bail").cloned().unwrap();
    assert_eq!((bail["requested_on"].as_str(), bail["judgment_on"].as_str()), (Some(&*requested), Some(&*judgment)));

    // The timeline says what happened to what: the release's day, the programme by name, and
    // how many sessions a recording came to.
    let smarpp = kept["items"].as_array().unwrap().iter().find(|m| m["kind"] == "program_enrollment").cloned().unwrap();
    let (smarpp_id, version) = (smarpp["id"].as_str().unwrap(), smarpp["version"].to_string());
    stored(submit(&app, &staff, &format!("{here}/milestones/{smarpp_id}/sessions"), &[("version", &version)]).await)
        .await;
    let timeline = page(&app, &staff, &here).await.text().await.unwrap();
    let release_on = app.today() + Duration::days(5);
    let release_day = format!("{}月{}日", chrono::Datelike::month(&release_on), chrono::Datelike::day(&release_on));
    assert!(timeline.contains(&format!("出所予定日を{release_day}")), "the release's day");
    assert!(timeline.contains("SMARPPに紹介した") && timeline.contains("SMARPP：参加1回目を記録"), "{timeline}");

    let address = [("channel", "email"), ("address", "hanako@example.org")];
    stored(submit(&app, &staff, &format!("{here}/accounts/{hanako}/addresses"), &address).await).await;
    let contacts: Value = app.get(&format!("/parties/{hanako}/contacts"), &app.admin()).await.json().await.unwrap();
    assert_eq!(contacts["items"][0]["address"], "hanako@example.org");
    tick(&app.state).await.unwrap();
    assert_eq!(mail.to("hanako@example.org").len(), 1, "the address is asked to confirm");

    // The mother signs in with the invitation staff printed; the scheduler runs.
    let invitation = submit(&app, &staff, &format!("{here}/invitations/{hanako}"), &[]).await;
    assert_eq!(invitation.status(), StatusCode::CREATED);
    let html = invitation.text().await.unwrap();
    let code = html.split("<span class=\"code\">").nth(1).and_then(|rest| rest.split("</span>").next());
    let code = code.expect("the invitation code").to_owned();
    let mother = session_cookie(&redeem(&app, &code).await).expect("the mother signed in");
    tick(&app.state).await.unwrap();
    let hers = page(&app, &mother, "/app").await.text().await.unwrap();
    assert!(hers.contains("Taro") && hers.contains("出所"), "the mother's page shows the release");
    let home = page(&app, &staff, "/app").await.text().await.unwrap();
    let inbox = home.split("id=\"inbox\"").nth(1).unwrap();
    assert!(inbox.contains("Taro"), "the team inbox holds the resident's alert");
}

/// A resident placed at the staff's facility (through the API, to keep this test on the forms)
/// with a bail requested three days ago; returns (person, bail).
async fn resident_with_bail(app: &TestApp, staff: &str) -> (String, String) {
    let me: Value = crate::sign_in::me(app, staff).await.json().await.unwrap();
    let token = app.token("staff", me["party"]["id"].as_str().unwrap());
    let person = id_of(&app.post("/persons", &token, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let requested = (app.today() - Duration::days(3)).to_string();
    let body = json!({"kind": "bail", "requested_on": requested});
    let bail = id_of(&app.post(&format!("/persons/{person}/milestones"), &token, &body).await.json().await.unwrap());
    (person, bail)
}

/// Where a form was sent, what was typed, the words beside the refused field, and a value that
/// must come back as typed.
type Refused<'a> = (String, Vec<(&'a str, &'a str)>, &'a str, &'a str);

/// Everything the forms could have stored, and the bail as the API reads it.
async fn what_is_stored(app: &TestApp, bail: &str) -> (Vec<i64>, Value) {
    let mut counts = Vec::new();
    for table in
        ["persons", "milestones", "milestone_events", "lapses", "custody_periods", "parties", "links", "contact_points"]
    {
        counts.push(app.count(table).await);
    }
    let bail: Value = app.get(&format!("/milestones/{bail}"), &app.admin()).await.json().await.unwrap();
    (counts, bail)
}

async fn every_form_refuses_what_cannot_be_stored_and_keeps_what_was_typed(app: TestApp) {
    let (_, staff) = facility(&app, "Hikari House").await;
    let (person, bail) = resident_with_bail(&app, &staff).await;
    let here = format!("/app/residents/{person}");
    let version = what_is_stored(&app, &bail).await.1["version"].to_string();
    let (today, tomorrow) = (app.today().to_string(), (app.today() + Duration::days(1)).to_string());
    let invited = [("role", "family"), ("display_name", "Hanako"), ("language", "ja"), ("scope", "release")];
    stored(submit(&app, &staff, &format!("{here}/accounts"), &invited).await).await;
    let links: Value = app.get(&format!("/persons/{person}/links"), &app.admin()).await.json().await.unwrap();
    let hanako = links["items"][0]["party_id"].as_str().unwrap().to_owned();
    let before = what_is_stored(&app, &bail).await;

    let events = format!("{here}/milestones/{bail}/events");
    let dates = format!("{here}/milestones/{bail}/dates");
    let milestones = format!("{here}/milestones");
    // (where, what was typed, the words beside the field, a value that must come back as typed)
    let cases: Vec<Refused> = vec![
        (
            "/app/residents".into(),
            vec![
                ("display_name", "Jiro"),
                ("birth_date", "2026-02-30"),
                ("language", "ja"),
                ("timezone", "Asia/Tokyo"),
            ],
            "生年月日：その日はカレンダーにありません。",
            "value=\"2026-02-30\"",
        ),
        (
            "/app/residents".into(),
            vec![("display_name", "Jiro"), ("birth_date", &tomorrow), ("language", "ja"), ("timezone", "Asia/Tokyo")],
            "生年月日：起きたことの記録なので",
            "value=\"Jiro\"",
        ),
        (
            "/app/residents".into(),
            vec![("display_name", "Jiro"), ("language", "klingon"), ("timezone", "Asia/Tokyo")],
            "言語：選択肢から選んでください。",
            "value=\"Jiro\"",
        ),
        (
            milestones.clone(),
            vec![("kind", "bail"), ("requested_on", ""), ("hearing_on", "2027-01-10")],
            "保釈を請求した日：入力してください。",
            "value=\"2027-01-10\"",
        ),
        (
            milestones.clone(),
            vec![("kind", "bail"), ("requested_on", &tomorrow)],
            "保釈を請求した日：起きたことの記録なので",
            &tomorrow,
        ),
        (
            milestones.clone(),
            vec![("kind", "release"), ("scheduled_on", "2027-01-15"), ("release_type", "forever")],
            "出所の種類：選択肢から選んでください。",
            "value=\"2027-01-15\"",
        ),
        (
            milestones.clone(),
            vec![("kind", "program_enrollment"), ("program", ""), ("referred_on", "2026-02-30")],
            "紹介した日：その日はカレンダーにありません。",
            "value=\"2026-02-30\"",
        ),
        (
            events.clone(),
            vec![("event", "grant"), ("on", "2026-02-30"), ("version", &version)],
            "日付：その日はカレンダーにありません。",
            "value=\"2026-02-30\"",
        ),
        (
            events.clone(),
            vec![("event", "grant"), ("on", ""), ("version", &version)],
            "日付：入力してください。",
            "value=\"grant\" selected",
        ),
        (
            events.clone(),
            vec![("event", "grant"), ("on", &tomorrow), ("version", &version)],
            "日付：起きたことの記録なので",
            &tomorrow,
        ),
        (
            events.clone(),
            vec![("event", "pardon"), ("on", &today), ("version", &version)],
            "出来事：選択肢から選んでください。",
            &today,
        ),
        (events.clone(), vec![("event", "grant"), ("on", &today)], "ページの版：ページが古くなっています。", &today),
        (
            dates.clone(),
            vec![("date", "birthday"), ("on", "2027-01-10"), ("version", &version)],
            "動かす日付：選択肢から選んでください。",
            "value=\"2027-01-10\"",
        ),
        (
            dates.clone(),
            vec![("date", "hearing_on"), ("on", "2027-01-10")],
            "ページの版：ページが古くなっています。",
            "value=\"2027-01-10\"",
        ),
        (
            format!("{here}/lapses"),
            vec![("on", "2026-02-30"), ("note", "after the funeral")],
            "日付：その日はカレンダーにありません。",
            "value=\"after the funeral\"",
        ),
        (format!("{here}/lapses"), vec![("on", &tomorrow)], "日付：起きたことの記録なので", &tomorrow),
        (
            format!("{here}/custody"),
            vec![("event", "maybe"), ("on", &today)],
            "出来事：選択肢から選んでください。",
            &today,
        ),
        (
            format!("{here}/custody"),
            vec![("event", "start"), ("on", "")],
            "日付：入力してください。",
            "value=\"start\" selected",
        ),
        (
            format!("{here}/accounts"),
            vec![("role", "admin"), ("display_name", "Boss"), ("language", "ja"), ("scope", "bail")],
            "アカウントの種類：この種類のアカウントは、この関係では作れません。",
            "value=\"Boss\"",
        ),
        (
            format!("{here}/accounts"),
            vec![("role", "family"), ("display_name", "Kana"), ("language", "ja"), ("scope", "everything")],
            "見られる内容：選択肢から選んでください。",
            "value=\"Kana\"",
        ),
        (
            format!("{here}/accounts/{hanako}/addresses"),
            vec![("channel", "email"), ("address", "hanako-at-example")],
            "アドレスまたは番号：メールアドレスの形ではありません",
            "value=\"hanako-at-example\"",
        ),
    ];
    for (path, form, words, kept) in &cases {
        let refused = submit(&app, &staff, path, form).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path} {form:?}");
        let html = refused.text().await.unwrap();
        assert!(html.contains(words), "{path} {form:?}: {words} beside the field");
        assert!(html.contains(kept), "{path} {form:?}: {kept} kept");
        assert!(html.contains("aria-describedby") || words.starts_with("ページの版"), "tied to its field");
        // The language switch leads back to the page the form is on, not to the form's address.
        let page_of_form = if path == "/app/residents" { "/app/residents/new" } else { here.as_str() };
        let switch =
            html.split("hreflang").next().unwrap_or("").rsplit("href=").next().unwrap_or("").replace("&#x2f;", "/");
        assert!(switch.contains(&format!("/lang/en?back={page_of_form}\"")), "{path}: switch {switch}");
    }
    assert_eq!(what_is_stored(&app, &bail).await, before, "nothing stored");

    // In English for a reader who chose English.
    let english = format!("{staff}; tsunagu_lang=en");
    let form = [("display_name", "Jiro"), ("birth_date", "2026-02-30"), ("language", "ja"), ("timezone", "Asia/Tokyo")];
    let refused = submit(&app, &english, "/app/residents", &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("Date of birth: There is no such day."));
    let form = [("event", "grant"), ("on", &tomorrow), ("version", &version)];
    let refused = submit(&app, &english, &events, &form).await.text().await.unwrap();
    assert!(refused.contains("Date: This records something that happened: it cannot be after today."));
    // A body that is not a form is not taken for an empty one.
    let garbled = crate::sign_in::browser()
        .post(app.url(&format!("{here}/lapses")).replace("/api/v1", ""))
        .header(header::COOKIE, &staff)
        .header("origin", &app.address)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'=', 0xff])
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);
    assert_eq!(what_is_stored(&app, &bail).await, before, "nothing stored");
}

async fn staff_of_another_facility_reach_no_resident_of_theirs_by_any_form(app: TestApp) {
    let (_, staff_a) = facility(&app, "Hikari House").await;
    let (_, staff_b) = facility(&app, "Asahi House").await;
    let (person, bail) = resident_with_bail(&app, &staff_a).await;
    let own = [("role", "family"), ("display_name", "Hanako"), ("language", "ja"), ("scope", "release")];
    stored(submit(&app, &staff_a, &format!("/app/residents/{person}/accounts"), &own).await).await;
    let links: Value = app.get(&format!("/persons/{person}/links"), &app.admin()).await.json().await.unwrap();
    let hanako = links["items"][0]["party_id"].as_str().unwrap().to_owned();
    let placements: Value = app.get(&format!("/persons/{person}/placements"), &app.admin()).await.json().await.unwrap();
    let placement = id_of(&placements["items"][0]);
    let before = what_is_stored(&app, &bail).await;
    let (today, version) = (app.today().to_string(), before.1["version"].to_string());

    let here = format!("/app/residents/{person}");
    assert_eq!(page(&app, &staff_b, &here).await.status(), StatusCode::NOT_FOUND);
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (format!("{here}/milestones"), vec![("kind", "bail"), ("requested_on", &today)]),
        (format!("{here}/milestones/{bail}/events"), vec![("event", "grant"), ("on", &today), ("version", &version)]),
        (
            format!("{here}/milestones/{bail}/dates"),
            vec![("date", "hearing_on"), ("on", &today), ("version", &version)],
        ),
        (format!("{here}/lapses"), vec![("on", &today)]),
        (format!("{here}/custody"), vec![("event", "start"), ("on", &today)]),
        (format!("{here}/placements/{placement}/end"), vec![("end_on", &today)]),
        (format!("{here}/accounts"), own.to_vec()),
        (format!("{here}/accounts/{hanako}/addresses"), vec![("channel", "email"), ("address", "x@example.org")]),
        (format!("{here}/invitations/{hanako}"), vec![]),
    ];
    for (path, form) in &forms {
        assert_eq!(submit(&app, &staff_b, path, form).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Nor through their own resident's page with A's ids.
    let (theirs, _) = resident_with_bail(&app, &staff_b).await;
    let crossed = format!("/app/residents/{theirs}/milestones/{bail}/events");
    let form = [("event", "grant"), ("on", &today), ("version", &version)];
    assert_eq!(submit(&app, &staff_b, &crossed, &form).await.status(), StatusCode::NOT_FOUND);
    let after = what_is_stored(&app, &bail).await;
    assert_eq!(after.1, before.1, "A's bail unchanged");
    assert_eq!(after.0[2], before.0[2] + 1, "only B's own bail was recorded");
}
