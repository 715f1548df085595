//! The rota kept in the browser: staff see who is on duty and the gaps, set the weekly shifts,
//! the ladder and the managers in one form, and add and remove cover; a refused form comes
//! back as typed with why beside each field and stores nothing; another team gets 404.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::TestApp,
    pages::{page, submit},
    sign_in::signed_in,
};

pub const TESTS: &[crate::helpers::Case] =
    cases![the_rota_is_kept_in_the_pages_as_typed_and_only_by_its_own_team, cover_is_added_and_removed_in_the_pages];

struct Team {
    org: String,
    token: String,
    day: String,
    night: String,
    cookie: String,
}

async fn team(app: &TestApp) -> Team {
    let org = app.create_organization("rehab_facility").await;
    let staff = |name: &str| json!({"role": "staff", "display_name": name, "organization_id": org});
    let day = app.create_party(staff("Aoki")).await;
    let night = app.create_party(staff("Baba")).await;
    let cookie = signed_in(app, &day).await;
    Team { token: app.token("staff", &day), org, day, night, cookie }
}

async fn api_rota(app: &TestApp, team: &Team) -> Value {
    app.get(&format!("/organizations/{}/rota", team.org), &team.token).await.json().await.unwrap()
}

async fn the_rota_is_kept_in_the_pages_as_typed_and_only_by_its_own_team(app: TestApp) {
    let team = team(&app).await;
    let path = format!("/app/organizations/{}/rota", team.org);
    // The staff home says there is no rota and leads to it.
    let home = page(&app, &team.cookie, "/app").await.text().await.unwrap();
    assert!(home.contains(&format!("<a href=\"{path}\">当番表を作る</a>")), "{home}");
    let empty = page(&app, &team.cookie, &path).await;
    assert_eq!(empty.status(), StatusCode::OK);
    assert!(empty.text().await.unwrap().contains("まだ当番表がありません"));

    // Another facility's staff member and a family member: 404, on the page and its form.
    let other_org = app.create_organization("rehab_facility").await;
    let other = app.create_party(json!({"role": "staff", "display_name": "Other", "organization_id": other_org})).await;
    let other = signed_in(&app, &other).await;
    assert_eq!(page(&app, &other, &path).await.status(), StatusCode::NOT_FOUND);
    let posted = submit(&app, &other, &path, &[("escalate_after_minutes", "30")]).await;
    assert_eq!(posted.status(), StatusCode::NOT_FOUND);
    assert_eq!(api_rota(&app, &team).await["escalate_after_minutes"], 30);

    // A shift that ends as it starts, a row with no one in it, a wait of 0: refused together,
    // each beside its field, everything as typed, nothing stored.
    let (day, night) = (team.day.as_str(), team.night.as_str());
    let refused = submit(
        &app,
        &team.cookie,
        &path,
        &[
            ("shifts[0].party_id", day),
            ("shifts[0].weekdays", "1"),
            ("shifts[0].weekdays", "2"),
            ("shifts[0].starts_at", "09:00"),
            ("shifts[0].ends_at", "09:00"),
            ("shifts[1].party_id", ""),
            ("shifts[1].starts_at", ""),
            ("shifts[1].ends_at", ""),
            ("shifts[2].party_id", ""),
            ("shifts[2].weekdays", "6"),
            ("shifts[2].starts_at", "22:00"),
            ("shifts[2].ends_at", "07:00"),
            ("escalate_after_minutes", "0"),
            ("escalation[0]", night),
            ("escalation[1]", night),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown = refused.text().await.unwrap();
    for beside in [
        "id=\"rota-shifts[0].ends_at-error\">終わり：始まった日より前にはできません。",
        "id=\"rota-shifts[2].party_id-error\">担当する人：入力してください。",
        "id=\"rota-escalate_after_minutes-error\">次の人に知らせるまでの分数：1から1440までの数にしてください。",
        "id=\"rota-escalation[1]-error\">順に知らせる人：同じものを2回以上選んでいます。",
    ] {
        assert!(shown.contains(beside), "{beside} in {shown}");
    }
    assert!(shown.contains("name=\"shifts[2].starts_at\" type=\"time\" value=\"22:00\""), "kept as typed");
    assert!(shown.contains("name=\"escalate_after_minutes\" type=\"number\" value=\"0\""), "kept as typed");
    assert!(!shown.contains("rota-shifts[1].party_id-error"), "the blank row is left out, not refused");
    assert_eq!(api_rota(&app, &team).await["shifts"], json!([]), "nothing stored");

    // Weekdays by day, every night by night, the night one told next, the day one managing.
    let set = submit(
        &app,
        &team.cookie,
        &path,
        &[
            ("shifts[0].party_id", day),
            ("shifts[0].weekdays", "1"),
            ("shifts[0].weekdays", "2"),
            ("shifts[0].weekdays", "3"),
            ("shifts[0].weekdays", "4"),
            ("shifts[0].weekdays", "5"),
            ("shifts[0].starts_at", "09:00"),
            ("shifts[0].ends_at", "18:00"),
            ("shifts[1].party_id", night),
            ("shifts[1].weekdays", "1"),
            ("shifts[1].weekdays", "7"),
            ("shifts[1].starts_at", "18:00"),
            ("shifts[1].ends_at", "09:00"),
            ("shifts[2].party_id", ""),
            ("escalate_after_minutes", "20"),
            ("escalation[0]", ""),
            ("escalation[1]", night),
            ("managers", day),
        ],
    )
    .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    assert_eq!(set.headers()["location"], format!("{path}?done=rota"));
    let rota = api_rota(&app, &team).await;
    assert_eq!(
        rota["shifts"],
        json!([
            {"party_id": day, "weekdays": [1, 2, 3, 4, 5], "starts_at": "09:00", "ends_at": "18:00"},
            {"party_id": night, "weekdays": [1, 7], "starts_at": "18:00", "ends_at": "09:00"},
        ])
    );
    assert_eq!((&rota["escalate_after_minutes"], &rota["escalation"]), (&json!(20), &json!([night])));
    assert_eq!(rota["managers"], json!([day]));
    // The page shows the rota as set, to be changed again.
    let shown = page(&app, &team.cookie, &format!("{path}?done=rota")).await.text().await.unwrap();
    assert!(shown.contains("記録しました：当番表"), "{shown}");
    assert!(shown.contains("name=\"shifts[1].ends_at\" type=\"time\" value=\"09:00\""), "{shown}");
    assert!(shown.contains("name=\"shifts[1].remove\""), "a set shift can be removed");

    // The night shift removed; the rest stays as it was.
    let removed = submit(
        &app,
        &team.cookie,
        &path,
        &[
            ("shifts[0].party_id", day),
            ("shifts[0].weekdays", "1"),
            ("shifts[0].starts_at", "09:00"),
            ("shifts[0].ends_at", "18:00"),
            ("shifts[1].party_id", night),
            ("shifts[1].weekdays", "1"),
            ("shifts[1].starts_at", "18:00"),
            ("shifts[1].ends_at", "09:00"),
            ("shifts[1].remove", "yes"),
            ("escalate_after_minutes", "20"),
        ],
    )
    .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let rota = api_rota(&app, &team).await;
    assert_eq!(rota["shifts"].as_array().unwrap().len(), 1);
    assert_eq!((&rota["escalation"], &rota["managers"]), (&json!([]), &json!([])));
}

async fn cover_is_added_and_removed_in_the_pages(app: TestApp) {
    let team = team(&app).await;
    let path = format!("/app/organizations/{}/rota", team.org);
    // Tomorrow 09:00 to 18:00 in Tokyo, typed as a browser's date-and-time field sends it.
    let tokyo = chrono_tz::Asia::Tokyo;
    let tomorrow = app.now().with_timezone(&tokyo).date_naive() + Duration::days(1);
    let at = |hour: u32| tokyo.from_local_datetime(&tomorrow.and_hms_opt(hour, 0, 0).unwrap()).unwrap();
    let typed = |hour: u32| at(hour).format("%Y-%m-%dT%H:%M").to_string();
    let covers = format!("{path}/overrides");
    // Ending before it starts, and no one chosen: refused beside the fields, as typed.
    let refused =
        submit(&app, &team.cookie, &covers, &[("party_id", ""), ("starts_at", &typed(18)), ("ends_at", &typed(9))])
            .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown = refused.text().await.unwrap();
    assert!(shown.contains("id=\"override-party_id-error\">担当する人：入力してください。"), "{shown}");
    assert!(shown.contains(&format!("value=\"{}\"", typed(18))), "kept as typed");
    let refused = submit(
        &app,
        &team.cookie,
        &covers,
        &[("party_id", &team.night), ("starts_at", "tomorrow"), ("ends_at", &typed(9))],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("id=\"override-starts_at-error\">始まり：日時を"));
    assert_eq!(api_rota(&app, &team).await["overrides"], json!([]), "nothing stored");

    let added = submit(
        &app,
        &team.cookie,
        &covers,
        &[("party_id", &team.night), ("starts_at", &typed(9)), ("ends_at", &typed(18))],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let overrides = api_rota(&app, &team).await["overrides"].clone();
    assert_eq!(overrides[0]["party_id"], json!(team.night));
    assert_eq!(overrides[0]["starts_at"], json!(at(9).with_timezone(&Utc).to_rfc3339()));
    assert_eq!(overrides[0]["ends_at"], json!(at(18).with_timezone(&Utc).to_rfc3339()));
    let id = overrides[0]["id"].as_str().unwrap().to_owned();
    let shown = page(&app, &team.cookie, &path).await.text().await.unwrap();
    assert!(shown.contains("<strong>Baba</strong>"), "{shown}");

    // Only its own team removes it.
    let other_org = app.create_organization("rehab_facility").await;
    let other = app.create_party(json!({"role": "staff", "display_name": "Other", "organization_id": other_org})).await;
    let other = signed_in(&app, &other).await;
    let remove = format!("/app/rota-overrides/{id}/remove");
    assert_eq!(submit(&app, &other, &remove, &[]).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(api_rota(&app, &team).await["overrides"].as_array().unwrap().len(), 1);
    let removed = submit(&app, &team.cookie, &remove, &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(api_rota(&app, &team).await["overrides"], json!([]));
}
