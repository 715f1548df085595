use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use chrono::{Duration, TimeZone, Utc};
use poem::{
    handler,
    http::StatusCode as PoemStatus,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
    EndpointExt, Request, Response, Route,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tsunagu::{
    domain::webhooks::verify,
    scheduler::tick,
    store::outbox::{settle, Attempt, Outcome},
};

use crate::{
    cases,
    helpers::{assert_problem, id_of, refused_fields, spawn_app_configured, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![
    signed_deliveries_reach_the_facility_system_once,
    failures_are_retried_with_the_same_webhook_id,
    gone_disables_the_endpoint_and_endless_failures_end_as_dead_letters,
    private_targets_are_refused_by_name_and_by_resolved_address,
    a_crash_between_claim_and_send_redelivers_the_same_id,
    a_worker_whose_claim_lapsed_cannot_settle_over_the_one_that_took_over,
    only_the_organisations_staff_and_admins_manage_its_webhooks,
];

#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: i64,
    signature: String,
    body: String,
}

/// A status to answer with, and an optional `Retry-After`.
type Answer = (u16, Option<&'static str>);

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// Answers to give, in order: status and an optional Retry-After. Then 204.
    answers: Arc<Mutex<VecDeque<Answer>>>,
}

#[handler]
async fn receive(req: &Request, body: String, inbox: Data<&Inbox>) -> Response {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    inbox.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signature: header("webhook-signature"),
        body,
    });
    let (status, retry_after) = inbox.answers.lock().unwrap().pop_front().unwrap_or((204, None));
    let mut response = Response::builder().status(PoemStatus::from_u16(status).unwrap());
    if let Some(value) = retry_after {
        response = response.header("retry-after", value);
    }
    response.finish()
}

/// A partner system listening on loopback.
async fn receiver() -> (String, Inbox) {
    let inbox = Inbox::default();
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = Route::new().at("/hook", poem::post(receive)).data(inbox.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/hook"), inbox)
}

struct Facility {
    org: String,
    staff: String,
    person: String,
}

async fn facility(app: &TestApp) -> Facility {
    app.clock.set(Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0).unwrap());
    let org = app.create_organization("rehab_facility").await;
    let staff_party = app.create_party(json!({"role": "staff", "display_name": "Sato", "organization_id": org})).await;
    let staff = app.token("staff", &staff_party);
    let person =
        id_of(&app.post("/persons", &staff, &json!({"display_name": "Taro Yamada"})).await.json().await.unwrap());
    let link = json!({"party_id": staff_party, "relationship": "facility_staff"});
    app.post(&format!("/persons/{person}/links"), &staff, &link).await;
    Facility { org, staff, person }
}

async fn subscribe(app: &TestApp, f: &Facility, url: &str) -> (String, String) {
    let response = app.post("/webhooks", &f.staff, &json!({"url": url})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    (id_of(&created), created["secret"].as_str().unwrap().to_owned())
}

/// A release today: the critical fortnight has begun, so alerts go out at the next tick.
/// A release scheduled for today, with its hand-off meeting arranged (so the one alert is the
/// release's own, not also a warning that no one will meet the person).
async fn release_today(app: &TestApp, f: &Facility) {
    let milestones = format!("/persons/{}/milestones", f.person);
    let handoff = json!({"kind": "handoff", "proposed_on": "2026-01-05"});
    let handoff = app.post(&milestones, &f.staff, &handoff).await;
    assert_eq!(handoff.status(), StatusCode::CREATED);
    let handoff = id_of(&handoff.json().await.unwrap());
    let arrange = json!({"event": "arrange", "on": "2026-01-05", "meeting_on": "2026-01-05"});
    let arranged = app.post(&format!("/milestones/{handoff}/events"), &f.staff, &arrange).await;
    assert_eq!(arranged.status(), StatusCode::CREATED);
    let body = json!({"kind": "release", "scheduled_on": "2026-01-05", "release_type": "full_term"});
    assert_eq!(app.post(&milestones, &f.staff, &body).await.status(), StatusCode::CREATED);
}

fn received(inbox: &Inbox) -> Vec<Received> {
    inbox.received.lock().unwrap().clone()
}

async fn signed_deliveries_reach_the_facility_system_once(app: TestApp) {
    let f = facility(&app).await;
    let (url, inbox) = receiver().await;
    let (_, secret) = subscribe(&app, &f, &url).await;
    assert!(secret.starts_with("whsec_"));
    release_today(&app, &f).await;
    let report = tick(&app.state).await.unwrap();
    assert!(report.messages_delivered > 0 && report.messages_delivered == received(&inbox).len(), "{report:?}");
    for message in received(&inbox) {
        assert!(
            verify(&secret, &message.id, message.timestamp, &message.body, &message.signature),
            "signed: {message:?}"
        );
        assert!(!verify(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            &message.id,
            message.timestamp,
            &message.body,
            &message.signature
        ));
        let payload: Value = serde_json::from_str(&message.body).unwrap();
        assert_eq!(payload["type"], "alert.delivered");
        assert_eq!(payload["data"]["person_id"], f.person.as_str());
        assert!(!message.body.contains("Taro"), "a thin payload: ids, not the person's record");
    }
    let before = received(&inbox).len();
    app.clock.advance(Duration::hours(1));
    tick(&app.state).await.unwrap();
    assert_eq!(received(&inbox).len(), before, "exactly once");
    let listed: Value = app.get("/webhooks", &f.staff).await.json().await.unwrap();
    assert!(listed["items"][0].get("secret").is_none(), "the secret is shown once");
    let records: Value =
        app.get(&format!("/provision-records?person_id={}", f.person), &app.admin()).await.json().await.unwrap();
    let by_webhook = records["items"].as_array().unwrap().iter().filter(|r| r["channel"] == "webhook").count();
    assert_eq!(by_webhook, before, "a provision record for each webhook delivery");
}

async fn failures_are_retried_with_the_same_webhook_id(app: TestApp) {
    let f = facility(&app).await;
    let (url, inbox) = receiver().await;
    let (subscription, _) = subscribe(&app, &f, &url).await;
    inbox.answers.lock().unwrap().extend([(500, None), (503, Some("600")), (204, None)]);
    release_today(&app, &f).await;
    tick(&app.state).await.unwrap();
    let first = received(&inbox);
    let id = first[0].id.clone();
    let same = |inbox: &Inbox| received(inbox).iter().filter(|m| m.id == id).count();
    assert_eq!(same(&inbox), 1);
    app.clock.advance(Duration::seconds(6));
    tick(&app.state).await.unwrap();
    assert_eq!(same(&inbox), 2, "retried after 5 seconds");
    app.clock.advance(Duration::minutes(6));
    tick(&app.state).await.unwrap();
    assert_eq!(same(&inbox), 2, "Retry-After asked for 10 minutes");
    app.clock.advance(Duration::minutes(5));
    tick(&app.state).await.unwrap();
    assert_eq!(same(&inbox), 3);
    let log: Value = app.get(&format!("/webhooks/{subscription}/deliveries"), &f.staff).await.json().await.unwrap();
    let attempts: Vec<(Option<i64>, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["webhook_id"] == id.as_str())
        .map(|a| (a["status_code"].as_i64(), a["message_status"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(attempts.iter().map(|a| a.0).collect::<Vec<_>>(), [Some(500), Some(503), Some(204)]);
    assert!(attempts.iter().all(|a| a.1 == "delivered"));
}

async fn gone_disables_the_endpoint_and_endless_failures_end_as_dead_letters(app: TestApp) {
    let f = facility(&app).await;
    let (gone_url, gone) = receiver().await;
    let (failing_url, failing) = receiver().await;
    subscribe(&app, &f, &gone_url).await;
    subscribe(&app, &f, &failing_url).await;
    gone.answers.lock().unwrap().push_back((410, None));
    failing.answers.lock().unwrap().extend(std::iter::repeat_n((500, None), 100));
    release_today(&app, &f).await;
    tick(&app.state).await.unwrap();
    let listed: Value = app.get("/webhooks", &f.staff).await.json().await.unwrap();
    let disabled = listed["items"].as_array().unwrap().iter().find(|w| w["url"] == gone_url.as_str()).unwrap().clone();
    assert!(disabled["disabled_at"].is_string(), "{disabled}");
    let attempts_after_410 = received(&gone).len();
    for _ in 0..10 {
        app.clock.advance(Duration::hours(11));
        tick(&app.state).await.unwrap();
    }
    assert_eq!(received(&gone).len(), attempts_after_410, "a 410 endpoint hears nothing more");
    let per_message = received(&failing).iter().filter(|m| m.id == received(&failing)[0].id).count();
    assert_eq!(per_message, 8, "eight attempts, then a dead letter");
    use sea_orm::EntityTrait;
    let messages = tsunagu::entity::outbox_message::Entity::find().all(&app.outside).await.unwrap();
    assert!(
        messages.iter().all(|m| m.status.as_str() == "dead"),
        "{:?}",
        messages.iter().map(|m| &m.status).collect::<Vec<_>>()
    );
}

async fn private_targets_are_refused_by_name_and_by_resolved_address(app: TestApp) {
    let strict = spawn_app_configured(&app.database_url, |config| config.webhook_allow_private = false).await;
    let f = facility(&strict).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "https://localhost/hook",
        "ftp://example.org/",
    ] {
        let refused = assert_problem(
            strict.post("/webhooks", &f.staff, &json!({"url": url})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(refused_fields(&refused), ["url"], "{url}");
    }
    // A name that resolves to loopback, put past the subscription check: delivery checks the
    // address it resolves to, and refuses it.
    let org = uuid::Uuid::parse_str(&f.org).unwrap();
    let sneaky = tsunagu::store::webhooks::insert_subscription(
        &strict.state.db,
        org,
        "https://localhost:1/hook",
        &["alert.delivered".to_owned()],
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        strict.now(),
    )
    .await
    .unwrap();
    release_today(&strict, &f).await;
    tick(&strict.state).await.unwrap();
    let log: Value = strict.get(&format!("/webhooks/{}/deliveries", sneaky.id), &f.staff).await.json().await.unwrap();
    let errors: Vec<&str> = log["items"].as_array().unwrap().iter().filter_map(|a| a["error"].as_str()).collect();
    assert!(!errors.is_empty() && errors.iter().all(|e| e.contains("private, loopback or link-local")), "{errors:?}");
}

async fn a_crash_between_claim_and_send_redelivers_the_same_id(app: TestApp) {
    let f = facility(&app).await;
    let (url, inbox) = receiver().await;
    subscribe(&app, &f, &url).await;
    release_today(&app, &f).await;
    // Deliver the alerts (writing the outbox) without sending, then claim as a worker that dies.
    tsunagu::workflow::alerts::replan_requested(&app.state).await.unwrap();
    tsunagu::workflow::alerts::deliver_due(&app.state).await.unwrap();
    let claimed = crate::helpers::claim_any(&app.state.db, app.now(), Duration::seconds(60), 100).await;
    assert!(!claimed.is_empty());
    tick(&app.state).await.unwrap();
    assert!(received(&inbox).is_empty(), "claimed messages are left to their worker");
    app.clock.advance(Duration::seconds(61));
    tick(&app.state).await.unwrap();
    let ids: Vec<String> = received(&inbox).into_iter().map(|m| m.id).collect();
    let expected: Vec<String> = claimed.iter().map(|m| format!("msg_{}", m.id.simple())).collect();
    assert_eq!(ids.len(), expected.len());
    assert!(expected.iter().all(|id| ids.contains(id)), "redelivered under the same webhook-id");
}

async fn a_worker_whose_claim_lapsed_cannot_settle_over_the_one_that_took_over(app: TestApp) {
    let f = facility(&app).await;
    let (url, inbox) = receiver().await;
    let (subscription, _) = subscribe(&app, &f, &url).await;
    release_today(&app, &f).await;
    tsunagu::workflow::alerts::replan_requested(&app.state).await.unwrap();
    tsunagu::workflow::alerts::deliver_due(&app.state).await.unwrap();
    // A slow worker claims, stalls past its lease; the scheduler takes over and delivers.
    let stalled = crate::helpers::claim_any(&app.state.db, app.now(), Duration::seconds(30), 100).await;
    assert!(!stalled.is_empty());
    app.clock.advance(Duration::seconds(31));
    tick(&app.state).await.unwrap();
    assert_eq!(received(&inbox).len(), stalled.len());
    // The stalled worker wakes up with a failure to report: it must change nothing.
    let late = app.now();
    for message in &stalled {
        let failed = Attempt {
            status_code: Some(500),
            error: None,
            outcome: Outcome::RetryAt(late),
            provision: None,
            provider_id: None,
            receipt: None,
        };
        let settled = settle(&app.state.db, message, failed, late).await.unwrap();
        assert!(!settled, "a lapsed claim settled a message another worker delivered");
    }
    let log: Value = app.get(&format!("/webhooks/{subscription}/deliveries"), &f.staff).await.json().await.unwrap();
    let attempts = log["items"].as_array().unwrap();
    assert_eq!(attempts.len(), stalled.len(), "only the delivering worker's attempts are logged: {log}");
    assert!(attempts.iter().all(|a| a["status_code"] == 204 && a["message_status"] == "delivered"), "{log}");
}

async fn only_the_organisations_staff_and_admins_manage_its_webhooks(app: TestApp) {
    let f = facility(&app).await;
    let (url, _) = receiver().await;
    let (subscription, _) = subscribe(&app, &f, &url).await;
    let other_org = app.create_organization("rehab_facility").await;
    let other = app.token(
        "staff",
        &app.create_party(json!({"role": "staff", "display_name": "Other", "organization_id": other_org})).await,
    );
    let family = app.token("family", &app.create_party(json!({"role": "family", "display_name": "Hanako"})).await);
    assert_problem(app.get(&format!("/webhooks/{subscription}/deliveries"), &other).await, StatusCode::NOT_FOUND).await;
    assert_problem(app.delete(&format!("/webhooks/{subscription}"), &other).await, StatusCode::NOT_FOUND).await;
    let theirs: Value = app.get("/webhooks", &other).await.json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    assert_problem(app.get("/webhooks", &family).await, StatusCode::FORBIDDEN).await;
    let for_other = app.post("/webhooks", &f.staff, &json!({"url": url, "organization_id": other_org})).await;
    assert_problem(for_other, StatusCode::FORBIDDEN).await;
    let admin_without_org = app.post("/webhooks", &app.admin(), &json!({"url": url})).await;
    assert_eq!(
        refused_fields(&assert_problem(admin_without_org, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["organization_id"]
    );
    assert_eq!(app.delete(&format!("/webhooks/{subscription}"), &f.staff).await.status(), StatusCode::NO_CONTENT);
}
