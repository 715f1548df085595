//! The floors each path is measured against, served by bare poem handlers in the bench
//! process: a static body (what poem and the loopback cost), one query through the service's
//! read pool (what one database round trip costs), and one audit line through the service's
//! group-commit writer (what every read of a person's data must do before it answers).

use chrono::Utc;
use poem::{
    get, handler,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Json, Path},
    EndpointExt, Route,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tsunagu::{
    audit::AuditLog,
    config::DatabaseUrl,
    database,
    domain::PartyRole,
    store::audit::{AuditEntry, Outcome},
};
use uuid::Uuid;

/// Serves the floors on the database at `url` (`db` is a writer connection to it: the server
/// is idle while the floors are driven); returns their base URL.
pub async fn serve(url: &str, db: &DatabaseConnection) -> String {
    let reads = database::connect_reads(&DatabaseUrl::parse(url).unwrap(), db).await.expect("read pool");
    // The audit floor writes its lines through the store's writer, as the service does.
    let cache = std::sync::Arc::new(tsunagu::cache::ReadCache::new(std::sync::Arc::new(tsunagu::clock::SystemClock)));
    let audit = AuditLog::start(tsunagu::store::Writer::new(db.clone(), cache));
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(
        poem::Server::new_with_acceptor(acceptor).run(
            Route::new()
                .at("/static", get(static_floor))
                .at("/floor/:person", get(floor))
                .at("/audit/:person", get(audit_floor))
                .data(reads)
                .data(audit),
        ),
    );
    format!("http://{addr}")
}

/// The static floor: what poem itself costs, a small JSON body from no data at all.
#[handler]
fn static_floor() -> Json<Value> {
    Json(json!({"status": "ok", "items": [1, 2, 3]}))
}

/// The audit floor: what every read of a person's data must do before it answers, and nothing
/// else: one line through the service's own group-commit writer, awaited until stored.
#[handler]
async fn audit_floor(Path(person): Path<Uuid>, log: Data<&AuditLog>) -> Json<Value> {
    let entry = AuditEntry {
        actor: person.to_string(),
        actor_role: Some(PartyRole::Family),
        action: "upcoming.read",
        person_id: Some(person),
        person_ids: Vec::new(),
        resource_id: None,
        outcome: Outcome::Allowed,
    };
    let stored = log.record(vec![entry], Utc::now()).await.is_ok();
    Json(json!({"stored": stored}))
}

/// The database floor: the same person's milestones as JSON, straight from one query.
#[handler]
async fn floor(Path(person): Path<Uuid>, db: Data<&DatabaseConnection>) -> Json<Value> {
    let rows = tsunagu::entity::milestone::Entity::find()
        .filter(tsunagu::entity::milestone::Column::PersonId.eq(person))
        .all(*db)
        .await
        .unwrap_or_default();
    Json(json!({"items": rows.iter().map(|m| json!({
        "id": m.id, "kind": m.kind.as_str(), "state": m.state.as_str(), "hearing_on": m.hearing_on, "judgment_on": m.judgment_on,
        "scheduled_on": m.scheduled_on, "opens_on": m.opens_on, "closes_on": m.closes_on,
    })).collect::<Vec<_>>()}))
}
