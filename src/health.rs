//! `/healthz`: whether alerts can go out. It answers 503 when the database cannot be reached
//! or takes no writes, or the scheduler or the delivery loop has stopped going round; a peer
//! that is failing (a webhook endpoint that hangs, the SMTP server refusing) is named with a
//! 200, since the service itself is well and the rest of the outbox goes on; so is how many
//! organisations keeping a rota had no one on duty at the scheduler's last tick.

use poem::{handler, http::StatusCode, web::Data, IntoResponse, Response};
use serde_json::json;

use crate::{
    http::Problem,
    outbox::{Peer, Trouble},
    state::{AppState, SchedulerHealth},
    store,
};

/// The delivery loop looks every second; this long without a round means it is stuck.
const DELIVERY_STUCK_AFTER: chrono::Duration = chrono::Duration::seconds(60);

#[handler]
pub async fn healthz(state: Data<&AppState>) -> Response {
    if let Err(err) = state.db.ping().await {
        tracing::error!(error = %err, "health check: database unreachable");
        return unavailable("The database cannot be reached.".to_owned());
    }
    if state.db.storage().is_refusing() {
        // A write was refused for want of storage: try one now, which clears it if it commits.
        if let Err(err) = probe(&state).await {
            tracing::error!(error = %err, "health check: the database takes no writes");
            return unavailable(
                "The database takes no writes now (disk full, read-only or locked): writes are answered 503 until it does."
                    .to_owned(),
            );
        }
    }
    let now = state.clock.now();
    let last_tick_at = state.scheduler.last_success();
    if state.scheduler.is_stale(now) {
        return unavailable(format!(
            "The scheduler has completed no tick in {} intervals of {} s (last: {}); alerts are not going out.",
            SchedulerHealth::STALE_AFTER_TICKS,
            state.scheduler.interval.as_secs(),
            last_tick_at.map_or("never".to_owned(), |at| at.to_rfc3339()),
        ));
    }
    let last_round_at = state.outbox.delivery.last_round();
    if let Some(at) = last_round_at.filter(|at| now.signed_duration_since(*at) > DELIVERY_STUCK_AFTER) {
        return unavailable(format!(
            "The outbox's delivery loop has not gone round since {}; messages are not going out.",
            at.to_rfc3339()
        ));
    }
    let troubles = state.outbox.delivery.troubles();
    // A gap in a rota is planned as often as not (evenings, weekends): named, not a fault.
    let uncovered = state.scheduler.uncovered();
    poem::web::Json(json!({
        "rota": { "organizations_with_no_one_on_duty": uncovered },
        "status": if troubles.is_empty() { "ok" } else { "degraded" },
        "scheduler": { "last_tick_at": last_tick_at, "interval_seconds": state.scheduler.interval.as_secs() },
        "delivery": {
            "last_round_at": last_round_at,
            "failing_peers": troubles.iter().map(described).collect::<Vec<_>>(),
        },
    }))
    .into_response()
}

async fn probe(state: &AppState) -> Result<(), sea_orm::DbErr> {
    let txn = state.db.begin().await?;
    store::health::probe(&txn, state.clock.now()).await?;
    txn.commit().await
}

fn unavailable(detail: String) -> Response {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, Some(detail)).into_response()
}

/// A failing peer as the health check names it: by channel, and a webhook endpoint by its
/// subscription's id (never its address).
fn described(trouble: &Trouble) -> serde_json::Value {
    let (channel, subscription_id) = match trouble.peer {
        Peer::Webhook(id) => ("webhook", Some(id)),
        Peer::Smtp => ("email", None),
        Peer::SmsGateway => ("sms", None),
        Peer::Line => ("line", None),
    };
    json!({
        "channel": channel,
        "subscription_id": subscription_id,
        "failing_since": trouble.since,
        "failures": trouble.failures,
        "last_error": trouble.last,
    })
}
