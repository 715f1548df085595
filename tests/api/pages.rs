//! The pages, over HTTP as a browser without JavaScript uses them: what each person sees, the
//! forms that change things, the headers every page carries, and another site's forms refused.
//! (`browser.rs` drives the same pages in a real Chromium.)

use chrono::Duration;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{id_of, TestApp},
    sign_in::{browser, signed_in},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_family_member_sees_what_is_coming_with_why_and_where_to_turn_and_acknowledges,
    a_long_directory_shows_each_kind_in_turn_and_links_to_the_rest,
    the_person_shares_less_then_stops_sharing_after_confirming,
    staff_see_residents_by_urgency_and_record_what_happened_from_the_resident_page,
];

pub struct Scene {
    pub staff_party: String,
    pub person: String,
    pub family: String,
    pub person_party: String,
    pub link: String,
}

/// A facility in Tokyo with a resident released in five days, his family member and himself
/// as parties, and places to turn to in Tokyo and Osaka. The scheduler has run once.
pub async fn scene(app: &TestApp) -> Scene {
    let org = id_of(
        &app.create(
            "/organizations",
            json!({"kind": "rehab_facility", "name": "Hikari House", "phone": "03-1234-5678",
                   "hours": "毎日 9:00〜18:00", "area": "東京都"}),
        )
        .await,
    );
    app.create(
        "/organizations",
        json!({"kind": "consultation_window", "name": "Tokyo Drug Consultation", "phone": "0120-123-456",
               "hours": "平日 9:00〜17:00", "helps_with": "保釈中の生活や面会の相談", "area": "東京都"}),
    )
    .await;
    app.create(
        "/organizations",
        json!({"kind": "law_office", "name": "Osaka Bail Lawyers", "phone": "06-1234-5678", "area": "大阪府"}),
    )
    .await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    // Staff open the family member's account with its link to their resident, so they may invite her.
    let body = json!({"party": {"role": "family", "display_name": "Hanako", "language": "ja"},
        "relationship": "family"});
    let created: Value = app.post(&format!("/persons/{person}/links"), &staff, &body).await.json().await.unwrap();
    let family = created["party_id"].as_str().expect("the account opened").to_owned();
    let links: Value = app.get(&format!("/persons/{person}/links"), &staff).await.json().await.unwrap();
    let link = links["items"]
        .as_array()
        .and_then(|items| items.iter().find(|item| item["party_id"] == family.as_str()))
        .map(id_of)
        .expect("the family's link");
    let person_party = app.create_party(json!({"role": "person", "display_name": "Taro", "person_id": person})).await;
    let release = (app.today() + Duration::days(5)).to_string();
    let body = json!({"kind": "release", "scheduled_on": release, "release_type": "full_term"});
    assert_eq!(app.post(&format!("/persons/{person}/milestones"), &staff, &body).await.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    Scene { staff_party, person, family, person_party, link }
}

pub async fn page(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    browser().get(format!("{}{path}", app.address)).header(header::COOKIE, cookie).send().await.unwrap()
}

/// A form posted from Tsunagu's own page.
pub async fn submit(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    browser()
        .post(format!("{}{path}", app.address))
        .header(header::COOKIE, cookie)
        .header("origin", &app.address)
        .form(form)
        .send()
        .await
        .unwrap()
}

fn assert_protected(response: &reqwest::Response) {
    let headers = response.headers();
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for directive in ["default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("script-src"), "no script at all: {policy}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert!(headers[header::CACHE_CONTROL].to_str().unwrap().contains("no-store"));
}

async fn a_family_member_sees_what_is_coming_with_why_and_where_to_turn_and_acknowledges(app: TestApp) {
    let s = scene(&app).await;
    let cookie = signed_in(&app, &s.family).await;
    let response = page(&app, &cookie, "/app").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_protected(&response);
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"ja\">"));
    for shown in
        ["Taro", "出所の予定日", "出所してすぐの二週間", "できれば毎日連絡をとり", "Hikari House", "03-1234-5678"]
    {
        assert!(html.contains(shown), "the family page shows {shown}");
    }
    assert!(html.contains("Tokyo Drug Consultation") && html.contains("保釈中の生活や面会の相談"));
    assert!(html.contains("href=\"tel:+81120123456\""));
    assert!(!html.contains("Osaka Bail Lawyers"), "only places near the facility");

    let alerts: Value = app.get("/me/alerts", &app.token("family", &s.family)).await.json().await.unwrap();
    let alert = id_of(&alerts["items"][0]);
    assert!(html.contains(&format!("action=\"/app/alerts/{alert}/ack\"")));
    // Another site's form is refused and changes nothing; our own page's goes through.
    let forged = browser()
        .post(format!("{}/app/alerts/{alert}/ack", app.address))
        .header(header::COOKIE, &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let acknowledged = submit(&app, &cookie, &format!("/app/alerts/{alert}/ack"), &[]).await;
    assert_eq!(acknowledged.status(), StatusCode::SEE_OTHER);
    let alerts: Value = app.get("/me/alerts", &app.token("family", &s.family)).await.json().await.unwrap();
    assert!(alerts["items"][0]["acknowledged_at"].is_string(), "the API shows it acknowledged");

    // In English, on the switch; dates as English writes them.
    let switched = page(&app, &cookie, "/lang/en?back=/app").await;
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    let language = switched.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned();
    let english = page(&app, &format!("{cookie}; {language}"), "/app").await.text().await.unwrap();
    assert!(
        english.contains("<html lang=\"en\">")
            && english.contains("The first two weeks after release (the time that matters most)")
    );
    let release = app.today() + Duration::days(5);
    assert!(english.contains(&release.format("%a %-d %b").to_string()), "{release}");

    // A calendar link, as webcal: and QR.
    let calendar = submit(&app, &cookie, "/app/calendar", &[]).await.text().await.unwrap();
    assert!(calendar.contains("href=\"webcal://") && calendar.contains("<svg"));
    // Nobody else's resident shows; a page of someone else's answers 404.
    let other = page(&app, &cookie, &format!("/app/residents/{}", s.person)).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

async fn a_long_directory_shows_each_kind_in_turn_and_links_to_the_rest(app: TestApp) {
    let s = scene(&app).await;
    let centre = json!({"kind": "consultation_window", "name": "東京都立 相談センター", "area": "東京都"});
    let centre = id_of(&app.create("/organizations", centre).await);
    let service = |name: &str, kind: &str, area: &str| {
        json!({"name": name, "kinds": [kind], "area": area, "phone": "03-1234-5678",
               "schedules": [{"freq": "weekly", "byday": "TU", "opens_at": "09:00", "closes_at": "17:00"}]})
    };
    let mut services: Vec<Value> =
        (1..=9).map(|n| service(&format!("家族教室 {n}"), "family_class", "東京都")).collect();
    services.push(service("依存症外来", "outpatient_treatment", "東京都"));
    services.push(service("自助グループ", "self_help_meeting", "東京都"));
    services.push(service("大阪の家族教室", "family_class", "大阪府"));
    for body in &services {
        assert_eq!(app.post(&format!("/organizations/{centre}/services"), &app.admin(), body).await.status(), 201);
    }

    let cookie = signed_in(&app, &s.family).await;
    let html = page(&app, &cookie, "/app").await.text().await.unwrap();
    // Eleven services in Tokyo: six listed, the clinic and the meeting among them rather than
    // a sixth family class, and a link to the other five on the directory page of the area.
    let classes = (1..=9).filter(|n| html.contains(&format!("家族教室 {n}（"))).count();
    assert_eq!(classes, 4, "family classes listed");
    assert!(html.contains("依存症外来（") && html.contains("自助グループ（"), "each kind has its turn");
    assert!(!html.contains("大阪の家族教室"), "only services near the facility");
    assert!(html.contains("help?area=%E6%9D%B1%E4%BA%AC%E9%83%BD\">ほかに5か所あります"), "the rest a link away");
    assert!(html.contains("Tokyo Drug Consultation"), "organisations listing no service are all listed");
    let directory = browser().get(format!("{}/help?area=%E6%9D%B1%E4%BA%AC%E9%83%BD", app.address)).send().await;
    let directory = directory.unwrap().text().await.unwrap();
    assert!((1..=9).all(|n| directory.contains(&format!("家族教室 {n}"))), "where the link leads, all of them");
}

async fn the_person_shares_less_then_stops_sharing_after_confirming(app: TestApp) {
    let s = scene(&app).await;
    let person = signed_in(&app, &s.person_party).await;
    let html = page(&app, &person, "/app").await.text().await.unwrap();
    assert!(html.contains("Hanako") && html.contains("家族") && html.contains("出所"), "who sees what, in words");

    let narrowed = submit(&app, &person, &format!("/app/sharing/{}", s.link), &[("kind", "release")]).await;
    assert_eq!(narrowed.status(), StatusCode::SEE_OTHER);
    let link: Value = app.get(&format!("/links/{}", s.link), &app.admin()).await.json().await.unwrap();
    assert_eq!(link["scope"], json!(["release"]));

    let confirm = page(&app, &person, &format!("/app/sharing/{}/stop", s.link)).await;
    assert_eq!(confirm.status(), StatusCode::OK);
    assert!(confirm.text().await.unwrap().contains(&format!("action=\"/app/sharing/{}/stop\"", s.link)));
    let family = signed_in(&app, &s.family).await;
    assert!(page(&app, &family, "/app").await.text().await.unwrap().contains("Taro"));
    let stopped = submit(&app, &person, &format!("/app/sharing/{}/stop", s.link), &[]).await;
    assert_eq!(stopped.status(), StatusCode::SEE_OTHER);
    assert!(!page(&app, &family, "/app").await.text().await.unwrap().contains("Taro"), "the family sees him no more");
    let link: Value = app.get(&format!("/links/{}", s.link), &app.admin()).await.json().await.unwrap();
    assert_eq!(link["active"], false);
    // The family member cannot stop anyone's sharing, and the refusal is audited, once.
    let refused = "action = 'link.revoke' AND outcome = 'denied'";
    let before = app.count_where("audit_events", refused).await;
    let not_theirs = submit(&app, &family, &format!("/app/sharing/{}/stop", s.link), &[]).await;
    assert_eq!(not_theirs.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count_where("audit_events", refused).await - before, 1);
}

async fn staff_see_residents_by_urgency_and_record_what_happened_from_the_resident_page(app: TestApp) {
    let s = scene(&app).await;
    let staff = app.token("staff", &s.staff_party);
    // A resident with nothing coming.
    app.post("/persons", &staff, &json!({"display_name": "Jiro"})).await;
    let cookie = signed_in(&app, &s.staff_party).await;
    let html = page(&app, &cookie, "/app").await.text().await.unwrap();
    let (taro, jiro) = (html.find("Taro").unwrap(), html.find("Jiro").unwrap());
    assert!(taro < jiro, "the resident with a period coming comes first");
    assert!(html.contains("チームのお知らせ") && html.contains("出所直後の二週間"));
    // The facility's figures are a page of their own, a chart per measure; two residents are a
    // small cell.
    assert!(!html.contains("今年度の成果") && html.contains("href=\"/app/outcomes\""));
    let html = page(&app, &cookie, "/app/outcomes").await.text().await.unwrap();
    assert!(html.contains("今年度の成果") && html.contains("<svg") && html.contains("class=\"chart\""));
    assert!(html.contains("支援した人</strong>：非公表"), "two persons supported are held back");

    let resident = page(&app, &cookie, &format!("/app/residents/{}", s.person)).await;
    assert_eq!(resident.status(), StatusCode::OK);
    let html = resident.text().await.unwrap();
    assert!(html.contains("value=\"release\""), "the release can be recorded");
    let milestones: Value = app.get(&format!("/persons/{}/milestones", s.person), &staff).await.json().await.unwrap();
    let release = id_of(&milestones["items"][0]);
    let path = format!("/app/residents/{}/milestones/{release}/events", s.person);
    let today = app.today().to_string();
    let shown: Value = app.get(&format!("/milestones/{release}"), &staff).await.json().await.unwrap();
    let shown = shown["version"].to_string();
    assert!(html.contains(&format!("name=\"version\" value=\"{shown}\"")), "the form carries the version it shows");
    // Without the version the page shows, nothing is recorded: the form comes back with why.
    let unversioned = submit(&app, &cookie, &path, &[("event", "release"), ("on", &today)]).await;
    assert_eq!(unversioned.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unversioned.text().await.unwrap().contains("ページの版：ページが古くなっています"));
    let milestone: Value = app.get(&format!("/milestones/{release}"), &staff).await.json().await.unwrap();
    assert_eq!(milestone["state"], "scheduled");
    // A release cannot be undone: the page asks first, and nothing is stored until it is confirmed.
    let asked = submit(&app, &cookie, &path, &[("event", "release"), ("on", &today), ("version", &shown)]).await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER, "the question is a page of its own");
    let asked = asked.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let asked = page(&app, &cookie, &asked).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let asked = asked.text().await.unwrap();
    assert!(asked.contains("取り消せません") && asked.contains("name=\"confirmed\" value=\"yes\""));
    let milestone: Value = app.get(&format!("/milestones/{release}"), &staff).await.json().await.unwrap();
    assert_eq!(milestone["state"], "scheduled");
    let form = [("event", "release"), ("on", &today), ("version", &shown), ("confirmed", "yes")];
    let recorded = submit(&app, &cookie, &path, &form).await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let location = recorded.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let noticed = page(&app, &cookie, &location).await.text().await.unwrap();
    assert!(noticed.contains("記録しました：予定どおり出所した"), "the notice says what was stored");
    let milestone: Value = app.get(&format!("/milestones/{release}"), &staff).await.json().await.unwrap();
    assert_eq!(milestone["state"], "released");
    // The same page sent again acts no second time: the record changed since, and it says so.
    let again = submit(&app, &cookie, &path, &form).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("読み直して"));
    // An event the state no longer takes, from a fresh page, is refused with why; nothing changes.
    let current = milestone["version"].to_string();
    let fresh = [("event", "release"), ("on", &today), ("version", &current), ("confirmed", "yes")];
    let fresh = submit(&app, &cookie, &path, &fresh).await;
    assert_eq!(fresh.status(), StatusCode::CONFLICT);
    assert!(fresh.text().await.unwrap().contains("記録できません"));

    // A programme session attended, counted once even if the page is sent twice.
    let body = json!({"kind": "program_enrollment", "program": "smarpp", "referred_on": today});
    let programme = app.post(&format!("/persons/{}/milestones", s.person), &staff, &body).await;
    let programme = id_of(&programme.json().await.unwrap());
    for event in ["enroll", "start"] {
        let body = json!({"event": event, "on": today});
        let started = app.post(&format!("/milestones/{programme}/events"), &staff, &body).await;
        assert_eq!(started.status(), StatusCode::CREATED);
    }
    let version: Value = app.get(&format!("/milestones/{programme}"), &staff).await.json().await.unwrap();
    let version = version["version"].to_string();
    let sessions = format!("/app/residents/{}/milestones/{programme}/sessions", s.person);
    let html = page(&app, &cookie, &format!("/app/residents/{}", s.person)).await.text().await.unwrap();
    assert!(html.contains(&format!("action=\"{sessions}\"")) && html.contains("0 / 24"));
    assert_eq!(submit(&app, &cookie, &sessions, &[]).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(submit(&app, &cookie, &sessions, &[("version", &version)]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(submit(&app, &cookie, &sessions, &[("version", &version)]).await.status(), StatusCode::CONFLICT);
    let counted: Value = app.get(&format!("/milestones/{programme}"), &staff).await.json().await.unwrap();
    assert_eq!(counted["sessions_attended"], 1);

    // A date or an event that cannot be read is refused with the page again, and stores nothing.
    let unreadable = submit(&app, &cookie, &format!("/app/residents/{}/lapses", s.person), &[("on", "31/12")]).await;
    assert_eq!(unreadable.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let custody_path = format!("/app/residents/{}/custody", s.person);
    let unknown = submit(&app, &cookie, &custody_path, &[("event", "maybe"), ("on", &today)]).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!((app.count("lapses").await, app.count("custody_periods").await), (0, 0));
    let lapse = submit(&app, &cookie, &format!("/app/residents/{}/lapses", s.person), &[("on", &today)]).await;
    assert_eq!(lapse.status(), StatusCode::SEE_OTHER);
    let custody =
        submit(&app, &cookie, &format!("/app/residents/{}/custody", s.person), &[("event", "start"), ("on", &today)])
            .await;
    assert_eq!(custody.status(), StatusCode::SEE_OTHER);
    assert_eq!((app.count("lapses").await, app.count("custody_periods").await), (1, 1));
    let timeline = page(&app, &cookie, &format!("/app/residents/{}", s.person)).await.text().await.unwrap();
    assert!(timeline.contains("予定どおり出所した") && timeline.contains("身柄拘束が始まった"));

    let invitation = submit(&app, &cookie, &format!("/app/residents/{}/invitations/{}", s.person, s.family), &[]).await;
    assert_eq!(invitation.status(), StatusCode::CREATED);
    let invitation = invitation.text().await.unwrap();
    assert!(invitation.contains("<svg") && invitation.contains("class=\"code\""));

    // Staff of another facility see none of it.
    let other_org = app.create_organization("rehab_facility").await;
    let other = app.create_party(json!({"role": "staff", "display_name": "Else", "organization_id": other_org})).await;
    let other = signed_in(&app, &other).await;
    assert_eq!(page(&app, &other, &format!("/app/residents/{}", s.person)).await.status(), StatusCode::NOT_FOUND);
    let forged = submit(&app, &other, &format!("/app/residents/{}/lapses", s.person), &[("on", &today)]).await;
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("lapses").await, 1);
    assert!(!page(&app, &other, "/app").await.text().await.unwrap().contains("Taro"));

    // An admin sees the prefecture's figures and each facility's.
    let admin = app.create_party(json!({"role": "admin", "display_name": "Prefecture"})).await;
    let admin = signed_in(&app, &admin).await;
    let html = page(&app, &admin, "/app").await.text().await.unwrap();
    assert!(html.contains("県全体の成果") && html.contains("Hikari House") && html.contains("<svg"));
}
