//! Several instances on one PostgreSQL database: three `serve` processes share ten thousand due
//! alerts; one is killed with SIGKILL mid-run. Every alert reaches the inbox once and its
//! webhook once per `webhook-id`; the survivors finish the work.

use std::{
    collections::{HashMap, HashSet},
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::Utc;
use poem::{
    handler,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Json},
    EndpointExt, Request, Route,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Statement};
use serde_json::Value;
use tokio::process::{Child, Command};
use tsunagu::entity::{alert, link, organization, party, person, placement};
use tsunagu::{domain::Relationship, outbox::webhook::ALERT_DELIVERED};
use uuid::Uuid;

use crate::{cases, helpers::TestApp};

/// PostgreSQL only: the claim is `FOR UPDATE SKIP LOCKED` there, and scaling out is what it
/// is for. (SQLite's single-instance claim is raced in the alerts suite.)
pub const POSTGRES_ONLY: &[crate::helpers::Case] =
    cases![three_instances_deliver_ten_thousand_alerts_once_though_one_is_killed];

const ALERTS: usize = 10_000;
const PERSONS: usize = 100;
const BINARY: &str = env!("CARGO_BIN_EXE_tsunagu");
const SECRET: &str = "scale-out-test-secret-scale-out-test-secret";

/// Each `webhook-id` received, with the alert it carried and how many times it came.
#[derive(Clone, Default)]
struct Receipts(Arc<Mutex<HashMap<String, (String, usize)>>>);

impl Receipts {
    fn distinct(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

#[handler]
async fn receive(req: &Request, body: Json<Value>, receipts: Data<&Receipts>) {
    let id = req.headers().get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let alert = body["data"]["alert_id"].as_str().unwrap_or_default().to_owned();
    receipts.0 .0.lock().unwrap().entry(id).or_insert((alert, 0)).1 += 1;
}

async fn receiver() -> (String, Receipts) {
    let receipts = Receipts::default();
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = Route::new().at("/hook", poem::post(receive)).data(receipts.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/hook"), receipts)
}

/// A facility whose staff each look after one resident, with a webhook subscription, and
/// `ALERTS` alerts due now spread over them, each for its own period. Returns the alert ids.
async fn seed(db: &DatabaseConnection, writer: &tsunagu::store::Writer, hook: &str) -> HashSet<Uuid> {
    let now = Utc::now();
    let facility = organization::Model {
        id: Uuid::now_v7(),
        kind: "rehab_facility".parse().unwrap(),
        name: "Facility".into(),
        timezone: "Asia/Tokyo".parse().unwrap(),
        phone: None,
        hours: None,
        helps_with: None,
        area: None,
        created_at: now,
        updated_at: now,
    };
    facility.clone().into_active_model().reset_all().insert(db).await.unwrap();
    tsunagu::store::webhooks::insert_subscription(
        writer,
        facility.id,
        hook,
        &[ALERT_DELIVERED.into()],
        "whsec_c2NhbGU=",
        now,
    )
    .await
    .unwrap();
    let mut links = Vec::new();
    for n in 0..PERSONS {
        let resident = person::Model {
            id: Uuid::now_v7(),
            display_name: format!("Resident {n}"),
            birth_date: None,
            language: "ja".parse().unwrap(),
            timezone: "Asia/Tokyo".parse().unwrap(),
            created_at: now,
            updated_at: now,
        };
        let staff = party::Model {
            id: Uuid::now_v7(),
            role: "staff".parse().unwrap(),
            display_name: format!("Staff {n}"),
            organization_id: Some(facility.id),
            language: "ja".parse().unwrap(),
            timezone: "Asia/Tokyo".parse().unwrap(),
            quiet_hours_start: None,
            quiet_hours_end: None,
            person_id: None,
            disabled_at: None,
            email_preference: "immediate".parse().unwrap(),
            sms_preference: "critical".parse().unwrap(),
            line_preference: "immediate".parse().unwrap(),
            digest_at: "08:00".into(),
            email_detail: false,
            opened_by_organization_id: None,
            first_signed_in_at: None,
            created_at: now,
            updated_at: now,
        };
        // Placed at the facility: its webhook carries what the facility itself may see.
        let placed = placement::Model {
            id: Uuid::now_v7(),
            person_id: resident.id,
            organization_id: facility.id,
            start_on: now.date_naive() - chrono::Duration::days(30),
            end_on: None,
            starts_at: now - chrono::Duration::days(31),
            ends_at: None,
            created_at: now,
            updated_at: now,
            external_id: None,
        };
        let held = link::Model {
            id: Uuid::now_v7(),
            person_id: resident.id,
            party_id: staff.id,
            relationship: "facility_staff".parse().unwrap(),
            scope: Relationship::FacilityStaff.default_scope().to_text(),
            expires_on: None,
            expires_at: None,
            revoked_at: None,
            created_at: now,
            updated_at: now,
        };
        resident.into_active_model().reset_all().insert(db).await.unwrap();
        staff.into_active_model().reset_all().insert(db).await.unwrap();
        placed.into_active_model().reset_all().insert(db).await.unwrap();
        links.push(held.clone().into_active_model().reset_all().insert(db).await.unwrap());
    }
    let rows: Vec<alert::ActiveModel> = (0..ALERTS)
        .map(|n| {
            let held = &links[n % links.len()];
            alert::Model {
                id: Uuid::now_v7(),
                dedupe_key: format!("scale|{n}"),
                series: format!("scale|{n}"),
                person_id: held.person_id,
                // Team alerts: the facility where the residents are placed hears as one.
                recipient_party_id: facility.id,
                link_id: None,
                rule: "after_release_high".into(),
                severity: "high".parse().unwrap(),
                scope_kind: "release".parse().unwrap(),
                source_id: Uuid::now_v7(),
                starts_on: now.date_naive() + chrono::Duration::days(1),
                ends_on: now.date_naive() + chrono::Duration::days(14),
                lead_days: 1,
                due_at: now - chrono::Duration::minutes(1),
                status: "pending".parse().unwrap(),
                cancel_reason: None,
                moved_earlier: false,
                escalation_of: None,
                delivered_at: None,
                acknowledged_at: None,
                escalated_at: None,
                team_organization_id: Some(facility.id),
                acknowledged_by: None,
                snoozed_until: None,
                snooze_reason: None,
                notice: None,
                notice_old_on: None,
                notice_new_on: None,
                ladder_next_at: None,
                acknowledged_via: None,
                created_at: now,
                updated_at: now,
            }
            .into_active_model()
            .reset_all()
        })
        .collect();
    let ids = rows.iter().map(|row| *row.id.as_ref()).collect();
    for chunk in rows.chunks(1_000) {
        alert::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await.unwrap();
    }
    ids
}

fn instance(database_url: &str) -> Child {
    Command::new(BINARY)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("TSUNAGU_ADDR", "127.0.0.1:0")
        .env("TSUNAGU_JWT_SECRET", SECRET)
        .env("TSUNAGU_TICK_SECONDS", "1")
        .env("TSUNAGU_WEBHOOK_ALLOW_PRIVATE", "true")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("serve starts")
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// How far the work has got, for a failure message.
async fn progress(db: &DatabaseConnection) -> String {
    let mut report = Vec::new();
    for table in ["alerts", "outbox_messages"] {
        let sql = format!("SELECT status, COUNT(*) FROM {table} GROUP BY status ORDER BY status");
        for row in db.query_all(Statement::from_string(db.get_database_backend(), sql)).await.unwrap() {
            let status: String = row.try_get_by_index(0).unwrap();
            let count: i64 = row.try_get_by_index(1).unwrap();
            report.push(format!("{table} {status}: {count}"));
        }
    }
    report.join(", ")
}

/// Polls `done` until it holds or `limit` passes; fails with `what` and the progress if not.
async fn wait_for<F: std::future::Future<Output = bool>>(
    db: &DatabaseConnection,
    what: &str,
    limit: Duration,
    mut done: impl FnMut() -> F,
) {
    let began = Instant::now();
    while !done().await {
        if began.elapsed() > limit {
            panic!("timed out after {limit:?} waiting until {what}; {}", progress(db).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn three_instances_deliver_ten_thousand_alerts_once_though_one_is_killed(app: TestApp) {
    let db = app.outside.clone();
    let (hook, receipts) = receiver().await;
    let alerts = seed(&db, &app.state.db, &hook).await;
    let mut instances: Vec<Child> = (0..3).map(|_| instance(&app.database_url)).collect();

    // Mid-run: some webhooks are out, most are not.
    wait_for(&db, "a tenth of the webhooks have arrived", Duration::from_secs(120), || {
        let receipts = receipts.clone();
        async move { receipts.distinct() >= ALERTS / 10 }
    })
    .await;
    instances[0].start_kill().expect("SIGKILL the first instance");
    instances[0].wait().await.unwrap();
    let at_kill = receipts.distinct();
    assert!(at_kill < ALERTS, "the kill came after the work was done ({at_kill} received)");

    // Its claims lapse (30 s lease) and the survivors take them over.
    wait_for(&db, "every webhook has arrived and every message is settled", Duration::from_secs(180), || {
        let (receipts, db) = (receipts.clone(), db.clone());
        async move {
            receipts.distinct() >= ALERTS
                && count(&db, "SELECT COUNT(*) FROM outbox_messages WHERE status = 'delivered'").await == ALERTS as i64
        }
    })
    .await;
    for survivor in &mut instances[1..] {
        assert!(survivor.try_wait().unwrap().is_none(), "a survivor exited");
    }

    // Every alert reached the inbox exactly once: delivered, one provision record each.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM alerts WHERE status = 'delivered'").await, ALERTS as i64);
    let inbox = "SELECT COUNT(*), COUNT(DISTINCT source_id) FROM provision_records WHERE channel = 'inbox'";
    let row = db.query_one(Statement::from_string(db.get_database_backend(), inbox)).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), ALERTS as i64, "one inbox provision per alert");
    assert_eq!(row.try_get_by_index::<i64>(1).unwrap(), ALERTS as i64);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM outbox_messages").await, ALERTS as i64, "one message per alert");

    // Every alert's webhook came under one id, and no id stands for two alerts. An id may
    // repeat only for what the killed instance had in flight (the receiver deduplicates).
    let receipts = receipts.0.lock().unwrap().clone();
    let carried: HashSet<Uuid> = receipts.values().map(|(alert, _)| alert.parse().unwrap()).collect();
    assert_eq!(receipts.len(), ALERTS);
    assert_eq!(carried, alerts, "each alert under exactly one webhook-id");
    let repeated: usize = receipts.values().map(|(_, times)| times - 1).sum();
    assert!(
        repeated as u64 <= tsunagu::outbox::BATCH,
        "{repeated} repeats: more than one batch in flight was sent twice"
    );
    let delivered_twice = count(
        &db,
        "SELECT COUNT(*) FROM (SELECT source_id FROM provision_records WHERE channel = 'webhook' \
         GROUP BY source_id HAVING COUNT(*) > 1) AS twice",
    )
    .await;
    assert_eq!(delivered_twice, 0, "a webhook settled as delivered twice");
    let webhook_provisions = count(&db, "SELECT COUNT(*) FROM provision_records WHERE channel = 'webhook'").await;
    assert_eq!(webhook_provisions, ALERTS as i64, "one webhook provision per alert");
}
