use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{encode, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::auth::LEEWAY_SECONDS;

use crate::{
    cases,
    helpers::{assert_problem, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_token_signed_with_the_server_key_is_accepted,
    requests_without_a_token_are_refused,
    a_malformed_bearer_token_is_refused,
    an_unsigned_alg_none_token_is_refused,
    a_token_signed_with_another_key_is_refused,
    an_expired_token_is_refused_by_the_server_clock,
    a_token_for_another_audience_or_none_is_refused,
    a_token_from_another_issuer_is_refused,
    a_token_without_exp_or_sub_is_refused,
    a_token_with_an_unknown_role_is_refused,
    a_role_claim_that_disagrees_with_the_stored_party_is_refused,
    only_admins_manage_organisations_parties_and_persons,
];

/// The server's current signing key, read from its database as `tsunagu token` would.
async fn server_key(app: &TestApp) -> (String, Vec<u8>) {
    use sea_orm::{EntityTrait, QueryOrder};
    let key = tsunagu::entity::signing_key::Entity::find()
        .order_by_asc(tsunagu::entity::signing_key::Column::CreatedAt)
        .one(&app.outside)
        .await
        .unwrap()
        .expect("a generated signing key");
    let secret = base64::engine::general_purpose::STANDARD.decode(key.secret).unwrap();
    (key.kid, secret)
}

fn base_claims(app: &TestApp) -> Value {
    json!({
        "sub": "test-admin",
        "role": "admin",
        "iss": "tsunagu",
        "aud": "tsunagu-api",
        "exp": (app.now() + chrono::Duration::hours(1)).timestamp(),
        "iat": app.now().timestamp(),
    })
}

async fn sign(app: &TestApp, claims: &Value) -> String {
    let (kid, secret) = server_key(app).await;
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid);
    encode(&header, claims, &EncodingKey::from_secret(&secret)).unwrap()
}

async fn assert_refused(app: &TestApp, token: &str) {
    let response = app.get("/me", token).await;
    assert_eq!(response.headers().get("www-authenticate").map(|v| v.to_str().unwrap()), Some("Bearer"));
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

async fn a_token_signed_with_the_server_key_is_accepted(app: TestApp) {
    let token = sign(&app, &base_claims(&app)).await;
    let response = app.get("/me", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["subject"], "test-admin");
    assert_eq!(me["role"], "admin");
}

async fn requests_without_a_token_are_refused(app: TestApp) {
    let response = app.client.get(app.url("/me")).send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
    let response =
        app.client.get(app.url("/persons")).header("authorization", "Basic dXNlcjpwYXNz").send().await.unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

async fn a_malformed_bearer_token_is_refused(app: TestApp) {
    assert_refused(&app, "not-a-jwt").await;
    assert_refused(&app, "a.b.c").await;
}

async fn an_unsigned_alg_none_token_is_refused(app: TestApp) {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(base_claims(&app).to_string());
    assert_refused(&app, &format!("{header}.{payload}.")).await;
    // The same claims with the server's key pass, so the refusal above is about the algorithm.
    let signed = sign(&app, &base_claims(&app)).await;
    assert_eq!(app.get("/me", &signed).await.status(), StatusCode::OK);
}

async fn a_token_signed_with_another_key_is_refused(app: TestApp) {
    let (kid, _) = server_key(&app).await;
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid);
    let forged = encode(&header, &base_claims(&app), &EncodingKey::from_secret(&[7u8; 32])).unwrap();
    assert_refused(&app, &forged).await;
    let unnamed = encode(&Header::default(), &base_claims(&app), &EncodingKey::from_secret(&[7u8; 32])).unwrap();
    assert_refused(&app, &unnamed).await;
}

async fn an_expired_token_is_refused_by_the_server_clock(app: TestApp) {
    let mut claims = base_claims(&app);
    claims["exp"] = json!((app.now() + chrono::Duration::minutes(10)).timestamp());
    let token = sign(&app, &claims).await;
    assert_eq!(app.get("/me", &token).await.status(), StatusCode::OK);
    // Past expiry plus the leeway, by the clock the server was given.
    app.clock.advance(chrono::Duration::minutes(10) + chrono::Duration::seconds(LEEWAY_SECONDS));
    assert_refused(&app, &token).await;
}

async fn a_token_for_another_audience_or_none_is_refused(app: TestApp) {
    let mut wrong = base_claims(&app);
    wrong["aud"] = json!("another-api");
    assert_refused(&app, &sign(&app, &wrong).await).await;
    let mut missing = base_claims(&app);
    missing.as_object_mut().unwrap().remove("aud");
    assert_refused(&app, &sign(&app, &missing).await).await;
}

async fn a_token_from_another_issuer_is_refused(app: TestApp) {
    let mut wrong = base_claims(&app);
    wrong["iss"] = json!("someone-else");
    assert_refused(&app, &sign(&app, &wrong).await).await;
    let mut missing = base_claims(&app);
    missing.as_object_mut().unwrap().remove("iss");
    assert_refused(&app, &sign(&app, &missing).await).await;
}

async fn a_token_without_exp_or_sub_is_refused(app: TestApp) {
    let mut no_exp = base_claims(&app);
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_refused(&app, &sign(&app, &no_exp).await).await;
    let mut no_sub = base_claims(&app);
    no_sub.as_object_mut().unwrap().remove("sub");
    assert_refused(&app, &sign(&app, &no_sub).await).await;
}

async fn a_token_with_an_unknown_role_is_refused(app: TestApp) {
    let mut claims = base_claims(&app);
    claims["role"] = json!("superuser");
    assert_refused(&app, &sign(&app, &claims).await).await;
}

async fn a_role_claim_that_disagrees_with_the_stored_party_is_refused(app: TestApp) {
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    assert_eq!(app.get("/me", &app.token("family", &family)).await.status(), StatusCode::OK);
    // Claiming admin with a family member's id must not make them an admin.
    assert_refused(&app, &app.token("admin", &family)).await;
    assert_refused(&app, &app.token("staff", &family)).await;
}

async fn only_admins_manage_organisations_parties_and_persons(app: TestApp) {
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let token = app.token("family", &family);
    for path in ["/organizations", "/parties", "/audit"] {
        assert_problem(app.get(path, &token).await, StatusCode::FORBIDDEN).await;
    }
    let attempt = app.post("/persons", &token, &json!({"display_name": "Taro"})).await;
    assert_problem(attempt, StatusCode::FORBIDDEN).await;
    assert_eq!(app.count("persons").await, 0);
}
