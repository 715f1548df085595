//! The admin pages: everything an admin did with curl, in the browser. Every page and form
//! answers 404 to staff, family and lawyers; a refused form comes back with the reason beside
//! its field and stores nothing; secrets are shown once.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::TestApp,
    pages::{page, submit},
    sign_in::signed_in,
};

pub const TESTS: &[crate::helpers::Case] = cases![
    every_admin_page_is_not_there_for_staff_family_or_lawyers,
    an_admin_sets_up_a_facility_and_its_staff_in_the_pages,
    an_admin_hands_a_partner_system_its_secrets_once_and_reads_the_logs,
    an_admin_erases_a_person_only_with_their_name_typed,
    staff_import_their_spreadsheet_in_the_pages,
];

const ADMIN_PAGES: [&str; 8] = [
    "/admin/organizations",
    "/admin/accounts",
    "/admin/partners",
    "/admin/audit",
    "/admin/provisions",
    "/admin/retention",
    "/admin/audit?format=csv",
    "/admin/provisions?format=csv",
];

async fn admin_cookie(app: &TestApp) -> String {
    let admin = app.create_party(json!({"role": "admin", "display_name": "Kato"})).await;
    signed_in(app, &admin).await
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "stored");
    response.headers()[header::LOCATION].to_str().unwrap().to_owned()
}

async fn every_admin_page_is_not_there_for_staff_family_or_lawyers(app: TestApp) {
    let org = app.create_organization("rehab_facility").await;
    let person = app.create("/persons", json!({"display_name": "Mori"})).await["id"].as_str().unwrap().to_owned();
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let lawyer = app.create_party(json!({"role": "lawyer", "display_name": "Ueda"})).await;
    let admin = admin_cookie(&app).await;
    let pages: Vec<String> = ADMIN_PAGES
        .iter()
        .map(|path| (*path).to_owned())
        .chain([
            format!("/admin/organizations/{org}"),
            format!("/admin/accounts/{staff}"),
            format!("/admin/persons/{person}"),
            format!("/admin/persons/{person}/export"),
        ])
        .collect();
    for path in &pages {
        assert_eq!(page(&app, &admin, path).await.status(), StatusCode::OK, "{path} for the admin");
    }
    let forms = [
        ("/admin/organizations".to_owned(), vec![("kind", "other"), ("name", "X"), ("timezone", "Asia/Tokyo")]),
        (format!("/admin/accounts/{staff}/disable"), vec![]),
        (format!("/admin/accounts/{staff}/invitations"), vec![]),
        ("/admin/accounts".to_owned(), vec![("role", "admin"), ("display_name", "Mallory"), ("language", "ja")]),
        (format!("/admin/persons/{person}/erasure"), vec![("name", "Mori"), ("reason", "asked")]),
    ];
    for party in [&staff, &family, &lawyer] {
        let cookie = signed_in(&app, party).await;
        for path in &pages {
            let response = page(&app, &cookie, path).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path} for a {party}");
            let body = response.text().await.unwrap();
            assert!(!body.contains("Mori") && !body.contains("Sato"), "{path} showed something");
        }
        for (path, form) in &forms {
            assert_eq!(submit(&app, &cookie, path, form).await.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
    assert_eq!(app.count_where("parties", "display_name = 'Mallory'").await, 0);
    assert_eq!(app.count_where("parties", "disabled_at IS NOT NULL").await, 0);
    assert_eq!(app.count_where("persons", "display_name = 'Mori'").await, 1);
    assert_eq!(app.count_where("organizations", "name = 'X'").await, 0);
}

async fn an_admin_sets_up_a_facility_and_its_staff_in_the_pages(app: TestApp) {
    let admin = admin_cookie(&app).await;
    // A phone that is not one comes back beside its field, as typed; nothing is stored.
    let form = [
        ("kind", "rehab_facility"),
        ("name", "ひまわり寮"),
        ("timezone", "Asia/Tokyo"),
        ("phone", "call us"),
        ("hours", "平日 9:00–17:00"),
        ("helps_with", ""),
        ("area", "東京都"),
    ];
    let refused = submit(&app, &admin, "/admin/organizations", &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("id=\"organization-phone-error\"") && body.contains("value=\"call us\""), "{body}");
    assert!(body.contains("電話番号として読めません"), "the reason, in Japanese");
    assert!(body.contains("value=\"平日 9:00–17:00\""));
    assert_eq!(app.count("organizations").await, 0);

    let mut form = form;
    form[3] = ("phone", "03-1234-5678");
    let stored = submit(&app, &admin, "/admin/organizations", &form).await;
    assert_eq!(location(&stored), "/admin/organizations?done=organization");
    let listed: Value = app.get("/organizations", &app.admin()).await.json().await.unwrap();
    let facility = &listed["items"][0];
    assert_eq!(
        (facility["phone"].as_str(), facility["hours"].as_str()),
        (Some("+81312345678"), Some("平日 9:00–17:00"))
    );
    let org = facility["id"].as_str().unwrap().to_owned();

    // Changed on its own page: a field left empty is cleared.
    let change = [
        ("name", "ひまわり寮"),
        ("timezone", "Asia/Tokyo"),
        ("phone", "03-1234-5679"),
        ("hours", ""),
        ("helps_with", "回復の相談"),
        ("area", "東京都"),
    ];
    let changed = submit(&app, &admin, &format!("/admin/organizations/{org}"), &change).await;
    assert_eq!(location(&changed), format!("/admin/organizations/{org}?done=organization"));
    let row: Value = app.get(&format!("/organizations/{org}"), &app.admin()).await.json().await.unwrap();
    assert_eq!(
        (row["phone"].as_str(), row["hours"].as_str(), row["helps_with"].as_str()),
        (Some("+81312345679"), None, Some("回復の相談"))
    );

    // Staff need an organisation: refused beside it, nothing stored.
    let staff_form = [("role", "staff"), ("display_name", "Sato"), ("language", "ja"), ("organization_id", "")];
    let refused = submit(&app, &admin, "/admin/accounts", &staff_form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("id=\"account-organization_id-error\"") && body.contains("所属する団体を選んでください"),
        "{body}"
    );
    assert_eq!(app.count("parties").await, 1, "only the admin");
    let staff_form =
        [("role", "staff"), ("display_name", "Sato"), ("language", "ja"), ("organization_id", org.as_str())];
    let made = location(&submit(&app, &admin, "/admin/accounts", &staff_form).await);
    let staff_id = made.trim_start_matches("/admin/accounts/").split('?').next().unwrap().to_owned();
    let account = page(&app, &admin, &format!("/admin/accounts/{staff_id}")).await.text().await.unwrap();
    assert!(account.contains("Sato") && account.contains("ひまわり寮"));
    // The organisation's accounts: its staff, not the admin.
    let theirs = page(&app, &admin, &format!("/admin/accounts?organization={org}")).await.text().await.unwrap();
    assert!(theirs.contains(&format!("/admin/accounts/{staff_id}")) && !theirs.contains(">Kato</a>"), "{theirs}");

    // A printable invitation: the staff member signs in with it.
    let invitation = submit(&app, &admin, &format!("/admin/accounts/{staff_id}/invitations"), &[]).await;
    assert_eq!(invitation.status(), StatusCode::CREATED);
    let sheet = invitation.text().await.unwrap();
    assert!(sheet.contains("<svg"), "a QR code");
    let code = sheet.split("class=\"code\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let redeemed = crate::sign_in::redeem(&app, &code).await;
    let staff_cookie = crate::sign_in::session_cookie(&redeemed).expect("the staff member signs in");
    let me: Value = crate::sign_in::me(&app, &staff_cookie).await.json().await.unwrap();
    assert_eq!(me["organization_id"], org.as_str());

    // Their session is seen and ended; disabled, they are out; enabled again.
    let account = page(&app, &admin, &format!("/admin/accounts/{staff_id}")).await.text().await.unwrap();
    let session = account.split("/sessions/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let ended = submit(&app, &admin, &format!("/admin/accounts/{staff_id}/sessions/{session}/end"), &[]).await;
    assert_eq!(location(&ended), format!("/admin/accounts/{staff_id}?done=session"));
    assert_eq!(crate::sign_in::me(&app, &staff_cookie).await.status(), StatusCode::UNAUTHORIZED);
    let disabled = submit(&app, &admin, &format!("/admin/accounts/{staff_id}/disable"), &[]).await;
    assert_eq!(location(&disabled), format!("/admin/accounts/{staff_id}?done=disabled"));
    assert_eq!(app.count_where("parties", "disabled_at IS NOT NULL").await, 1);
    let enabled = submit(&app, &admin, &format!("/admin/accounts/{staff_id}/enable"), &[]).await;
    assert_eq!(location(&enabled), format!("/admin/accounts/{staff_id}?done=enabled"));
    assert_eq!(app.count_where("parties", "disabled_at IS NOT NULL").await, 0);
}

async fn an_admin_hands_a_partner_system_its_secrets_once_and_reads_the_logs(app: TestApp) {
    let admin = admin_cookie(&app).await;
    let office = app.create_organization("probation_office").await;
    let system =
        app.create_party(json!({"role": "probation", "display_name": "Kanto system", "organization_id": office})).await;
    let made = submit(&app, &admin, "/admin/partners/credentials", &[("party_id", system.as_str())]).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let sheet = made.text().await.unwrap();
    let value = |id: &str| {
        sheet.split(&format!("id=\"{id}\" readonly value=\"")).nth(1).unwrap().split('"').next().unwrap().to_owned()
    };
    let (client_id, secret) = (value("also"), value("secret"));
    let token = app
        .client
        .post(format!("{}/oauth/token", app.address))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), StatusCode::OK, "the secret shown works");
    let listed = page(&app, &admin, "/admin/partners").await.text().await.unwrap();
    assert!(listed.contains(&client_id) && !listed.contains(&secret), "the secret is shown once only");

    // A webhook that is not https is refused beside its field.
    let refused = submit(
        &app,
        &admin,
        "/admin/partners/webhooks",
        &[("organization_id", office.as_str()), ("url", "ftp://partner.example/hook"), ("events", "alert.delivered")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("id=\"webhook-url-error\"") && body.contains("https で始まるURL"), "{body}");
    let hook = submit(
        &app,
        &admin,
        "/admin/partners/webhooks",
        &[("organization_id", office.as_str()), ("url", "https://partner.example/hook"), ("events", "alert.delivered")],
    )
    .await;
    assert_eq!(hook.status(), StatusCode::CREATED);
    assert!(hook.text().await.unwrap().contains("whsec_"));

    // The audit log, narrowed to the system's account, and as CSV.
    let narrowed = page(&app, &admin, &format!("/admin/audit?account={system}")).await.text().await.unwrap();
    assert!(narrowed.contains("<table>"));
    let csv = page(&app, &admin, "/admin/audit?action=session.start&format=csv").await;
    assert_eq!(csv.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("at,account,role,action"));
    assert!(csv.lines().skip(1).all(|line| line.contains(",session.start,")), "{csv}");
    assert!(csv.lines().count() >= 2);
    // A date that is not one is refused beside its field.
    let bad = page(&app, &admin, "/admin/audit?from=2026-02-30").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("id=\"narrow-from-error\""));
}

async fn an_admin_erases_a_person_only_with_their_name_typed(app: TestApp) {
    let admin = admin_cookie(&app).await;
    let person = app.create("/persons", json!({"display_name": "Mori Ken"})).await["id"].as_str().unwrap().to_owned();
    let export = page(&app, &admin, &format!("/admin/persons/{person}/export")).await;
    assert!(export.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment"));
    let export: Value = export.json().await.unwrap();
    assert_eq!(export["person"]["display_name"], "Mori Ken");

    let refused =
        submit(&app, &admin, &format!("/admin/persons/{person}/erasure"), &[("name", "Mori"), ("reason", "asked")])
            .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("id=\"erase-name-error\"") && body.contains("value=\"asked\""));
    assert_eq!(app.count("persons").await, 1);
    let erased =
        submit(&app, &admin, &format!("/admin/persons/{person}/erasure"), &[("name", "Mori Ken"), ("reason", "asked")])
            .await;
    assert_eq!(location(&erased), "/admin/retention?done=erased");
    assert_eq!(app.count("persons").await, 0);
    assert_eq!(page(&app, &admin, &format!("/admin/persons/{person}")).await.status(), StatusCode::NOT_FOUND);
}

/// A form with a file, from Tsunagu's own page.
async fn upload(app: &TestApp, cookie: &str, file: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(file).file_name("roll.csv").mime_str("text/csv").unwrap();
    crate::sign_in::browser()
        .post(format!("{}/app/imports", app.address))
        .header(header::COOKIE, cookie)
        .header("origin", &app.address)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
}

async fn staff_import_their_spreadsheet_in_the_pages(app: TestApp) {
    let org = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let cookie = signed_in(&app, &staff).await;
    let home = page(&app, &cookie, "/app").await.text().await.unwrap();
    assert!(home.contains("href=\"/app/imports\""), "the staff's page links to the import");
    let form = page(&app, &cookie, "/app/imports").await.text().await.unwrap();
    assert!(form.contains("enctype=\"multipart/form-data\""));
    let template = page(&app, &cookie, "/app/imports/template.csv").await.bytes().await.unwrap();
    let template = String::from_utf8(template.to_vec()).unwrap();
    assert!(template.starts_with(
        "\u{FEFF}施設での番号(external_id),氏名(display_name),生年月日(birth_date),入所日(placement_start_on)"
    ));

    let (bad, _, _) =
        encoding_rs::SHIFT_JIS.encode("氏名,入所日,生年月日\r\n山田 花子,2026/04/01,1980-13-01\r\n,2026/04/01,\r\n");
    let checked = upload(&app, &cookie, bad.into_owned()).await;
    assert_eq!(checked.status(), StatusCode::OK);
    let body = checked.text().await.unwrap();
    assert!(body.contains("行 2・生年月日") && body.contains("行 3・氏名"), "{body}");
    assert!(!body.contains("/confirm"), "no button while cells are refused");

    let (good, _, _) = encoding_rs::SHIFT_JIS.encode("氏名,入所日\r\n山田 花子,2026/04/01\r\n");
    let checked = upload(&app, &cookie, good.into_owned()).await.text().await.unwrap();
    assert!(checked.contains("山田 花子"));
    let action = checked.split("action=\"/app/imports/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(app.count("persons").await, 0, "nothing stored before the confirmation");
    let stored = submit(&app, &cookie, &format!("/app/imports/{action}"), &[]).await;
    assert_eq!(stored.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("persons").await, 1);
    let again = submit(&app, &cookie, &format!("/app/imports/{action}"), &[]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("persons").await, 1, "a second press stores no one again");
    let roll = page(&app, &cookie, "/app").await.text().await.unwrap();
    assert!(roll.contains("山田 花子"));

    // Another facility's staff cannot see the checked file.
    let other_org = app.create_organization("rehab_facility").await;
    let other = app.create_party(json!({"role": "staff", "display_name": "Ito", "organization_id": other_org})).await;
    let other = signed_in(&app, &other).await;
    let id = action.trim_end_matches("/confirm");
    assert_eq!(page(&app, &other, &format!("/app/imports/{id}")).await.status(), StatusCode::NOT_FOUND);
}
