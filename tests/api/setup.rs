//! The first start: `serve` on a service with no admin prints a one-time set-up link; the
//! link asks for the first admin's name and address and signs them in, once, within 24
//! hours, and only while there is no admin; `tsunagu invite --role admin` prints another at
//! any time. The link's secret reaches no log.

use std::{process::Stdio, time::Duration};

use reqwest::{header, StatusCode};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::{
    cases,
    helpers::{child_command, until_serving, TestApp},
    sign_in::{browser, session_cookie},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    serve_prints_a_setup_link_that_works_once_and_never_reaches_the_log,
    a_setup_link_expires_and_a_first_start_one_is_refused_once_an_admin_exists,
    the_invite_command_prints_an_admin_link_with_the_name_filled_in,
    the_server_allocates_with_jemalloc_as_set,
];

const BINARY: &str = env!("CARGO_BIN_EXE_tsunagu");

/// `tsunagu serve` on a database with no admin: the child, the address it serves on, its log
/// so far (and the rest to read), its output after the line that announced the set-up link,
/// and that line.
pub struct FirstStart {
    pub child: tokio::process::Child,
    pub addr: String,
    pub log: crate::helpers::ServeLog,
    pub logged: Vec<String>,
    pub stdout: BufReader<tokio::process::ChildStdout>,
    pub announced: String,
}

pub async fn first_start(database_url: &str) -> FirstStart {
    let mut child = child_command(BINARY, database_url)
        .env("TSUNAGU_ADDR", "127.0.0.1:0")
        .env("TSUNAGU_LOG_FORMAT", "json")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let (addr, logged) = until_serving(&mut log).await;
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut announced = String::new();
    tokio::time::timeout(Duration::from_secs(10), stdout.read_line(&mut announced)).await.unwrap().unwrap();
    FirstStart { child, addr, log, logged, stdout, announced }
}

async fn open(url: &str) -> reqwest::Response {
    browser().get(url).send().await.unwrap()
}

/// The set-up form sent from its own page (`origin` is where the page was served).
async fn set_up(url: &str, origin: &str, form: &[(&str, &str)]) -> reqwest::Response {
    browser().post(url).header("origin", origin).form(form).send().await.unwrap()
}

async fn serve_prints_a_setup_link_that_works_once_and_never_reaches_the_log(app: TestApp) {
    let FirstStart { mut child, addr, mut log, mut logged, mut stdout, announced } =
        first_start(&app.database_url).await;
    let prefix = format!("Set up the first admin: http://{addr}/setup/");
    assert!(announced.starts_with(&prefix) && announced.trim_end().ends_with("(valid 24 hours)"), "{announced:?}");
    let url = announced.trim_end().trim_end_matches(" (valid 24 hours)").rsplit(' ').next().unwrap().to_owned();
    let token = url.rsplit('/').next().unwrap().to_owned();
    let origin = format!("http://{addr}");

    let form = open(&url).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(form.headers()[header::CACHE_CONTROL], "no-store");
    assert!(form.text().await.unwrap().contains("name=\"display_name\""));

    // A name left out comes back beside its field, the address as typed; nothing is stored.
    let refused =
        set_up(&url, &origin, &[("display_name", ""), ("channel", "email"), ("address", "it@pref.example")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("aria-invalid=\"true\"") && page.contains("value=\"it@pref.example\""), "{page}");
    assert_eq!(app.count_where("parties", "role = 'admin'").await, 0);

    let done =
        set_up(&url, &origin, &[("display_name", "Kato"), ("channel", "email"), ("address", "it@pref.example")]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()[header::LOCATION], "/app");
    let cookie = session_cookie(&done).expect("signed in");
    let home = browser().get(format!("{origin}/app")).header(header::COOKIE, &cookie).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.unwrap().contains("Kato"));
    assert_eq!(app.count_where("parties", "role = 'admin'").await, 1);
    assert_eq!(app.count_where("contact_points", "address = 'it@pref.example'").await, 1);

    // Once: the page and the form both say it cannot be used, and no second admin is made.
    assert_eq!(open(&url).await.status(), StatusCode::NOT_FOUND);
    let again =
        set_up(&url, &origin, &[("display_name", "Mallory"), ("channel", "email"), ("address", "m@x.example")]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(session_cookie(&again).is_none());
    assert_eq!(app.count_where("parties", "role = 'admin'").await, 1);

    let pid = child.id().expect("a running child").to_string();
    assert!(tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
    tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("serve stops").unwrap();
    while let Some(line) = log.next_line().await.unwrap() {
        logged.push(line);
    }
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    let logged = logged.join("\n");
    assert!(logged.contains("/setup/[redacted]"), "the set-up requests were logged, redacted: {logged}");
    assert!(!logged.contains(&token) && !rest.contains(&token), "the link's secret reached the log");
    assert!(!logged.contains("it@pref.example") && !logged.contains("Kato"), "personal data reached the log");
}

async fn a_setup_link_expires_and_a_first_start_one_is_refused_once_an_admin_exists(app: TestApp) {
    use tsunagu::workflow::sign_in::first_start_link;
    let base = app.address.clone();
    let form = [("display_name", "Kato"), ("channel", "sms"), ("address", "090-1234-5678")];

    // Unused for a day and a second: gone.
    let stale = first_start_link(&app.state, &base).await.unwrap().expect("no admin yet");
    app.clock.advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    assert_eq!(open(&stale).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(set_up(&stale, &base, &form).await.status(), StatusCode::NOT_FOUND);

    // A new start's link ends the one before it.
    let earlier = first_start_link(&app.state, &base).await.unwrap().unwrap();
    let link = first_start_link(&app.state, &base).await.unwrap().unwrap();
    assert_eq!(open(&earlier).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(open(&link).await.status(), StatusCode::OK);

    // An admin made another way: the first start's link is refused, and no new one is made.
    app.create_party(json!({"role": "admin", "display_name": "Suzuki"})).await;
    assert_eq!(open(&link).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(set_up(&link, &base, &form).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(first_start_link(&app.state, &base).await.unwrap(), None);
    assert_eq!(app.count_where("parties", "role = 'admin'").await, 1);
}

async fn the_invite_command_prints_an_admin_link_with_the_name_filled_in(app: TestApp) {
    app.create_party(json!({"role": "admin", "display_name": "Suzuki"})).await;
    let output = child_command(BINARY, &app.database_url)
        .env("TSUNAGU_PUBLIC_URL", &app.address)
        .args(["invite", "--role", "admin", "--name", "Ito Emi"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let url = stdout.split_whitespace().find(|word| word.starts_with("http")).expect("a link").to_owned();
    assert!(url.starts_with(&format!("{}/setup/", app.address)), "{stdout}");
    let page = open(&url).await;
    assert_eq!(page.status(), StatusCode::OK, "an admin link works while admins exist");
    assert!(page.text().await.unwrap().contains("value=\"Ito Emi\""));
    let done = set_up(
        &url,
        &app.address,
        &[("display_name", "Ito Emi"), ("channel", "email"), ("address", "ito@pref.example")],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count_where("parties", "role = 'admin'").await, 2);

    // Only admins are invited from the command line.
    let staff = child_command(BINARY, &app.database_url)
        .args(["invite", "--role", "staff", "--name", "Sato"])
        .output()
        .await
        .unwrap();
    assert!(!staff.status.success());
    assert!(String::from_utf8_lossy(&staff.stderr).contains("only admins are invited from the command line"));
}

/// The served process allocates with jemalloc and has read the settings the binary carries
/// (`tsunagu::memory::JEMALLOC_CONF`): its background thread, which only those settings start,
/// is running. Without the settings, or with the system's allocator, there is no such thread.
async fn the_server_allocates_with_jemalloc_as_set(app: TestApp) {
    if !cfg!(target_os = "linux") {
        eprintln!("skipped: the server's threads are read from /proc, which only Linux has");
        return;
    }
    let FirstStart { mut child, .. } = first_start(&app.database_url).await;
    let pid = child.id().expect("a running child").to_string();
    let mut threads = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("the server's threads") {
        let comm = task.expect("a thread").path().join("comm");
        // A thread may end between the listing and the read.
        if let Ok(name) = std::fs::read_to_string(comm) {
            threads.push(name.trim().to_owned());
        }
    }
    assert!(threads.iter().any(|name| name.starts_with("jemalloc_bg_thd")), "{threads:?}");
    assert!(tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
    tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("serve stops").unwrap();
}
