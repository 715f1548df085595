//! Systems sign in by the OAuth 2.0 client-credentials grant; a burst at the token endpoint
//! leaves a served instance's memory flat; disabling a party shuts every door it has at once.

use std::process::Stdio;

use chrono::Duration;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Child,
};

use crate::{
    cases,
    helpers::{assert_problem, id_of, until_serving, TestApp},
    sign_in::{browser, invite, me, redeem, resident, signed_in},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_probation_system_gets_its_own_token_and_pushes_a_date,
    a_burst_of_wrong_secrets_leaves_the_memory_of_a_served_instance_flat,
    disabling_a_party_shuts_its_sessions_and_tokens_within_one_request,
];

async fn a_probation_system_gets_its_own_token_and_pushes_a_date(app: TestApp) {
    let r = resident(&app).await;
    let office = app.create_organization("probation_office").await;
    let system =
        app.create_party(json!({"role": "probation", "display_name": "System", "organization_id": office})).await;
    let link = json!({"party_id": system, "relationship": "probation_officer", "scope": ["release"]});
    assert_eq!(app.post(&format!("/persons/{}/links", r.person), &r.staff, &link).await.status(), StatusCode::CREATED);

    // Only admins give out credentials; the secret is shown once.
    let refused = app.post(&format!("/parties/{system}/credentials"), &r.staff, &json!({})).await;
    assert_problem(refused, StatusCode::FORBIDDEN).await;
    let created = app.post(&format!("/parties/{system}/credentials"), &app.admin(), &json!({})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let credential: Value = created.json().await.unwrap();
    let (client_id, secret) =
        (credential["client_id"].as_str().unwrap(), credential["client_secret"].as_str().unwrap());
    let listed: Value = app.get(&format!("/parties/{system}/credentials"), &app.admin()).await.json().await.unwrap();
    assert!(!listed.to_string().contains(secret), "the secret is never shown again");
    assert_eq!(app.count_where("client_credentials", &format!("secret_hash LIKE '%{secret}%'")).await, 0);

    let token_request = |id: &str, secret: &str, grant: &str| {
        browser()
            .post(format!("{}/oauth/token", app.address))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", grant)])
            .send()
    };
    let wrong = token_request(client_id, "not-the-secret", "client_credentials").await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Basic"));
    assert_eq!(wrong.json::<Value>().await.unwrap()["error"], "invalid_client");
    let unknown = token_request("tsu_nobody", secret, "client_credentials").await.unwrap();
    assert_eq!(unknown.json::<Value>().await.unwrap()["error"], "invalid_client");
    let grant = token_request(client_id, secret, "password").await.unwrap();
    assert_eq!(grant.status(), StatusCode::BAD_REQUEST);
    assert_eq!(grant.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");

    let issued = token_request(client_id, secret, "client_credentials").await.unwrap();
    assert_eq!(issued.status(), StatusCode::OK);
    assert_eq!(issued.headers()[header::CACHE_CONTROL], "no-store");
    let issued: Value = issued.json().await.unwrap();
    assert_eq!((issued["token_type"].as_str(), issued["expires_in"].as_i64()), (Some("Bearer"), Some(3600)));
    let token = issued["access_token"].as_str().unwrap();

    let push = json!({"person_id": r.person, "kind": "release", "on": "2027-06-01", "release_type": "full_term"});
    let pushed = app
        .client
        .put(app.url("/integrations/schedule/REL-2027-0001"))
        .bearer_auth(token)
        .json(&push)
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);
    assert_eq!(app.count_where("audit_events", "action = 'credential.use' AND outcome = 'allowed'").await, 1);

    // An hour later the token is spent; revoking the credential ends it at once.
    app.clock.advance(Duration::minutes(61));
    assert_problem(app.get("/me", token).await, StatusCode::UNAUTHORIZED).await;
    app.clock.advance(Duration::minutes(-61));
    assert_eq!(app.get("/me", token).await.status(), StatusCode::OK);
    let revoked = app.delete(&format!("/parties/{system}/credentials/{}", id_of(&credential)), &app.admin()).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get("/me", token).await, StatusCode::UNAUTHORIZED).await;
    let again = token_request(client_id, secret, "client_credentials").await.unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

async fn disabling_a_party_shuts_its_sessions_and_tokens_within_one_request(app: TestApp) {
    let r = resident(&app).await;
    let cookie = signed_in(&app, &r.family).await;
    let spare = invite(&app, &app.admin(), &r.family).await;
    let office = app.create_organization("probation_office").await;
    let system =
        app.create_party(json!({"role": "probation", "display_name": "System", "organization_id": office})).await;
    let credential: Value =
        app.post(&format!("/parties/{system}/credentials"), &app.admin(), &json!({})).await.json().await.unwrap();
    let token_request = || {
        browser()
            .post(format!("{}/oauth/token", app.address))
            .basic_auth(credential["client_id"].as_str().unwrap(), credential["client_secret"].as_str())
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    let issued: Value = token_request().await.unwrap().json().await.unwrap();
    let token = issued["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me(&app, &cookie).await.status(), StatusCode::OK);
    assert_eq!(app.get("/me", &token).await.status(), StatusCode::OK);

    for party in [&r.family, &system] {
        let disabled = app.patch(&format!("/parties/{party}"), &app.admin(), &json!({"disabled": true})).await;
        assert_eq!(disabled.status(), StatusCode::OK);
    }
    // The very next request of each is refused.
    assert_problem(me(&app, &cookie).await, StatusCode::UNAUTHORIZED).await;
    assert_problem(app.get("/me", &token).await, StatusCode::UNAUTHORIZED).await;
    assert_problem(app.get("/me", &app.token("family", &r.family)).await, StatusCode::UNAUTHORIZED).await;
    assert_eq!(token_request().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(redeem(&app, spare["code"].as_str().unwrap()).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count_where("sessions", "end_reason = 'disabled'").await, 1);
    assert_eq!(app.count_where("client_credentials", "revoked_at IS NOT NULL").await, 1);
    // Enabling her again does not bring the old session back.
    let enabled = app.patch(&format!("/parties/{}", r.family), &app.admin(), &json!({"disabled": false})).await;
    assert_eq!(enabled.status(), StatusCode::OK);
    assert_problem(me(&app, &cookie).await, StatusCode::UNAUTHORIZED).await;
}

/// A `serve` process on the test's database, and the address it reports.
async fn served(database_url: &str) -> (Child, String) {
    let mut child = crate::helpers::child_command(env!("CARGO_BIN_EXE_tsunagu"), database_url)
        .arg("serve")
        .env("TSUNAGU_ADDR", "127.0.0.1:0")
        .env("TSUNAGU_LOG_FORMAT", "json")
        // The burst below comes from one address: its share of connections is raised, so what
        // is measured is the hashing, not the connection bound (tested in `slow_clients`).
        .env("TSUNAGU_MAX_CONNECTIONS_PER_CLIENT", "512")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (addr, _) = until_serving(&mut lines).await;
    // Its log is read no further; keep the pipe drained so the server never blocks on it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{addr}"))
}

/// The most memory the process has held so far (`VmHWM`), in KiB.
fn peak_kib(child: &Child) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id().unwrap())).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

async fn a_burst_of_wrong_secrets_leaves_the_memory_of_a_served_instance_flat(app: TestApp) {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("note: no /proc here, so the token endpoint's memory is not measured");
        return;
    }
    let office = app.create_organization("probation_office").await;
    let system =
        app.create_party(json!({"role": "probation", "display_name": "System", "organization_id": office})).await;
    let credential: Value =
        app.post(&format!("/parties/{system}/credentials"), &app.admin(), &json!({})).await.json().await.unwrap();
    let client_id = credential["client_id"].as_str().unwrap().to_owned();
    let (child, base) = served(&app.database_url).await;
    let client = reqwest::Client::new();
    let wrong = |client: reqwest::Client, base: String, id: String| async move {
        let answer = client
            .post(format!("{base}/oauth/token"))
            .basic_auth(id, Some("not-the-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        answer.status()
    };
    // A few hashes first, so the baseline holds what the workers keep.
    for _ in 0..3 {
        assert_eq!(wrong(client.clone(), base.clone(), client_id.clone()).await, StatusCode::UNAUTHORIZED);
    }
    let before = peak_kib(&child);
    let burst: Vec<_> =
        (0..200).map(|_| tokio::spawn(wrong(client.clone(), base.clone(), client_id.clone()))).collect();
    let mut statuses = Vec::new();
    for request in burst {
        statuses.push(request.await.unwrap());
    }
    let after = peak_kib(&child);
    assert!(statuses.iter().all(|status| matches!(*status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS)));
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "the burst is limited");
    // Each hash takes about 19 MiB, in memory its worker keeps: a second worker may join in.
    assert!(after - before < 40 * 1024, "the peak grew by {} MiB in the burst", (after - before) / 1024);
}
