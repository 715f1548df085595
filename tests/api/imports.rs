//! A facility's spreadsheet of residents: read in Shift_JIS or UTF-8, checked whole and shown
//! with every refused cell, stored only when confirmed, and never twice.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_shift_jis_file_and_a_utf8_file_with_a_bom_give_the_same_residents,
    a_file_with_three_bad_cells_shows_all_three_and_stores_nothing,
    confirming_twice_or_importing_again_creates_each_resident_once,
    only_the_facility_and_admins_import_and_confirm,
];

/// 200 residents, some with a scheduled release and a programme.
fn spreadsheet() -> String {
    let mut text = String::from("施設での番号(external_id),氏名(display_name),生年月日(birth_date),入所日(placement_start_on),出所予定日(release_scheduled_on),出所の種類(release_type),プログラム(program),プログラム紹介日(program_referred_on)\r\n");
    for i in 0..200 {
        let (release, kind) = if i % 4 == 0 { ("2027/03/01", "full_term") } else { ("", "") };
        let (program, referred) = if i % 5 == 0 { ("smarpp", "2026-05-01") } else { ("", "") };
        text.push_str(&format!(
            "R-{i:04},山田 花子{i},19{:02}-0{}-1{},2026/04/0{},{release},{kind},{program},{referred}\r\n",
            60 + i % 40,
            1 + i % 9,
            i % 10,
            1 + i % 9
        ));
    }
    text
}

async fn check(app: &TestApp, token: &str, org: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/organizations/{org}/imports")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn preview(app: &TestApp, token: &str, org: &str, body: Vec<u8>) -> Value {
    let response = check(app, token, org, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn confirm(app: &TestApp, token: &str, id: &str) -> reqwest::Response {
    app.client.post(app.url(&format!("/imports/{id}/confirm"))).bearer_auth(token).send().await.unwrap()
}

/// The residents placed at an organisation: name, birth date and first day, by name.
async fn residents_of(app: &TestApp, org: &str) -> Vec<(String, Option<chrono::NaiveDate>, chrono::NaiveDate)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let org: uuid::Uuid = org.parse().unwrap();
    let placed = tsunagu::entity::placement::Entity::find()
        .filter(tsunagu::entity::placement::Column::OrganizationId.eq(org))
        .all(&app.outside)
        .await
        .unwrap();
    let mut residents = Vec::new();
    for placement in placed {
        let person =
            tsunagu::entity::person::Entity::find_by_id(placement.person_id).one(&app.outside).await.unwrap().unwrap();
        residents.push((person.display_name, person.birth_date, placement.start_on));
    }
    residents.sort();
    residents
}

async fn a_shift_jis_file_and_a_utf8_file_with_a_bom_give_the_same_residents(app: TestApp) {
    let admin = app.admin();
    let (east, west) =
        (app.create_organization("rehab_facility").await, app.create_organization("rehab_facility").await);
    let text = spreadsheet();
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());

    let from_sjis = preview(&app, &admin, &east, sjis.into_owned()).await;
    let from_bom = preview(&app, &admin, &west, bom).await;
    assert_eq!(from_sjis["refused"], json!([]));
    assert_eq!(from_sjis["rows"].as_array().unwrap().len(), 200);
    assert_eq!(from_sjis["rows"], from_bom["rows"], "the same rows, read from either encoding");
    assert_eq!(from_sjis["rows"][0]["display_name"], "山田 花子0");
    assert_eq!(from_sjis["rows"][0]["milestones"], json!(["release", "program_enrollment"]));
    assert_eq!(app.count("persons").await, 0, "a check stores no one");

    for (org, checked) in [(&east, &from_sjis), (&west, &from_bom)] {
        let stored = confirm(&app, &admin, checked["id"].as_str().unwrap()).await;
        assert_eq!(stored.status(), StatusCode::CREATED);
        let stored: Value = stored.json().await.unwrap();
        assert_eq!(stored["created"].as_array().unwrap().len(), 200);
        assert_eq!(residents_of(&app, org).await.len(), 200);
    }
    assert_eq!(residents_of(&app, &east).await, residents_of(&app, &west).await);
    assert_eq!(app.count_where("milestones", "kind = 'release'").await, 2 * 50);
    assert_eq!(app.count_where("milestones", "kind = 'program_enrollment'").await, 2 * 40);
}

async fn a_file_with_three_bad_cells_shows_all_three_and_stores_nothing(app: TestApp) {
    let admin = app.admin();
    let org = app.create_organization("rehab_facility").await;
    let text = "display_name,birth_date,placement_start_on,release_type,release_scheduled_on\n\
                Sato,1980-01-01,2026-04-01,,\n\
                Ito,1980-02-30,2026-04-01,,\n\
                ,1981-01-01,2026-04-01,,\n\
                Kato,1982-01-01,2026-04-01,early,2027-01-01\n";
    let checked = preview(&app, &admin, &org, text.as_bytes().to_vec()).await;
    let refused: Vec<(i64, &str)> = checked["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cell| (cell["row"].as_i64().unwrap(), cell["column"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, vec![(3, "birth_date"), (4, "display_name"), (5, "release_type")]);
    assert!(checked["refused"][0]["reason"].as_str().unwrap().contains("no such day"));
    assert_eq!(checked["rows"].as_array().unwrap().len(), 1, "only Sato's row may be stored");

    let refused = confirm(&app, &admin, checked["id"].as_str().unwrap()).await;
    let problem = assert_problem(refused, StatusCode::CONFLICT).await;
    assert!(problem["detail"].as_str().unwrap().contains("3 cell(s)"), "{problem}");
    assert_eq!(app.count("persons").await, 0);
    assert_eq!(app.count("placements").await, 0);

    // An empty file, and one that is not a spreadsheet at all: refused whole, nothing kept.
    assert_problem(check(&app, &admin, &org, Vec::new()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let binary = check(&app, &admin, &org, vec![0xFF, 0xFE, 0x00, 0x81, 0xFF]).await;
    let problem = assert_problem(binary, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem.to_string().contains("Shift_JIS"), "{problem}");
    assert_eq!(app.count("imports").await, 1, "only the first file is kept, for its confirmation");
}

async fn confirming_twice_or_importing_again_creates_each_resident_once(app: TestApp) {
    let org = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff);
    // One row with the facility's id, one matched by name and date of birth.
    let text = "external_id,display_name,birth_date,placement_start_on\nA-1,Mori,1990-01-01,2026-04-01\n,Ueda,1991-01-01,2026-04-02\n";
    let checked = preview(&app, &staff, &org, text.as_bytes().to_vec()).await;
    let id = checked["id"].as_str().unwrap();
    let first = confirm(&app, &staff, id).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let second = confirm(&app, &staff, id).await;
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["created"], second["created"]);
    assert_eq!(app.count("persons").await, 2);

    let again = preview(&app, &staff, &org, text.as_bytes().to_vec()).await;
    let statuses: Vec<&str> =
        again["rows"].as_array().unwrap().iter().map(|row| row["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["exists", "exists"]);
    let stored = confirm(&app, &staff, again["id"].as_str().unwrap()).await;
    assert_eq!(stored.status(), StatusCode::CREATED);
    assert_eq!(stored.json::<Value>().await.unwrap()["created"], json!([]));
    assert_eq!(app.count("persons").await, 2, "the same file again creates no one");
    // The residents are the facility's: its staff see them.
    let roll: Value = app.get("/persons", &staff).await.json().await.unwrap();
    assert_eq!(roll["items"].as_array().unwrap().len(), 2);
}

async fn only_the_facility_and_admins_import_and_confirm(app: TestApp) {
    let (ours, theirs) =
        (app.create_organization("rehab_facility").await, app.create_organization("rehab_facility").await);
    let mine = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": ours})).await;
    let other = app.create_party(json!({"role": "staff", "display_name": "Ito", "organization_id": theirs})).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let (mine, other, family) = (app.token("staff", &mine), app.token("staff", &other), app.token("family", &family));
    let text = b"display_name,placement_start_on\nMori,2026-04-01\n".to_vec();
    for caller in [&other, &family] {
        assert_problem(check(&app, caller, &ours, text.clone()).await, StatusCode::NOT_FOUND).await;
    }
    let checked = preview(&app, &mine, &ours, text).await;
    let id = checked["id"].as_str().unwrap();
    for caller in [&other, &family] {
        assert_problem(confirm(&app, caller, id).await, StatusCode::NOT_FOUND).await;
    }
    assert_eq!(app.count("persons").await, 0);
    // A checked file lasts a day.
    app.clock.advance(chrono::Duration::hours(25));
    assert_problem(confirm(&app, &mine, id).await, StatusCode::NOT_FOUND).await;
}
