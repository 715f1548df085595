//! Safeguards II, as the attack on a live instance found them: no one signs in as someone
//! else, no door can be flooded, counted in parallel. Each on both databases.

use futures::future::join_all;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{id_of, TestApp},
    sign_in::{browser, invite, redeem, resident, session_cookie},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    staff_open_doors_only_for_accounts_they_made_for_their_own_resident_until_first_sign_in,
    a_consent_change_in_a_session_a_staff_invitation_began_says_so,
    invitations_are_limited_per_party,
    parallel_knocks_on_a_sign_in_door_are_each_counted,
    parallel_guesses_compare_a_code_at_most_five_times,
    the_token_endpoint_counts_a_network_before_it_hashes,
];

/// Facility B, its staff token, and a resident placed there.
async fn second_facility(app: &TestApp) -> (String, String) {
    let org = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Ito", "organization_id": org})).await;
    let staff = app.token("staff", &staff);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": "Jiro"})).await.json().await.unwrap());
    (staff, person)
}

async fn staff_open_doors_only_for_accounts_they_made_for_their_own_resident_until_first_sign_in(app: TestApp) {
    let r = resident(&app).await;
    let (staff_b, person_b) = second_facility(&app).await;

    // A family member an admin made and linked to residents of both facilities: staff A may
    // neither invite them nor add an address (the finding: a session as F6 read facility B).
    let shared = app.create_party(json!({"role": "family", "display_name": "Kana"})).await;
    for (person, staff) in [(&r.person, &r.staff), (&person_b, &staff_b)] {
        let link = json!({"party_id": shared, "relationship": "family"});
        assert_eq!(app.post(&format!("/persons/{person}/links"), staff, &link).await.status(), StatusCode::CREATED);
    }
    let invitations = app.count("invitations").await;
    let refused = app.post(&format!("/parties/{shared}/invitations"), &r.staff, &json!({})).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let address = json!({"channel": "email", "address": "kana@example.org"});
    assert_eq!(
        app.post(&format!("/parties/{shared}/contacts"), &r.staff, &address).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("invitations").await, invitations, "nothing stored");

    // Staff open a family member's account only with a link to their own resident, and never
    // any other kind of account; `POST /parties` is an admin's.
    let parties = app.count("parties").await;
    let family = json!({"party": {"role": "family", "display_name": "X"}, "relationship": "family"});
    assert_eq!(
        app.post(&format!("/persons/{person_b}/links"), &r.staff, &family).await.status(),
        StatusCode::NOT_FOUND
    );
    let unlinked = json!({"role": "family", "display_name": "X"});
    assert_eq!(app.post("/parties", &r.staff, &unlinked).await.status(), StatusCode::FORBIDDEN);
    for role in ["admin", "staff", "probation"] {
        let other = json!({"party": {"role": role, "display_name": "X"}, "relationship": "family"});
        let refused = app.post(&format!("/persons/{}/links", r.person), &r.staff, &other).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
    }
    let unrelated = json!({"party": {"role": "family", "display_name": "X"}});
    let refused = app.post(&format!("/persons/{}/links", r.person), &r.staff, &unrelated).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "a family member's link names its relationship");
    assert_eq!(app.count("parties").await, parties, "nothing stored");

    // The account staff A made for their resident: A may invite it, B may not; an admin's
    // invitation's QR is not A's to print.
    let mine = invite(&app, &r.staff, &r.family).await;
    assert_eq!(
        app.post(&format!("/parties/{}/invitations", r.family), &staff_b, &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    let admins = invite(&app, &app.admin(), &r.family).await;
    let qr = |id: &Value| format!("/parties/{}/invitations/{}/qr", r.family, id_of(id));
    assert_eq!(app.get(&qr(&mine), &r.staff).await.status(), StatusCode::OK);
    assert_eq!(app.get(&qr(&admins), &r.staff).await.status(), StatusCode::NOT_FOUND);

    // Once the family member has signed in, their doors are theirs (and an admin's).
    let signed = redeem(&app, mine["code"].as_str().unwrap()).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.post(&format!("/parties/{}/invitations", r.family), &r.staff, &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&format!("/parties/{}/contacts", r.family), &r.staff).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&qr(&admins), &r.staff).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(&format!("/parties/{}/invitations", r.family), &app.admin(), &json!({})).await.status(),
        StatusCode::CREATED
    );
}

async fn a_consent_change_in_a_session_a_staff_invitation_began_says_so(app: TestApp) {
    let r = resident(&app).await;
    let body = json!({"party": {"role": "person", "display_name": "Taro"}});
    let created = app.post(&format!("/persons/{}/links", r.person), &r.staff, &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let own = id_of(&created.json().await.unwrap());
    assert_eq!(
        app.post(&format!("/persons/{}/links", r.person), &r.staff, &body).await.status(),
        StatusCode::CONFLICT,
        "one own account per person"
    );
    let invitation = invite(&app, &r.staff, &own).await;
    let cookie = session_cookie(&redeem(&app, invitation["code"].as_str().unwrap()).await).expect("signed in");
    let links: Value = app.get(&format!("/persons/{}/links", r.person), &app.admin()).await.json().await.unwrap();
    let family_link = links["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|link| link["party_id"] == r.family.as_str())
        .map(id_of)
        .expect("the family's link");
    let narrowed = browser()
        .patch(app.url(&format!("/links/{family_link}")))
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, &app.address)
        .json(&json!({"scope": ["release"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(narrowed.status(), StatusCode::OK);
    let marked = app.count_where("consent_records", "via = 'staff_invitation' AND change = 'changed'").await;
    assert_eq!(marked, 1, "the consent record says the session began from a staff member's invitation");
}

async fn invitations_are_limited_per_party(app: TestApp) {
    let r = resident(&app).await;
    for _ in 0..5 {
        invite(&app, &r.staff, &r.family).await;
    }
    let sixth = app.post(&format!("/parties/{}/invitations", r.family), &r.staff, &json!({})).await;
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(sixth.headers().get(header::RETRY_AFTER).is_some());
    assert_eq!(app.count("invitations").await, 5, "the refused one stored nothing");
}

/// Sends `n` copies of a request at once and sorts the answers: let through to the door's own
/// check, refused for the limit (429), and told the store was too busy to count them (503 with
/// `Retry-After`, which a loaded machine may give and which lets nothing through). A request
/// whose pooled connection was closed before it was answered (a keep-alive race of the client's
/// pool on a loaded machine) is counted apart: it may or may not have reached the door.
async fn at_once(n: usize, send: impl Fn() -> reqwest::RequestBuilder) -> (usize, usize, usize) {
    let answers = join_all((0..n).map(|_| send().send())).await;
    let (mut limited, mut let_through, mut unanswered) = (0, 0, 0);
    for answer in answers {
        let answer = match answer {
            Ok(answer) => answer,
            Err(err) if err.is_request() || err.is_connect() => {
                unanswered += 1;
                continue;
            }
            Err(err) => panic!("a knock failed: {err}"),
        };
        match answer.status() {
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(answer.headers().get(header::RETRY_AFTER).is_some(), "a busy store says when to retry")
            }
            StatusCode::UNAUTHORIZED => let_through += 1,
            other => panic!("a knock answered {other}"),
        }
    }
    (limited, let_through, unanswered)
}

/// Exactly `limit` knocks reached the door's own check: never more (a knock not counted would
/// let one more through), and fewer only by those left unanswered.
fn exactly(limit: usize, (limited, let_through, unanswered): (usize, usize, usize)) {
    assert!(let_through <= limit && let_through + unanswered >= limit, "{let_through} let through of {limit}");
    assert!(limited >= 1, "the door refused the knocks past its limit");
}

async fn parallel_knocks_on_a_sign_in_door_are_each_counted(app: TestApp) {
    // The limit is 30 tries a quarter hour from one network: of 60 at once exactly 30 reach the
    // code check, and the rest are refused (a knock not counted would let a 31st through).
    let verify = format!("{}/auth/code/verify", app.address);
    exactly(
        30,
        at_once(60, || browser().post(&verify).json(&json!({"address": "a@example.org", "code": "123456"}))).await,
    );
    // Redeeming invitations: 20.
    let redeem_url = format!("{}/auth/invitation", app.address);
    exactly(20, at_once(40, || browser().post(&redeem_url).form(&[("code", "ABCDE-FGHJK")])).await);
}

async fn parallel_guesses_compare_a_code_at_most_five_times(app: TestApp) {
    let r = resident(&app).await;
    // A live code for an address, as the sending step writes it.
    use sea_orm::{ActiveModelTrait, Set};
    let code_id = uuid::Uuid::now_v7();
    let address = "hanako@example.org";
    let address_hash = app.state.keys.keyed_hash(tsunagu::auth::Purpose::Address, &[b"email", address.as_bytes()]);
    tsunagu::entity::sign_in_code::ActiveModel {
        id: Set(code_id),
        party_id: Set(r.family.parse().unwrap()),
        contact_point_id: Set(uuid::Uuid::now_v7()),
        address_hash: Set(address_hash),
        code_hash: Set("0".repeat(64)),
        failed_attempts: Set(0),
        created_at: Set(app.now()),
        expires_at: Set(app.now() + chrono::Duration::minutes(10)),
        ended_at: Set(None),
        end_reason: Set(None),
    }
    .insert(&app.outside)
    .await
    .unwrap();
    let verify = format!("{}/auth/code/verify", app.address);
    let answers = join_all((0..25).map(|n| {
        let body = json!({"address": address, "code": format!("{:06}", 100_000 + n)});
        browser().post(&verify).json(&body).send()
    }))
    .await;
    assert!(answers.iter().all(|a| a.as_ref().is_ok_and(|a| a.status() == StatusCode::UNAUTHORIZED)));
    let compared = app.count_where("sign_in_codes", "failed_attempts = 5").await;
    assert_eq!(compared, 1, "25 guesses at once compared the code five times, no more");
    let locked = app.count_where("sign_in_codes", "end_reason = 'locked'").await;
    assert_eq!(locked, 1);
}

async fn the_token_endpoint_counts_a_network_before_it_hashes(app: TestApp) {
    let token_url = format!("{}/oauth/token", app.address);
    let send =
        || browser().post(&token_url).basic_auth("tsu_nobody", Some("x")).form(&[("grant_type", "client_credentials")]);
    // 30 a quarter hour from one network; the rest refused before their secret is hashed.
    exactly(30, at_once(40, send).await);
}
