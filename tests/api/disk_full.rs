//! The disk fills up under the service: every write is refused with 503 (nothing stored) or
//! truly stored, and once space returns writes succeed again by themselves; every id answered
//! 201 reads back through a fresh connection. SQLite on a 20 MiB tmpfs mounted for the test
//! (root only: elsewhere the test says so and stops).

use std::{io::Write, path::PathBuf, process::Command};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    cases,
    helpers::{spawn_app, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![writes_after_the_disk_fills_are_refused_or_kept_never_lost];

/// A small tmpfs, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).ok()?;
        let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=20m", "tmpfs"]).arg(&path).output();
        match mounted {
            Ok(out) if out.status.success() => Some(Self { path, _dir: dir }),
            _ => None,
        }
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> PathBuf {
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).and_then(|_| file.sync_data()).is_ok() {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

async fn create(app: &TestApp, n: usize) -> reqwest::Response {
    app.post("/persons", &app.admin(), &json!({"display_name": format!("P{n}")})).await
}

async fn writes_after_the_disk_fills_are_refused_or_kept_never_lost(app: TestApp) {
    if !app.database_url.starts_with("sqlite:") {
        return; // The disk under PostgreSQL is its server's; this is SQLite's own file.
    }
    let Some(disk) = SmallDisk::mount() else {
        eprintln!("note: cannot mount a tmpfs here (root only), so the disk-full test is skipped; .ci/run runs it");
        return;
    };
    let url = format!("sqlite://{}?mode=rwc", disk.path.join("tsunagu.db").display());
    let served = spawn_app(&url).await;
    let mut stored = Vec::new();
    for n in 0..3 {
        let created = create(&served, n).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        stored.push(created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }

    // Invitations made while there is room, to be redeemed on the full disk.
    let mut codes = Vec::new();
    for n in 0..3 {
        let party = served.create_party(json!({"role": "family", "display_name": format!("F{n}")})).await;
        let invitation = crate::sign_in::invite(&served, &served.admin(), &party).await;
        codes.push(invitation["code"].as_str().unwrap().to_owned());
    }

    let filler = disk.fill();
    let mut refused = 0;
    for n in 3..11 {
        let answer = create(&served, n).await;
        match answer.status() {
            StatusCode::CREATED => {
                stored.push(answer.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned())
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(answer.headers()["retry-after"], "30");
                assert_eq!(answer.headers()["content-type"], "application/problem+json");
                refused += 1;
            }
            other => panic!("a write on a full disk answered {other}"),
        }
    }
    assert!(refused > 0, "the full disk refused some write");
    // Signing in writes a session: on the full disk it is refused with the same 503, in words.
    let mut sign_in_refused = false;
    for code in &codes {
        let answer = crate::sign_in::redeem(&served, code).await;
        match answer.status() {
            StatusCode::SEE_OTHER => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(answer.headers()["retry-after"], "30");
                assert!(answer.text().await.unwrap().contains("1分ほどしてから"), "the page says to try again");
                sign_in_refused = true;
                break;
            }
            other => panic!("signing in on a full disk answered {other}"),
        }
    }
    assert!(sign_in_refused, "a sign-in on the full disk was refused");
    let health = served.client.get(format!("{}/healthz", served.address)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE, "/healthz tells the database takes no writes");
    let problem: Value = health.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("takes no writes"), "{problem}");

    // Space returns: writes succeed again by themselves.
    std::fs::remove_file(filler).unwrap();
    for n in 11..14 {
        let created = create(&served, n).await;
        assert_eq!(created.status(), StatusCode::CREATED, "a write after space returned");
        stored.push(created.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let health = served.client.get(format!("{}/healthz", served.address)).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "/healthz is well again once writes are");
    drop(served);

    // Every id answered 201 is on disk: read back by a fresh instance.
    let fresh = spawn_app(&url).await;
    for id in &stored {
        assert_eq!(fresh.get(&format!("/persons/{id}"), &fresh.admin()).await.status(), StatusCode::OK, "{id}");
    }
}
