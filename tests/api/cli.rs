use std::{process::Stdio, time::Duration};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Command,
};

use crate::{
    cases,
    helpers::{until_serving, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    the_token_command_mints_an_admin_token_the_server_accepts,
    the_token_command_mints_a_party_token_from_the_stored_party,
    the_token_command_names_a_missing_party,
    a_bad_address_fails_with_one_clear_line,
    an_unreachable_database_fails_with_one_clear_line,
    a_bad_risk_rules_file_fails_with_one_clear_line,
    serve_stops_gracefully_on_sigterm_and_logs_no_personal_data,
    serve_raises_its_open_file_limit_and_says_so,
];

const BINARY: &str = env!("CARGO_BIN_EXE_tsunagu");

/// The binary with a clean environment: only what the test gives it.
fn tsunagu(database_url: &str) -> Command {
    crate::helpers::child_command(BINARY, database_url)
}

async fn run(command: &mut Command) -> (bool, String, String) {
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("the command finishes")
        .expect("the command runs");
    (output.status.success(), String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

async fn the_token_command_mints_an_admin_token_the_server_accepts(app: TestApp) {
    let (ok, stdout, stderr) =
        run(tsunagu(&app.database_url).args(["token", "--role", "admin", "--subject", "alice"])).await;
    assert!(ok, "{stderr}");
    // Only the token: one line, three dot-separated parts.
    let token = stdout.trim_end_matches('\n');
    assert!(!token.contains('\n') && token.split('.').count() == 3, "{stdout:?}");
    let response = app.get("/me", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["subject"], "alice");
    assert_eq!(me["role"], "admin");
    assert_eq!(app.get("/persons", token).await.status(), StatusCode::OK);
}

async fn the_token_command_mints_a_party_token_from_the_stored_party(app: TestApp) {
    let facility = app.create_organization("rehab_facility").await;
    let staff = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": facility})).await;
    let (ok, stdout, stderr) = run(tsunagu(&app.database_url).args(["token", "--party", &staff])).await;
    assert!(ok, "{stderr}");
    let me: Value = app.get("/me", stdout.trim()).await.json().await.unwrap();
    assert_eq!(me["role"], "staff");
    assert_eq!(me["subject"], staff.as_str());
    assert_eq!(me["organization_id"], facility.as_str());
    assert_eq!(me["party"]["display_name"], "Sato");
}

async fn the_token_command_names_a_missing_party(app: TestApp) {
    let missing = uuid::Uuid::new_v4().to_string();
    let (ok, stdout, stderr) = run(tsunagu(&app.database_url).args(["token", "--party", &missing])).await;
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(stderr.contains(&format!("no party with id {missing}")), "{stderr}");
}

fn assert_one_clear_line(stderr: &str, expected: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one line, got {stderr:?}");
    assert!(lines[0].starts_with("tsunagu: ") && lines[0].contains(expected), "{stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr:?}");
}

async fn a_bad_address_fails_with_one_clear_line(app: TestApp) {
    let (ok, _, stderr) = run(tsunagu(&app.database_url).env("TSUNAGU_ADDR", "nonsense").arg("serve")).await;
    assert!(!ok);
    assert_one_clear_line(&stderr, "TSUNAGU_ADDR=\"nonsense\"");
}

async fn an_unreachable_database_fails_with_one_clear_line(_app: TestApp) {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let url = "postgres://tsunagu:hunter2hunter2@127.0.0.1:1/tsunagu";
    let (ok, _, stderr) = run(tsunagu(url).env("TSUNAGU_ADDR", "127.0.0.1:0").arg("serve")).await;
    assert!(!ok);
    assert_one_clear_line(&stderr, "cannot open the database at postgres://tsunagu:***@127.0.0.1:1/tsunagu");
    assert!(!stderr.contains("hunter2"), "the password leaked: {stderr}");
}

async fn a_bad_risk_rules_file_fails_with_one_clear_line(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"{"bail_craving": {"lead_days": []}}"#).unwrap();
    let mut command = tsunagu(&app.database_url);
    command.env("TSUNAGU_ADDR", "127.0.0.1:0").env("TSUNAGU_RISK_RULES", &rules).arg("serve");
    let (ok, _, stderr) = run(&mut command).await;
    assert!(!ok);
    assert_one_clear_line(&stderr, "rule bail_craving: lead_days must name 1 or more days");
}

async fn serve_stops_gracefully_on_sigterm_and_logs_no_personal_data(app: TestApp) {
    let mut child = tsunagu(&app.database_url)
        .env("TSUNAGU_ADDR", "127.0.0.1:0")
        .env("TSUNAGU_LOG_FORMAT", "json")
        .arg("serve")
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (addr, mut log) = until_serving(&mut lines).await;

    // Served by the child, with a token the test minted against the same database.
    let token = app.token("admin", "carer");
    let name = "Distinctive-Name-Kazuo";
    let created = app
        .client
        .post(format!("http://{addr}/api/v1/persons"))
        .bearer_auth(&token)
        .json(&json!({"display_name": name, "birth_date": "1990-04-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);

    // A calendar feed fetched through the child: its URL is a secret too.
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let feed: Value = app
        .client
        .post(format!("http://{addr}/api/v1/me/calendar-feed"))
        .bearer_auth(app.token("family", &family))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let feed_url = feed["url"].as_str().unwrap().to_owned();
    assert_eq!(app.client.get(&feed_url).send().await.unwrap().status(), StatusCode::OK);
    let feed_secret = feed_url.rsplit('/').next().unwrap().trim_end_matches(".ics").to_owned();

    let pid = child.id().expect("a running child").to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(killed.success());
    let status =
        tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("serve stops after SIGTERM").unwrap();
    assert!(status.success(), "serve exited with {status}");

    while let Some(line) = lines.next_line().await.unwrap() {
        log.push(line);
    }
    let log = log.join("\n");
    assert!(log.contains("\"status\":201"), "the request was logged: {log}");
    assert!(log.contains("/feeds/[redacted]"), "the feed fetch was logged, redacted");
    for secret in [token.as_str(), name, "1990-04-01", feed_secret.as_str()] {
        assert!(!log.contains(secret), "{secret:?} reached the log");
    }
}

/// The soft and hard "Max open files" of a process.
fn open_file_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits.lines().find(|line| line.starts_with("Max open files")).unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    (numbers[0].to_owned(), numbers[1].to_owned())
}

async fn serve_raises_its_open_file_limit_and_says_so(app: TestApp) {
    if !std::path::Path::new("/proc/self/limits").exists() {
        eprintln!("note: no /proc here, so the open-file limit is not checked");
        return;
    }
    // Started with a soft limit of 256, as the attack's host had.
    let mut child = crate::helpers::child_command("sh", &app.database_url)
        .args(["-c", "ulimit -Sn 256 && exec \"$TSUNAGU_BINARY\" serve"])
        .env("TSUNAGU_BINARY", BINARY)
        .env("TSUNAGU_ADDR", "127.0.0.1:0")
        .env("TSUNAGU_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (_, log) = until_serving(&mut lines).await;
    let (soft, hard) = open_file_limits(child.id().unwrap());
    assert_eq!(soft, hard, "the soft limit is raised to the hard one");
    let logged = log
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).unwrap_or(Value::Null))
        .find(|entry| entry["fields"]["message"] == "open-file limit raised")
        .map(|entry| entry["fields"].clone())
        .expect("the raise is logged");
    assert_eq!(logged["was"], 256);
    assert_eq!(logged["soft"].to_string(), hard.replace("unlimited", "18446744073709551615"));
    child.kill().await.unwrap();
}
