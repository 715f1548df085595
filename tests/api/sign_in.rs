//! Signing in as people do: an invitation handed over by a facility, a browser session (its
//! cookie, its limits, its end), and no other site able to act with it. The one-time code is in
//! `sign_in_codes.rs`, systems and disabling in `sign_in_systems.rs`; their helpers are here.

use chrono::Duration;
use reqwest::{header, redirect, StatusCode};
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{assert_problem, id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_family_member_signs_in_with_a_printed_invitation_and_uses_the_api_as_themself,
    a_used_or_expired_invitation_is_refused,
    a_cross_site_write_with_the_cookie_is_refused_and_stores_nothing,
    sign_out_ends_the_session_on_the_server_and_other_sessions_can_be_ended,
];

/// A browser: follows no redirects, so the test sees each answer and its cookie.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(redirect::Policy::none()).build().unwrap()
}

/// The session cookie a response sets, as `name=value`.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("tsunagu_session=") && !value.starts_with("tsunagu_session=;"))
        .map(|value| value.split(';').next().unwrap_or_default().to_owned())
}

pub struct Resident {
    pub staff_party: String,
    pub staff: String,
    pub person: String,
    pub family: String,
}

/// A facility, its resident and a family member linked to the resident.
pub async fn resident(app: &TestApp) -> Resident {
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro"})).await.json().await.unwrap());
    // Staff open the family member's account together with its link to their resident.
    let body = json!({"party": {"role": "family", "display_name": "Hanako", "language": "ja"},
        "relationship": "family"});
    let created = app.post(&format!("/persons/{person}/links"), &staff, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let family = created.json::<Value>().await.unwrap()["party_id"].as_str().expect("the account opened").to_owned();
    Resident { staff_party, staff, person, family }
}

pub async fn invite(app: &TestApp, token: &str, party: &str) -> Value {
    let created = app.post(&format!("/parties/{party}/invitations"), token, &json!({})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json().await.unwrap()
}

/// Types the code into the front page's form, as a person would.
pub async fn redeem(app: &TestApp, code: &str) -> reqwest::Response {
    browser().post(format!("{}/auth/invitation", app.address)).form(&[("code", code)]).send().await.unwrap()
}

/// Signs in with a fresh invitation and returns the cookie.
pub async fn signed_in(app: &TestApp, party: &str) -> String {
    let invitation = invite(app, &app.admin(), party).await;
    let response = redeem(app, invitation["code"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    session_cookie(&response).expect("a session cookie")
}

pub async fn me(app: &TestApp, cookie: &str) -> reqwest::Response {
    browser().get(app.url("/me")).header(header::COOKIE, cookie).send().await.unwrap()
}

async fn a_family_member_signs_in_with_a_printed_invitation_and_uses_the_api_as_themself(app: TestApp) {
    let r = resident(&app).await;
    // Staff of another facility cannot invite this family member; the family member cannot
    // invite themself.
    let other_org = app.create_organization("rehab_facility").await;
    let other_staff =
        app.create_party(json!({"role": "staff", "display_name": "Elsewhere", "organization_id": other_org})).await;
    let path = format!("/parties/{}/invitations", r.family);
    let refused = app.post(&path, &app.token("staff", &other_staff), &json!({})).await;
    assert_problem(refused, StatusCode::NOT_FOUND).await;
    let own = app.post(&path, &app.token("family", &r.family), &json!({})).await;
    assert_problem(own, StatusCode::NOT_FOUND).await;
    assert_eq!(app.count("invitations").await, 0);

    // The facility invites her and prints the QR code of the link.
    let invitation = invite(&app, &r.staff, &r.family).await;
    let code = invitation["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 11, "ABCDE-FGHJK: {code}");
    let url = invitation["url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/invite/{code}")), "{url}");
    let expires: chrono::DateTime<chrono::Utc> = invitation["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires - app.now(), Duration::days(7));
    let qr = app.get(&format!("/parties/{}/invitations/{}/qr", r.family, id_of(&invitation)), &r.staff).await;
    assert_eq!(qr.status(), StatusCode::OK);
    assert_eq!(qr.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    assert_eq!(app.count_where("invitations", &format!("code_hash LIKE '%{code}%'")).await, 0, "only a hash is kept");

    // The link opens a page with the code filled in and one button.
    let page = browser().get(format!("{}/invite/{code}", app.address)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains(&format!("value=\"{code}\"")) && page.contains("action=\"/auth/invitation\""));

    // She types it the way people do: lower case, no dash.
    let typed = code.replace('-', "").to_lowercase();
    let response = redeem(&app, &typed).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/app");
    let set_cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "the test service is served over http");
    let cookie = session_cookie(&response).unwrap();

    // Her page, then the API as her: her person is visible, nobody else's.
    let app_page = browser().get(format!("{}/app", app.address)).header(header::COOKIE, &cookie).send().await.unwrap();
    assert_eq!(app_page.status(), StatusCode::OK);
    assert!(app_page.text().await.unwrap().contains("Hanako"));
    let who: Value = me(&app, &cookie).await.json().await.unwrap();
    assert_eq!((who["subject"].as_str(), who["role"].as_str()), (Some(r.family.as_str()), Some("family")));
    let person =
        browser().get(app.url(&format!("/persons/{}", r.person))).header(header::COOKIE, &cookie).send().await.unwrap();
    assert_eq!(person.status(), StatusCode::OK);
    let stranger = id_of(&app.post("/persons", &r.staff, &json!({"display_name": "Jiro"})).await.json().await.unwrap());
    let hidden = browser().get(app.url(&format!("/persons/{stranger}"))).header(header::COOKIE, &cookie).send().await;
    assert_problem(hidden.unwrap(), StatusCode::NOT_FOUND).await;
    // Without the cookie, the page sends her to the front door.
    let anonymous = browser().get(format!("{}/app", app.address)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count_where("audit_events", "action = 'invitation.redeem' AND outcome = 'allowed'").await, 1);
}

async fn a_used_or_expired_invitation_is_refused(app: TestApp) {
    let r = resident(&app).await;
    let invitation = invite(&app, &r.staff, &r.family).await;
    let code = invitation["code"].as_str().unwrap();
    assert_eq!(redeem(&app, code).await.status(), StatusCode::SEE_OTHER);
    let sessions = app.count("sessions").await;

    let again =
        browser().post(format!("{}/auth/invitation", app.address)).json(&json!({"code": code})).send().await.unwrap();
    assert!(session_cookie(&again).is_none());
    let problem = assert_problem(again, StatusCode::UNAUTHORIZED).await;
    assert!(problem["detail"].as_str().unwrap().contains("cannot be used"));

    // The family member has signed in: from now on only they or an admin invite them.
    let late = invite(&app, &app.admin(), &r.family).await;
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    let expired = redeem(&app, late["code"].as_str().unwrap()).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED, "a form gets the page again, with why");
    assert!(session_cookie(&expired).is_none());
    assert!(expired.text().await.unwrap().contains("使えません"));
    let made_up = redeem(&app, "ABCDE-FGHJK").await;
    assert_eq!(made_up.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("sessions").await, sessions, "no refused code made a session");
    assert_eq!(app.count_where("audit_events", "action = 'invitation.redeem' AND outcome = 'denied'").await, 3);
}

async fn a_cross_site_write_with_the_cookie_is_refused_and_stores_nothing(app: TestApp) {
    let r = resident(&app).await;
    let cookie = signed_in(&app, &r.family).await;
    let change = json!({"digest_at": "19:30"});
    let preferences = || browser().patch(app.url("/me/preferences")).header(header::COOKIE, &cookie).json(&change);

    let forged = preferences().header("origin", "https://evil.example").send().await.unwrap();
    assert_problem(forged, StatusCode::FORBIDDEN).await;
    let forged = preferences().header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_problem(forged, StatusCode::FORBIDDEN).await;
    let unmarked = preferences().send().await.unwrap();
    assert_problem(unmarked, StatusCode::FORBIDDEN).await;
    let ending = browser()
        .delete(app.url("/me/sessions"))
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_problem(ending, StatusCode::FORBIDDEN).await;
    let sign_out = browser()
        .post(format!("{}/auth/sign-out", app.address))
        .header(header::COOKIE, &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_problem(sign_out, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count_where("parties", "digest_at = '19:30'").await, 0, "nothing stored");
    assert_eq!(me(&app, &cookie).await.status(), StatusCode::OK, "the session goes on");

    // From Tsunagu's own pages the same change goes through.
    let own = preferences().header("origin", &app.address).send().await.unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(app.count_where("parties", "digest_at = '19:30'").await, 1);
    // Another site cannot sign a visitor in either.
    let invitation = invite(&app, &app.admin(), &r.family).await;
    let login = browser()
        .post(format!("{}/auth/invitation", app.address))
        .header("sec-fetch-site", "cross-site")
        .form(&[("code", invitation["code"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_problem(login, StatusCode::FORBIDDEN).await;
}

async fn sign_out_ends_the_session_on_the_server_and_other_sessions_can_be_ended(app: TestApp) {
    // With the read cache on: a session kept in memory ends as surely as one read afresh.
    crate::cache::until_live(&app).await;
    let r = resident(&app).await;
    let phone = signed_in(&app, &r.family).await;
    let desk = signed_in(&app, &r.family).await;
    let listed: Value = browser()
        .get(app.url("/me/sessions"))
        .header(header::COOKIE, &desk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|session| session["current"] == true).count(), 1);

    // From the desk, end every other session: the phone, just used, is signed out.
    assert_eq!(me(&app, &phone).await.status(), StatusCode::OK);
    let ended = browser()
        .delete(app.url("/me/sessions"))
        .header(header::COOKIE, &desk)
        .header("origin", &app.address)
        .send()
        .await
        .unwrap();
    assert_eq!(ended.json::<Value>().await.unwrap()["ended"], 1);
    assert_problem(me(&app, &phone).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(me(&app, &desk).await.status(), StatusCode::OK);

    // Signing out ends the session on the server: the old cookie, kept, no longer works.
    let out = browser()
        .post(format!("{}/auth/sign-out", app.address))
        .header(header::COOKIE, &desk)
        .header("origin", &app.address)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let cleared = out.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.starts_with("tsunagu_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    assert_problem(me(&app, &desk).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.count_where("sessions", "ended_at IS NULL").await, 0);
    assert_eq!(app.count_where("audit_events", "action = 'session.end'").await, 2);

    // A family member's session outlives a working day unused; a staff member's does not.
    let family = signed_in(&app, &r.family).await;
    let staff = signed_in(&app, &r.staff_party).await;
    assert_eq!(me(&app, &staff).await.status(), StatusCode::OK);
    let (hits, misses) = (app.state.cache.hits(), app.state.cache.misses());
    assert_eq!(me(&app, &staff).await.status(), StatusCode::OK);
    assert!(app.state.cache.hits() > hits && app.state.cache.misses() == misses, "the session is kept");
    app.clock.advance(Duration::hours(3));
    assert_problem(me(&app, &staff).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(me(&app, &family).await.status(), StatusCode::OK);
}
