//! The directory of help over HTTP: services kept by their organisation, the public HSDS API
//! checked against Open Referral's published schemas, the 「イベント一覧」 import in UTF-8 and
//! Shift_JIS and the HSDS import, the family-class feed, the public page, and a family told
//! once of a class's deadline to apply.

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::scheduler::tick;

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, seed_confirmed_address, spawn_app_configured, TestApp},
    reach_case::{configure, tokyo},
    reach_support::{Gateway, MailServer},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    staff_keep_their_own_services_and_a_refused_one_stores_nothing,
    the_hsds_answers_validate_against_the_published_schemas,
    an_events_file_in_shift_jis_gives_the_sessions_it_gives_in_utf8,
    an_hsds_export_of_one_directory_imports_into_another,
    the_family_class_feed_lists_the_second_tuesdays_and_passes_the_ical_parser,
    the_public_page_needs_no_sign_in_and_names_no_one,
    the_public_page_is_built_once_a_minute_and_again_when_the_directory_changes,
    a_family_in_the_area_hears_of_a_deadline_once_and_others_never,
];

/// A Tokyo consultation window with its staff member, and a facility elsewhere with its own.
struct Case {
    centre: String,
    centre_staff: String,
    other_staff: String,
}

async fn case(app: &TestApp) -> Case {
    app.clock.set(tokyo(2027, 1, 4, 10));
    let centre = json!({"kind": "consultation_window", "name": "東京都立 相談センター", "area": "東京都", "phone": "03-1111-2222"});
    let centre = id_of(&app.create("/organizations", centre).await);
    let other = app.create_organization("rehab_facility").await;
    let staff = |org: &str| json!({"role": "staff", "display_name": "Sato", "organization_id": org});
    let centre_staff = app.token("staff", &app.create_party(staff(&centre)).await);
    let other_staff = app.token("staff", &app.create_party(staff(&other)).await);
    Case { centre, centre_staff, other_staff }
}

/// A monthly family class on the second Tuesday, with one extra session that has seats and a
/// deadline to apply.
fn family_class() -> Value {
    json!({
        "name": "家族教室",
        "kinds": ["family_class"],
        "description": "薬物の問題をかかえるご家族のための教室です。",
        "for_whom": "ご家族",
        "area": "東京都",
        "phone": "03-1234-5678",
        "languages": ["ja", "en"],
        "cost": "無料",
        "how_to_apply": "電話で申し込み",
        "url": "https://example.org/family",
        "assured_on": "2026-12-01",
        "schedules": [{"freq": "monthly", "byday": "2TU", "opens_at": "18:30", "closes_at": "20:30"}],
        "sessions": [{"starts_at": "2027-01-20T18:30:00+09:00", "ends_at": "2027-01-20T20:30:00+09:00", "capacity": 20, "apply_by": "2027-01-15", "place": "センター 2階"}],
    })
}

async fn add(app: &TestApp, c: &Case, body: Value) -> Value {
    let created = app.post(&format!("/organizations/{}/services", c.centre), &c.centre_staff, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json().await.unwrap()
}

/// A public read: no token, no cookie.
async fn public(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new().get(format!("{}{path}", app.address)).send().await.unwrap()
}

async fn staff_keep_their_own_services_and_a_refused_one_stores_nothing(app: TestApp) {
    let c = case(&app).await;
    let mut bad = family_class();
    bad["name"] = json!(" ");
    bad["phone"] = json!("12");
    bad["schedules"][0]["byday"] = json!("TU");
    bad["sessions"][0]["apply_by"] = json!("2027-01-21");
    let refused = app.post(&format!("/organizations/{}/services", c.centre), &c.centre_staff, &bad).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused_fields(&problem), vec!["name", "phone", "schedules[0].byday", "sessions[0].apply_by"]);
    assert_eq!(app.count("services").await, 0);
    assert_eq!(app.count("service_sessions").await, 0);

    // Staff of another organisation cannot add to this one: it is not theirs to see.
    let elsewhere = app.post(&format!("/organizations/{}/services", c.centre), &c.other_staff, &family_class()).await;
    assert_problem(elsewhere, StatusCode::NOT_FOUND).await;

    let service = add(&app, &c, family_class()).await;
    let id = id_of(&service);
    assert_eq!(service["phone"], "+81312345678");
    assert_eq!(service["needs_review"], false);
    assert_eq!(service["sessions"][0]["capacity"], 20);

    // Anyone signed in reads an active service; only its own staff (and admins) change it.
    let family = app.token("family", &app.create_party(json!({"role": "family", "display_name": "Hanako"})).await);
    assert_eq!(app.get(&format!("/services/{id}"), &family).await.status(), StatusCode::OK);
    let change = json!({"name": "家族教室（夜）"});
    assert_problem(app.patch(&format!("/services/{id}"), &c.other_staff, &change).await, StatusCode::FORBIDDEN).await;
    let changed = app.patch(&format!("/services/{id}"), &c.centre_staff, &change).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["name"], "家族教室（夜）");
    assert_eq!(changed["sessions"][0]["id"], service["sessions"][0]["id"], "a session kept keeps its id");
    assert_eq!(changed["schedules"][0]["id"], service["schedules"][0]["id"]);

    // Withdrawn from the directory, it is its staff's alone.
    let hidden = app.patch(&format!("/services/{id}"), &app.admin(), &json!({"status": "inactive"})).await;
    assert_eq!(hidden.status(), StatusCode::OK);
    assert_problem(app.get(&format!("/services/{id}"), &family).await, StatusCode::NOT_FOUND).await;
    assert_problem(app.delete(&format!("/services/{id}"), &c.other_staff).await, StatusCode::NOT_FOUND).await;
    let listed: Value =
        app.get(&format!("/organizations/{}/services", c.centre), &c.centre_staff).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_problem(app.get(&format!("/organizations/{}/services", c.centre), &family).await, StatusCode::NOT_FOUND)
        .await;

    assert_eq!(app.delete(&format!("/services/{id}"), &c.centre_staff).await.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&format!("/services/{id}"), &c.centre_staff).await, StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("service_sessions").await, 0);
}

fn hsds_schema(file: &str) -> Value {
    let path = format!("{}/../shared/hsds-3.0/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))).unwrap()
}

/// `instance` is valid against the schema in `file`, formats (uuid, date-time, uri) included.
fn assert_valid(file: &str, instance: &Value) {
    let schema = hsds_schema(file);
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator.iter_errors(instance).map(|error| error.to_string()).collect();
    assert!(errors.is_empty(), "{file}: {errors:#?}\n{instance:#}");
}

/// A page of an HSDS list: the standard's paging fields (the `Page` schema of its OpenAPI
/// description), and each item valid against `item_schema`.
fn assert_page(page: &Value, item_schema: &str) {
    let description = hsds_schema("openapi.json");
    let paging = &description["components"]["schemas"]["Page"];
    let mut whole = paging.clone();
    whole["required"] = json!(paging["properties"].as_object().unwrap().keys().collect::<Vec<_>>());
    let validator = jsonschema::options().build(&whole).expect("the Page schema compiles");
    assert!(validator.is_valid(page), "{page:#}");
    for item in page["contents"].as_array().unwrap() {
        assert_valid(item_schema, item);
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    response.json().await.unwrap()
}

async fn the_hsds_answers_validate_against_the_published_schemas(app: TestApp) {
    let c = case(&app).await;
    let class = id_of(&add(&app, &c, family_class()).await);
    let clinic = json!({"name": "依存症外来", "kinds": ["outpatient_treatment", "dual_diagnosis"],
        "schedules": [{"freq": "weekly", "byday": "MO,TH", "opens_at": "09:00", "closes_at": "12:00"}]});
    add(&app, &c, clinic).await;
    let meeting = json!({"name": "NA ミーティング", "kinds": ["self_help_meeting"], "area": "東京都",
        "schedules": [{"freq": "monthly", "bymonthday": "1,-1", "opens_at": "19:00", "closes_at": "20:30"}]});
    add(&app, &c, meeting).await;
    let hidden = add(&app, &c, json!({"name": "休止中", "kinds": ["consultation"], "status": "inactive"})).await;
    // An organisation with no service (a probation office) is not in the directory.
    let probation = app.create_organization("probation_office").await;

    let root = json_of(public(&app, "/hsds/").await).await;
    assert_eq!(root["version"], "3.0");

    let all = json_of(public(&app, "/hsds/services").await).await;
    assert_page(&all, "compiled/service_list.json");
    assert_eq!(all["total_items"], 3, "the inactive service is not listed");
    let names: Vec<&str> = all["contents"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert!(!names.contains(&"休止中"));

    let second = json_of(public(&app, "/hsds/services?per_page=2&page=2").await).await;
    assert_page(&second, "compiled/service_list.json");
    assert_eq!(
        (
            second["total_pages"].as_u64(),
            second["size"].as_u64(),
            second["last_page"].as_bool(),
            second["first_page"].as_bool()
        ),
        (Some(2), Some(1), Some(true), Some(false))
    );
    let classes = json_of(public(&app, "/hsds/services?taxonomy_term_id=family_class").await).await;
    assert_eq!(classes["total_items"], 1);
    let found = json_of(public(&app, "/hsds/services?search=%E4%BE%9D%E5%AD%98").await).await; // 依存
    assert_eq!(found["contents"][0]["name"], "依存症外来");
    assert_eq!(public(&app, "/hsds/services?per_page=0").await.status(), StatusCode::BAD_REQUEST);

    let full = json_of(public(&app, &format!("/hsds/services/{class}")).await).await;
    assert_valid("compiled/service.json", &full);
    let schedules = full["schedules"].as_array().unwrap();
    assert_eq!(schedules[0]["freq"], "MONTHLY");
    assert_eq!(schedules[0]["byday"], "2TU");
    assert_eq!(schedules[0]["opens_at"], "18:30+09:00");
    assert_eq!(schedules[1]["count"], 1, "the one-off session: COUNT=1 from its day");
    assert_eq!(schedules[1]["dtstart"], "2027-01-20");
    assert_eq!(full["phones"][0]["number"], "+81312345678");
    assert_eq!(full["languages"].as_array().unwrap().len(), 2);
    assert_eq!(public(&app, &format!("/hsds/services/{}", id_of(&hidden))).await.status(), StatusCode::NOT_FOUND);

    let organizations = json_of(public(&app, "/hsds/organizations").await).await;
    assert_page(&organizations, "compiled/organization_list.json");
    assert_eq!(organizations["total_items"], 1, "only organisations with a public service");
    let centre = json_of(public(&app, &format!("/hsds/organizations/{}", c.centre)).await).await;
    assert_valid("compiled/organization.json", &centre);
    assert_eq!(centre["services"].as_array().unwrap().len(), 3);
    assert_eq!(public(&app, &format!("/hsds/organizations/{probation}")).await.status(), StatusCode::NOT_FOUND);
}

const EVENTS: &str = "全国地方公共団体コード,ID,地方公共団体名,イベント名,開始日,終了日,開始時間,終了時間,場所名称,対象者,定員,申込期限日,申込方法,連絡先電話番号,緯度\n\
130001,1,東京都,家族教室,2027/02/09,2027/02/09,18:30,20:30,センター 2階,依存症の方のご家族,20名,2027/02/05,電話,03-1234-5678,35.68\n\
130001,2,東京都,家族教室,2027/03/09,2027/03/09,18:30,20:30,センター 2階,依存症の方のご家族,20名,2027/03/05,電話,03-1234-5678,35.68\n\
130001,3,東京都,家族のつどい,2027/02/20,2027/02/20,14:00,16:00,区民会館,どなたでも,,,当日受付,,35.68\n";

/// Checks `file` for `organization` and confirms it; returns the preview.
async fn import(app: &TestApp, token: &str, organization: &str, file: Vec<u8>) -> Value {
    let path =
        format!("/organizations/{organization}/services/imports?kind=family_class&area=%E6%9D%B1%E4%BA%AC%E9%83%BD");
    let checked = app.client.post(app.url(&path)).bearer_auth(token).header("content-type", "text/csv").body(file);
    let checked = checked.send().await.unwrap();
    assert_eq!(checked.status(), StatusCode::OK);
    let preview: Value = checked.json().await.unwrap();
    let confirmed = app.post(&format!("/service-imports/{}/confirm", id_of(&preview)), token, &json!({})).await;
    assert_eq!(confirmed.status(), StatusCode::CREATED);
    preview
}

/// The organisation's services, as `(name, [(starts_at, capacity, apply_by)])`, by name.
async fn sessions_of(app: &TestApp, token: &str, organization: &str) -> Vec<(String, Vec<(String, Value, Value)>)> {
    let listed: Value = app.get(&format!("/organizations/{organization}/services"), token).await.json().await.unwrap();
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|service| {
            let sessions = service["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (s["starts_at"].as_str().unwrap().to_owned(), s["capacity"].clone(), s["apply_by"].clone()))
                .collect();
            (service["name"].as_str().unwrap().to_owned(), sessions)
        })
        .collect()
}

async fn an_events_file_in_shift_jis_gives_the_sessions_it_gives_in_utf8(app: TestApp) {
    let c = case(&app).await;
    let other = app.create("/organizations", json!({"kind": "consultation_window", "name": "二つ目の窓口"})).await;
    let other = id_of(&other);
    let (sjis, _, lossy) = encoding_rs::SHIFT_JIS.encode(EVENTS);
    assert!(!lossy);

    let preview = import(&app, &c.centre_staff, &c.centre, EVENTS.as_bytes().to_vec()).await;
    assert_eq!(preview["refused"], json!([]));
    assert_eq!(preview["sessions"].as_array().unwrap().len(), 3);
    import(&app, &app.admin(), &other, sjis.into_owned()).await;
    let from_utf8 = sessions_of(&app, &app.admin(), &c.centre).await;
    let from_sjis = sessions_of(&app, &app.admin(), &other).await;
    assert_eq!(from_utf8, from_sjis);
    let expected = vec![
        ("2027-02-09T09:30:00+00:00".to_owned(), json!(20), json!("2027-02-05")),
        ("2027-03-09T09:30:00+00:00".to_owned(), json!(20), json!("2027-03-05")),
    ];
    assert_eq!(
        from_utf8[0],
        ("家族のつどい".to_owned(), vec![("2027-02-20T05:00:00+00:00".to_owned(), Value::Null, Value::Null)])
    );
    assert_eq!(from_utf8[1], ("家族教室".to_owned(), expected));

    // The same file again: both services exist, every session is there already; nothing new.
    let again = import(&app, &c.centre_staff, &c.centre, EVENTS.as_bytes().to_vec()).await;
    assert!(again["services"].as_array().unwrap().iter().all(|s| s["status"] == "exists"));
    assert!(again["sessions"].as_array().unwrap().iter().all(|s| s["status"] == "exists"));
    assert_eq!(app.count("service_sessions").await, 6);

    // A file with a refused cell is shown with it, and its confirmation stores nothing (409).
    let bad = "イベント名,開始日,開始時間,定員\n家族教室,2027/02/30,18:30,多数\n";
    let path = format!("/organizations/{}/services/imports?kind=family_class", c.centre);
    let checked = app.client.post(app.url(&path)).bearer_auth(&c.centre_staff).header("content-type", "text/csv");
    let checked: Value = checked.body(bad).send().await.unwrap().json().await.unwrap();
    let cells: Vec<(u64, &str)> = checked["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(cells, vec![(2, "開始日"), (2, "定員")]);
    let confirmed =
        app.post(&format!("/service-imports/{}/confirm", id_of(&checked)), &c.centre_staff, &json!({})).await;
    assert_problem(confirmed, StatusCode::CONFLICT).await;
    assert_eq!(app.count("service_sessions").await, 6);
    // Another organisation's staff see no such file.
    let theirs = app.post(&format!("/service-imports/{}/confirm", id_of(&checked)), &c.other_staff, &json!({})).await;
    assert_problem(theirs, StatusCode::NOT_FOUND).await;
}

async fn an_hsds_export_of_one_directory_imports_into_another(app: TestApp) {
    let c = case(&app).await;
    let class = id_of(&add(&app, &c, family_class()).await);
    let exported = json_of(public(&app, &format!("/hsds/services/{class}")).await).await;
    let other =
        id_of(&app.create("/organizations", json!({"kind": "consultation_window", "name": "大阪の窓口"})).await);
    let path = format!("/organizations/{other}/services/imports/hsds?kind=family_class");
    let checked = app.post(&path, &app.admin(), &json!({"contents": [exported]})).await;
    assert_eq!(checked.status(), StatusCode::OK);
    let preview: Value = checked.json().await.unwrap();
    assert_eq!(preview["refused"], json!([]));
    assert_eq!(preview["services"][0]["schedules"], 1);
    let confirmed = app.post(&format!("/service-imports/{}/confirm", id_of(&preview)), &app.admin(), &json!({})).await;
    assert_eq!(confirmed.status(), StatusCode::CREATED);
    let listed: Value = app.get(&format!("/organizations/{other}/services"), &app.admin()).await.json().await.unwrap();
    let imported = &listed["items"][0];
    assert_eq!(imported["name"], "家族教室");
    assert_eq!(imported["area"], "東京都");
    assert_eq!(imported["phone"], "+81312345678");
    assert_eq!(imported["schedules"][0]["byday"], "2TU");
    assert_eq!(imported["sessions"][0]["starts_at"], "2027-01-20T09:30:00+00:00");
    assert_eq!(imported["sessions"][0]["ends_at"], "2027-01-20T11:30:00+00:00");
    // Not a list of services: refused whole, nothing kept to confirm.
    let refused = app.post(&path, &app.admin(), &json!({"services": 1})).await;
    let preview: Value = refused.json().await.unwrap();
    assert_eq!(preview["refused"][0]["row"], 1);
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

async fn the_family_class_feed_lists_the_second_tuesdays_and_passes_the_ical_parser(app: TestApp) {
    let c = case(&app).await;
    add(&app, &c, family_class()).await;
    let mut elsewhere = family_class();
    elsewhere["area"] = json!("大阪府");
    elsewhere["name"] = json!("大阪の家族教室");
    add(&app, &c, elsewhere).await;
    let feed = public(&app, "/help/family-classes.ics?area=%E6%9D%B1%E4%BA%AC%E9%83%BD").await;
    assert_eq!(feed.status(), StatusCode::OK);
    assert!(feed.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let text = feed.text().await.unwrap();
    let calendar = ical::IcalParser::new(text.as_bytes()).next().expect("a calendar").expect("it parses");
    let starts: Vec<String> = calendar
        .events
        .iter()
        .filter_map(|event| event.properties.iter().find(|p| p.name == "DTSTART").and_then(|p| p.value.clone()))
        .collect();
    let summaries: Vec<String> = calendar
        .events
        .iter()
        .filter_map(|event| event.properties.iter().find(|p| p.name == "SUMMARY").and_then(|p| p.value.clone()))
        .collect();
    assert!(summaries.iter().all(|s| s == "家族教室"), "only the area's classes: {summaries:?}");
    // From 4 January 2027 for a year: every second Tuesday at 18:30 Tokyo (09:30 UTC), and the
    // one-off session on the 20th.
    let tuesdays: Vec<NaiveDate> = [
        "2027-01-12",
        "2027-02-09",
        "2027-03-09",
        "2027-04-13",
        "2027-05-11",
        "2027-06-08",
        "2027-07-13",
        "2027-08-10",
        "2027-09-14",
        "2027-10-12",
        "2027-11-09",
        "2027-12-14",
    ]
    .iter()
    .map(|d| day(d))
    .collect();
    let mut expected: Vec<String> = tuesdays.iter().map(|d| format!("{}T093000Z", d.format("%Y%m%d"))).collect();
    expected.insert(1, "20270120T093000Z".to_owned());
    assert_eq!(starts, expected);
}

async fn the_public_page_needs_no_sign_in_and_names_no_one(app: TestApp) {
    let c = case(&app).await;
    add(&app, &c, family_class()).await;
    add(
        &app,
        &c,
        json!({"name": "依存症外来", "kinds": ["outpatient_treatment"], "area": "大阪府", "phone": "06-1234-5678",
        "schedules": [{"freq": "weekly", "byday": "MO", "opens_at": "09:00", "closes_at": "12:00"}]}),
    )
    .await;
    // A resident placed at a facility of the area, with a family member.
    let facility =
        app.create("/organizations", json!({"kind": "rehab_facility", "name": "ひかりハウス", "area": "東京都"})).await;
    let facility = id_of(&facility);
    let staff = app.token(
        "staff",
        &app.create_party(json!({"role": "staff", "display_name": "工藤", "organization_id": facility})).await,
    );
    let person = app.post("/persons", &staff, &json!({"display_name": "山田太郎"})).await;
    let person = id_of(&person.json().await.unwrap());
    let family = app.create_party(json!({"role": "family", "display_name": "山田花子"})).await;
    let link = json!({"party_id": family, "relationship": "family"});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &staff, &link).await.status(), StatusCode::CREATED);

    // Monday 10:00 in Tokyo: the clinic is open now.
    let page = public(&app, "/help").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "public, max-age=60");
    let html = page.text().await.unwrap();
    for shown in [
        "家族教室",
        "依存症外来",
        "tel:+81312345678",
        "いま受け付けています",
        "毎月 第2火曜 18:30–20:30",
        "今日 1月4日（月） 09:00–12:00",
    ] {
        assert!(html.contains(shown), "{shown} is on the page");
    }
    for never in ["山田", "ひかりハウス", "<script"] {
        assert!(!html.contains(never), "{never} is never on the public page");
    }
    let tokyo_only =
        public(&app, "/help?area=%E6%9D%B1%E4%BA%AC%E9%83%BD&need=family_class").await.text().await.unwrap();
    assert!(tokyo_only.contains("家族教室") && !tokyo_only.contains("依存症外来"));
    let refused = public(&app, "/help?need=karaoke").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("一覧から選んでください"));

    // The family's page lists the same service as a place to call.
    let cookie = crate::sign_in::signed_in(&app, &family).await;
    let own = crate::pages::page(&app, &cookie, "/app").await.text().await.unwrap();
    assert!(own.contains("家族教室（東京都立 相談センター）"), "the family's where-to-turn comes from the directory");
    assert!(!own.contains("依存症外来"), "a service of another area is not theirs to call");

    // A law office opens in the area: it is a place to call from the very next page.
    crate::cache::until_live(&app).await;
    let _kept = crate::pages::page(&app, &cookie, "/app").await.text().await.unwrap();
    app.create("/organizations", json!({"kind": "law_office", "name": "東京 市民法律事務所", "area": "東京都"})).await;
    let own = crate::pages::page(&app, &cookie, "/app").await.text().await.unwrap();
    assert!(own.contains("東京 市民法律事務所"), "a new place to turn to shows at once");
}

/// Reads the public page and says whether it was answered from memory, by the cache's counters.
async fn help_from_memory(app: &TestApp, path: &str) -> (String, bool) {
    let (hits, misses) = (app.state.cache.hits(), app.state.cache.misses());
    let page = public(app, path).await.text().await.unwrap();
    (page, app.state.cache.hits() > hits && app.state.cache.misses() == misses)
}

async fn the_public_page_is_built_once_a_minute_and_again_when_the_directory_changes(app: TestApp) {
    crate::cache::until_live(&app).await;
    let c = case(&app).await;
    let clinic = json!({"name": "依存症外来", "kinds": ["outpatient_treatment"], "area": "東京都", "phone": "03-5555-6666",
        "schedules": [{"freq": "weekly", "byday": "MO", "opens_at": "10:01", "closes_at": "12:00"}]});
    let clinic = id_of(&add(&app, &c, clinic).await);
    // Monday 10:00 in Tokyo: the clinic opens in a minute.
    let (first, kept) = help_from_memory(&app, "/help").await;
    assert!(!kept && first.contains("依存症外来") && !first.contains("いま受け付けています"));
    let (again, kept) = help_from_memory(&app, "/help").await;
    assert!(kept, "the same page in the same minute is answered from memory");
    assert_eq!(again, first);
    // A phone's browser asks for it compressed: the same page, in fewer bytes.
    let compressed = reqwest::Client::new()
        .get(format!("{}/help", app.address))
        .header("Accept-Encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    assert!(compressed.headers()["vary"].to_str().unwrap().contains("Accept-Encoding"));
    let bytes = compressed.bytes().await.unwrap();
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, first);
    assert!(bytes.len() < first.len(), "{} bytes for a page of {}", bytes.len(), first.len());

    // A write about a person leaves the page kept.
    app.post("/persons", &c.other_staff, &json!({"display_name": "Jiro"})).await;
    assert!(help_from_memory(&app, "/help").await.1, "a person's record is not the directory");

    // The next minute is built afresh: the clinic is open now.
    app.clock.advance(chrono::Duration::minutes(1));
    let (opened, kept) = help_from_memory(&app, "/help").await;
    assert!(!kept && opened.contains("いま受け付けています"));

    // A change to a service shows on the very next request.
    let renamed = app.patch(&format!("/services/{clinic}"), &c.centre_staff, &json!({"name": "薬物依存症外来"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let (after, kept) = help_from_memory(&app, "/help").await;
    assert!(!kept && after.contains("薬物依存症外来"), "the renamed service is shown at once");
    // So does the organisation's new phone number.
    let moved =
        app.patch(&format!("/organizations/{}", c.centre), &app.admin(), &json!({"phone": "03-7777-8888"})).await;
    assert_eq!(moved.status(), StatusCode::OK);
    assert!(!help_from_memory(&app, "/help").await.1, "an organisation's details are part of the directory");
}

async fn a_family_in_the_area_hears_of_a_deadline_once_and_others_never(plain: TestApp) {
    let (mail, gateway) = (MailServer::start(), Gateway::start().await);
    let app = spawn_app_configured(&plain.database_url, |config| configure(config, &mail, &gateway)).await;
    let c = case(&app).await;
    let mut class = family_class();
    class["sessions"][0] = json!({"starts_at": "2027-01-20T18:30:00+09:00", "capacity": 20, "apply_by": "2027-01-15"});
    add(&app, &c, class).await;
    // Two facilities, in Tokyo and in Osaka, each with a resident and their mother.
    let mut mothers = Vec::new();
    for (n, area) in [(1u8, "東京都"), (2, "大阪府")] {
        let facility = id_of(
            &app.create("/organizations", json!({"kind": "rehab_facility", "name": format!("施設{n}"), "area": area}))
                .await,
        );
        let staff = app.token(
            "staff",
            &app.create_party(json!({"role": "staff", "display_name": "工藤", "organization_id": facility})).await,
        );
        let person =
            id_of(&app.post("/persons", &staff, &json!({"display_name": "山田太郎"})).await.json().await.unwrap());
        let mother = app.create_party(json!({"role": "family", "display_name": "山田花子"})).await;
        let link = json!({"party_id": mother, "relationship": "family"});
        assert_eq!(app.post(&format!("/persons/{person}/links"), &staff, &link).await.status(), StatusCode::CREATED);
        seed_confirmed_address(&app, &mother, "email", format!("mother{n}@example.org"), n).await;
        mothers.push(format!("mother{n}@example.org"));
    }
    let told = |address: &str| mail.to(address).len();
    // 13 January, before 09:00: not yet (the reminder goes from 09:00, three days ahead).
    app.clock.set(tokyo(2027, 1, 13, 8));
    tick(&app.state).await.unwrap();
    assert_eq!(told(&mothers[0]), 0);
    app.clock.set(tokyo(2027, 1, 13, 9));
    tick(&app.state).await.unwrap();
    assert_eq!(told(&mothers[0]), 1);
    // Later that day, and the next, and on the deadline: never twice.
    for (d, h) in [(13, 15), (14, 9), (15, 9)] {
        app.clock.set(tokyo(2027, 1, d, h));
        tick(&app.state).await.unwrap();
    }
    assert_eq!(told(&mothers[0]), 1);
    assert_eq!(told(&mothers[1]), 0, "a family of another area is not told");
    let letter = &mail.to(&mothers[0])[0];
    let body = letter.body_text(0).unwrap().into_owned();
    assert!(body.contains("/help/sessions/"), "{body}");
    for never in ["山田", "家族教室", "施設1"] {
        assert!(
            !body.contains(never) && !letter.subject().unwrap_or_default().contains(never),
            "{never} is not in the e-mail"
        );
    }
    // The link lands on the directory at the session.
    let link = body.split_whitespace().find(|word| word.contains("/help/sessions/")).unwrap();
    let path = &link[link.find("/help/").unwrap()..];
    let landed = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let landed = landed.get(format!("{}{path}", app.address)).send().await.unwrap();
    assert_eq!(landed.status(), StatusCode::SEE_OTHER);
    assert!(landed.headers()["location"].to_str().unwrap().contains("#session-"));
}
