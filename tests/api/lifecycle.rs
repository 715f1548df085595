//! The data's life: a backup taken while the service writes, a backup cut short, a restore
//! refused while a server runs; the person's export and erasure (no trace left in responses or
//! in the database's bytes); the retention review and the provision records' keeping period.

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::process::Command;
use tsunagu::{
    backup::{self, BackupError},
    config::DatabaseUrl,
    scheduler::tick,
};

use crate::{
    cases,
    helpers::{assert_problem, id_of, spawn_app, TestApp},
    sign_in::signed_in,
};

pub const TESTS: &[crate::helpers::Case] = cases![
    a_backup_taken_while_the_service_writes_passes_its_check_and_serves,
    a_backup_cut_short_leaves_nothing_under_its_name_and_a_restore_waits_for_the_server,
    the_person_gets_everything_held_and_an_erasure_leaves_no_trace,
    the_retention_review_lists_only_the_idle_and_old_provision_records_go,
    the_retention_review_counts_from_the_dates_of_the_record_not_when_it_was_written,
];

fn is_postgres(app: &TestApp) -> bool {
    !app.database_url.starts_with("sqlite:")
}

/// The permission bits of a file.
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn a_backup_taken_while_the_service_writes_passes_its_check_and_serves(app: TestApp) {
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("tsunagu-backup.db");
    if is_postgres(&app) {
        let refused = backup::backup(&url, &target, false).await.unwrap_err();
        assert!(matches!(refused, BackupError::Postgres) && refused.to_string().contains("pg_dump"));
        return;
    }
    let before = id_of(&app.create("/persons", json!({"display_name": "Before"})).await);
    // A writer keeps writing while the backup is taken.
    let writer = {
        let (client, url, token) = (app.client.clone(), app.url("/persons"), app.admin());
        tokio::spawn(async move {
            for n in 0..60 {
                let body = json!({"display_name": format!("During {n}")});
                let created = client.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                assert_eq!(created.status(), StatusCode::CREATED);
            }
        })
    };
    backup::backup(&url, &target, false).await.expect("a backup while writing");
    writer.await.unwrap();
    backup::verify(&target).await.expect("the backup passes the integrity check");
    let refused = backup::backup(&url, &target, false).await.unwrap_err();
    assert!(matches!(refused, BackupError::Exists(_)), "no overwrite without --force");
    backup::backup(&url, &target, true).await.expect("--force replaces it");

    // The database, its log and the backup are the service's user's alone.
    let database = backup::sqlite_file(&url).unwrap();
    let wal = std::path::PathBuf::from(format!("{}-wal", database.display()));
    for file in [&database, &wal, &target] {
        assert_eq!(mode_of(file), 0o600, "{} is readable by others", file.display());
    }

    // The backup serves: the person recorded before it is there.
    let copy = format!("sqlite://{}?mode=rw", target.display());
    let restored = spawn_app(&copy).await;
    let read = restored.get(&format!("/persons/{before}"), &restored.admin()).await;
    assert_eq!(read.status(), StatusCode::OK);
}

async fn a_backup_cut_short_leaves_nothing_under_its_name_and_a_restore_waits_for_the_server(app: TestApp) {
    if is_postgres(&app) {
        return;
    }
    for n in 0..40 {
        app.create("/persons", json!({"display_name": format!("Resident {n}")})).await;
    }
    let dir = tempfile::tempdir().unwrap();
    // Killed at once, and again after it has begun: whatever stands under the name afterwards
    // is a whole, verified backup, or nothing.
    for attempt in 0..3 {
        let target = dir.path().join(format!("cut-{attempt}.db"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_tsunagu"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.database_url)
            .args(["backup", &target.display().to_string()])
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        if attempt > 0 {
            // Let it get going: wait for its temporary file to appear (bounded), then kill it.
            for _ in 0..2_000 {
                let started = std::fs::read_dir(dir.path())
                    .unwrap()
                    .flatten()
                    .any(|entry| entry.file_name().to_string_lossy().starts_with(&format!("cut-{attempt}.db.partial")));
                if started || target.exists() {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        child.start_kill().unwrap();
        let _ = child.wait().await;
        if target.exists() {
            backup::verify(&target).await.expect("a file under the name is a whole backup");
        }
    }

    // A restore is refused while a server holds the database, and works once it is gone.
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let saved = dir.path().join("saved.db");
    backup::backup(&url, &saved, false).await.unwrap();
    let elsewhere = dir.path().join("restored.db");
    let elsewhere_url = DatabaseUrl::parse(&format!("sqlite://{}?mode=rwc", elsewhere.display())).unwrap();
    let lock = backup::hold(&elsewhere).unwrap().expect("the lock, as a server would hold it");
    let refused = backup::restore(&elsewhere_url, &saved).await.unwrap_err();
    assert!(matches!(refused, BackupError::InUse(_)), "{refused}");
    drop(lock);
    backup::restore(&elsewhere_url, &saved).await.expect("restored with no server running");
    let served = spawn_app(&format!("sqlite://{}?mode=rw", elsewhere.display())).await;
    let persons: Value = served.get("/persons?limit=200", &served.admin()).await.json().await.unwrap();
    assert_eq!(persons["items"].as_array().unwrap().len(), 40);
}

const NAME: &str = "Zqxjv Erasable";
const NOTE: &str = "note-only-about-zqxjv";

async fn the_person_gets_everything_held_and_an_erasure_leaves_no_trace(app: TestApp) {
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person = id_of(&app.post("/persons", &staff, &json!({"display_name": NAME})).await.json().await.unwrap());
    let family = app.create_party(json!({"role": "family", "display_name": "Hanako"})).await;
    let body = json!({"party_id": family, "relationship": "family", "scope": ["release", "lapse"]});
    assert_eq!(app.post(&format!("/persons/{person}/links"), &staff, &body).await.status(), StatusCode::CREATED);
    let own = app.create_party(json!({"role": "person", "display_name": NAME, "person_id": person})).await;
    let today = app.today().to_string();
    let release = json!({"kind": "release", "scheduled_on": today, "release_type": "full_term"});
    let release =
        id_of(&app.post(&format!("/persons/{person}/milestones"), &staff, &release).await.json().await.unwrap());
    let event = json!({"event": "release", "on": today, "note": NOTE});
    assert_eq!(app.post(&format!("/milestones/{release}/events"), &staff, &event).await.status(), StatusCode::CREATED);
    let lapse = json!({"on": today, "note": NOTE});
    assert_eq!(app.post(&format!("/persons/{person}/lapses"), &staff, &lapse).await.status(), StatusCode::CREATED);
    let custody = json!({"event": "start", "on": today});
    assert_eq!(app.post(&format!("/persons/{person}/custody"), &staff, &custody).await.status(), StatusCode::CREATED);
    // The facility's system hears of alerts by webhook (its receiver is down: the messages wait).
    let hook = app.post("/webhooks", &staff, &json!({"url": "http://127.0.0.1:9/hook"})).await;
    assert_eq!(hook.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    let family_alerts: Value = app.get("/me/alerts", &app.token("family", &family)).await.json().await.unwrap();
    assert!(!family_alerts["items"].as_array().unwrap().is_empty());
    let team: Value = app.get(&format!("/organizations/{org}/alerts"), &staff).await.json().await.unwrap();
    let alert = id_of(&team["items"][0]);
    let contact = json!({"outcome": "reached", "note": NOTE});
    assert_eq!(app.post(&format!("/alerts/{alert}/contacts"), &staff, &contact).await.status(), StatusCode::CREATED);
    assert!(app.count_where("outbox_messages", "status = 'pending'").await > 0, "messages wait to be sent");

    // Everything held, to an admin and to the person themself.
    let export: Value = app.get(&format!("/persons/{person}/export"), &app.admin()).await.json().await.unwrap();
    for kind in [
        "placements",
        "links",
        "consent_records",
        "milestones",
        "milestone_events",
        "lapses",
        "alerts",
        "provision_records",
        "audit_events",
    ] {
        assert!(!export[kind].as_array().unwrap().is_empty(), "the export holds {kind}");
    }
    assert_eq!(export["person"]["display_name"], NAME);
    let cookie = signed_in(&app, &own).await;
    let mine = app.client.get(app.url("/me/export")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(mine.json::<Value>().await.unwrap()["person"]["id"], person.as_str());
    assert_problem(app.get(&format!("/persons/{person}/export"), &staff).await, StatusCode::FORBIDDEN).await;
    assert_problem(app.get("/me/export", &app.token("family", &family)).await, StatusCode::FORBIDDEN).await;

    // Erased.
    let provisions = app.count_where("provision_records", &format!("person_id = '{person}'")).await;
    let audit = app.count("audit_events").await;
    let refused = app.post(&format!("/persons/{person}/erasure"), &app.admin(), &json!({"reason": " "})).await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    let erased =
        app.post(&format!("/persons/{person}/erasure"), &app.admin(), &json!({"reason": "the person asked"})).await;
    assert_eq!(erased.status(), StatusCode::OK);
    for caller in [app.admin(), staff.clone(), app.token("family", &family)] {
        assert_problem(app.get(&format!("/persons/{person}"), &caller).await, StatusCode::NOT_FOUND).await;
    }
    let family_alerts: Value = app.get("/me/alerts", &app.token("family", &family)).await.json().await.unwrap();
    assert!(family_alerts["items"].as_array().unwrap().is_empty(), "nothing about him is shown");
    assert_eq!(app.count_where("provision_records", &format!("person_id = '{person}'")).await, provisions, "kept");
    assert!(app.count("audit_events").await > audit, "the audit trail is kept, and the erasure is in it");
    assert_eq!(app.count_where("alerts", "1 = 1").await, 0);
    // Nothing is sent about him later: a tick a month on writes nothing.
    app.clock.advance(Duration::days(30));
    tick(&app.state).await.unwrap();
    assert_eq!(app.count("alerts").await, 0);
    assert_eq!(app.count_where("outbox_messages", "status = 'pending'").await, 0);
    assert_eq!(
        app.client.get(app.url("/me")).header("cookie", &cookie).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Neither the name nor the note is anywhere in the database's files.
    if !is_postgres(&app) {
        let path = app.database_url.trim_start_matches("sqlite://").split('?').next().unwrap().to_owned();
        for file in [path.clone(), format!("{path}-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for secret in [NAME, NOTE] {
                let found = bytes.windows(secret.len()).any(|window| window == secret.as_bytes());
                assert!(!found, "{secret} is still in {file}");
            }
        }
    }
}

async fn the_retention_review_lists_only_the_idle_and_old_provision_records_go(app: TestApp) {
    app.clock.set(Utc.with_ymd_and_hms(2019, 3, 1, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let idle = id_of(&app.post("/persons", &staff, &json!({"display_name": "Long gone"})).await.json().await.unwrap());
    let active =
        id_of(&app.post("/persons", &staff, &json!({"display_name": "Still here"})).await.json().await.unwrap());
    let placements: Value = app.get(&format!("/persons/{idle}/placements"), &staff).await.json().await.unwrap();
    let placement = id_of(&placements["items"][0]);
    let ended =
        app.patch(&format!("/persons/{idle}/placements/{placement}"), &staff, &json!({"end_on": app.today()})).await;
    assert_eq!(ended.status(), StatusCode::OK);
    // A provision record made now, in 2019.
    let family = app.create_party(json!({"role": "family", "display_name": "F"})).await;
    let body = json!({"party_id": family, "relationship": "family"});
    assert_eq!(app.post(&format!("/persons/{active}/links"), &staff, &body).await.status(), StatusCode::CREATED);
    let release = json!({"kind": "release", "scheduled_on": app.today(), "release_type": "full_term"});
    let release =
        id_of(&app.post(&format!("/persons/{active}/milestones"), &staff, &release).await.json().await.unwrap());
    let event = json!({"event": "release", "on": app.today()});
    assert_eq!(app.post(&format!("/milestones/{release}/events"), &staff, &event).await.status(), StatusCode::CREATED);
    tick(&app.state).await.unwrap();
    assert!(app.count("provision_records").await > 0);

    app.clock.set(Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap());
    let review: Value = app.get("/retention-review", &app.admin()).await.json().await.unwrap();
    let listed: Vec<&str> =
        review["items"].as_array().unwrap().iter().map(|item| item["person_id"].as_str().unwrap()).collect();
    assert_eq!(review["years"], 5);
    assert_eq!(listed, [idle.as_str()], "only the one with no placement and nothing for five years");
    let staff_now = app.token("staff", &staff_party);
    assert_problem(app.get("/retention-review", &staff_now).await, StatusCode::FORBIDDEN).await;

    // Three years on, the provision records of 2019 are deleted by the scheduler.
    tick(&app.state).await.unwrap();
    assert_eq!(app.count("provision_records").await, 0);
}

async fn the_retention_review_counts_from_the_dates_of_the_record_not_when_it_was_written(app: TestApp) {
    let admin = app.admin();
    let org = app.create_organization("rehab_facility").await;
    // Imported today: one who left eight years ago, one who left last year, one still here.
    let left_long_ago = app.today() - chrono::Duration::days(8 * 365);
    let left_last_year = app.today() - chrono::Duration::days(365);
    let text = format!(
        "display_name,placement_start_on,placement_end_on,bail_requested_on\n\
         Long Gone,{start},{left_long_ago},{start}\n\
         Last Year,{start},{left_last_year},\n\
         Still Here,{start},,\n",
        start = left_long_ago - chrono::Duration::days(300),
    );
    let checked: Value = app
        .client
        .post(app.url(&format!("/organizations/{org}/imports")))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(text)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(checked["refused"], json!([]), "{checked}");
    let id = checked["id"].as_str().unwrap();
    let stored = app.client.post(app.url(&format!("/imports/{id}/confirm"))).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(stored.status(), StatusCode::CREATED);

    let review: Value = app.get("/retention-review", &admin).await.json().await.unwrap();
    let listed: Vec<(&str, &str)> = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| (item["display_name"].as_str().unwrap(), item["last_activity_on"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("Long Gone", left_long_ago.to_string().as_str())]);
}
