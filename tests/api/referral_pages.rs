//! Referrals in the pages: a refused referral comes back as typed with why beside each field
//! and stores nothing; a referral's forms are for its own sides only (404 for anyone else);
//! the receiving side's page shows the person only while the referral lets it.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{id_of, TestApp},
    pages::{page, submit},
    sign_in::signed_in,
};

pub const TESTS: &[crate::helpers::Case] =
    cases![a_refused_referral_comes_back_as_typed_and_a_referral_is_worked_only_by_its_sides];

async fn a_refused_referral_comes_back_as_typed_and_a_referral_is_worked_only_by_its_sides(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let clinic = app.create_organization("medical").await;
    let elsewhere = app.create_organization("rehab_facility").await;
    let staff = |org: &str, name: &str| json!({"role": "staff", "display_name": name, "organization_id": org});
    let referrer = app.create_party(staff(&facility, "Sato")).await;
    let receiver = app.create_party(staff(&clinic, "Kato")).await;
    let stranger = app.create_party(staff(&elsewhere, "Mori")).await;
    let token = app.token("staff", &referrer);
    let person = id_of(&app.post("/persons", &token, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    let referrer = signed_in(&app, &referrer).await;
    let today = app.today().to_string();

    // No reason, nothing shared, no consent reference: refused together, typed values kept.
    let form = [
        ("form", "refer"),
        ("person_id", person.as_str()),
        ("to_organization_id", clinic.as_str()),
        ("reason", ""),
        ("basis.kind", "written"),
        ("basis.reference", ""),
        ("basis.on", today.as_str()),
    ];
    let refused = submit(&app, &referrer, "/app/referrals", &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    for field in ["refer-reason-error", "refer-scope-error", "refer-basis.reference-error"] {
        assert!(body.contains(field), "{field} beside its field: {body}");
    }
    assert!(body.contains(&format!("value=\"{clinic}\" selected")), "the organisation chosen is kept");
    assert_eq!(app.count("referrals").await, 0);

    let mut form = form.to_vec();
    form.retain(|(name, _)| !matches!(*name, "reason" | "basis.reference"));
    form.extend([("reason", "外来につなぐ"), ("basis.reference", "同意書 R-1"), ("scope", "release")]);
    let made = submit(&app, &referrer, "/app/referrals", &form).await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let referrals: Value = app.get("/referrals?direction=outgoing", &token).await.json().await.unwrap();
    let referral = id_of(&referrals["items"][0]);

    // Another organisation's staff member: the page lists nothing of it, its forms answer 404.
    let stranger = signed_in(&app, &stranger).await;
    let theirs = page(&app, &stranger, "/app/referrals").await.text().await.unwrap();
    assert!(!theirs.contains("Taro") && !theirs.contains(&referral));
    let step = format!("/app/referrals/{referral}/events");
    let accept = [("form", "step"), ("event", "accept"), ("on", today.as_str())];
    assert_eq!(submit(&app, &stranger, &step, &accept).await.status(), StatusCode::NOT_FOUND);
    let meeting = format!("/app/referrals/{referral}/meeting");
    let arrange = [("event", "arrange"), ("on", today.as_str()), ("meeting_on", today.as_str())];
    assert_eq!(submit(&app, &stranger, &meeting, &arrange).await.status(), StatusCode::NOT_FOUND);

    // The clinic sees Taro while the referral is open; a decline without why is refused beside
    // the note; once declined the page no longer names Taro.
    let receiver = signed_in(&app, &receiver).await;
    assert!(page(&app, &receiver, "/app/referrals").await.text().await.unwrap().contains("Taro"));
    let form_name = format!("step-{referral}");
    let unsaid = [("form", form_name.as_str()), ("event", "decline"), ("on", today.as_str())];
    let unsaid = submit(&app, &receiver, &step, &unsaid).await;
    assert_eq!(unsaid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unsaid.text().await.unwrap().contains(&format!("{form_name}-note-error")));
    let decline = [("form", form_name.as_str()), ("event", "decline"), ("on", today.as_str()), ("note", "満床")];
    assert_eq!(submit(&app, &receiver, &step, &decline).await.status(), StatusCode::SEE_OTHER);
    let after = page(&app, &receiver, "/app/referrals").await.text().await.unwrap();
    assert!(!after.contains("Taro") && after.contains("お断り"), "{after}");
}
