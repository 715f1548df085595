//! The outbox's step, run with its own context alone: no `AppState`, its own clock, and a fake
//! endpoint on the other end that refuses once and then takes the message.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use poem::{handler, http::StatusCode, listener::TcpListener, web::Data, EndpointExt, Request, Response, Route};
use serde_json::json;
use tsunagu::{
    clock::{Clock, ManualClock},
    config::DeliverySettings,
    outbox::{self, webhook::Clients, Dispatcher, Outbox},
    store::{
        self,
        outbox::{NewMessage, Priority, WEBHOOK},
    },
};

use crate::{
    cases,
    helpers::{id_of, TestApp},
};

pub const TESTS: &[crate::helpers::Case] = cases![a_refused_webhook_is_tried_again_when_due_under_the_same_id];

/// The `webhook-id` of every request the endpoint was sent, in order.
#[derive(Clone, Default)]
struct Heard(Arc<Mutex<Vec<String>>>);

/// Answers 503 with `Retry-After: 120` to the first request, 204 to the rest.
#[handler]
fn endpoint(req: &Request, heard: Data<&Heard>) -> Response {
    let id = req.headers().get("webhook-id").and_then(|id| id.to_str().ok()).unwrap_or_default().to_owned();
    let mut heard = heard.0 .0.lock().unwrap();
    heard.push(id);
    if heard.len() == 1 {
        Response::builder().status(StatusCode::SERVICE_UNAVAILABLE).header("retry-after", "120").finish()
    } else {
        Response::builder().status(StatusCode::NO_CONTENT).finish()
    }
}

async fn fake_endpoint() -> (String, Heard) {
    use poem::listener::{Acceptor, Listener};
    let heard = Heard::default();
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let app = Route::new().at("/hook", poem::post(endpoint)).data(heard.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/hook"), heard)
}

async fn a_refused_webhook_is_tried_again_when_due_under_the_same_id(app: TestApp) {
    let (url, heard) = fake_endpoint().await;
    // The rows a message needs, made the usual way.
    let org: uuid::Uuid = app.create_organization("rehab_facility").await.parse().unwrap();
    let person: uuid::Uuid = id_of(&app.create("/persons", json!({"display_name": "Taro"})).await).parse().unwrap();

    // The step's whole context, built from parts: a clock of its own, fresh slots and clients.
    let clock = ManualClock::new(app.now());
    let context = Outbox {
        db: app.state.db.clone(),
        reads: app.state.reads.clone(),
        clock: Arc::new(clock.clone()),
        reach: app.state.outbox.reach.clone(),
        webhook_clients: Arc::new(Clients::new(std::time::Duration::from_secs(5))),
        webhook_allow_private: true,
        delivery: Arc::new(Dispatcher::new(DeliverySettings::default())),
        send_now: Arc::default(),
    };
    let now = clock.now();
    let subscription = store::webhooks::insert_subscription(
        &context.db,
        org,
        &url,
        &["alert.delivered".to_owned()],
        "whsec_c3RlcA==",
        now,
    )
    .await
    .unwrap();
    let message = NewMessage {
        channel: WEBHOOK,
        target_id: subscription.id,
        about: tsunagu::store::outbox::Subject::Alert(uuid::Uuid::now_v7()),
        person_id: Some(person),
        party_id: None,
        event_type: "alert.delivered",
        payload: r#"{"type":"alert.delivered"}"#.to_owned(),
        priority: Priority::Normal,
    };
    store::outbox::enqueue(&context.db, vec![message], now).await.unwrap();

    let first = outbox::deliver(&context).await.unwrap();
    assert_eq!((first.retried, first.delivered), (1, 0), "{first:?}");
    // Not again before the endpoint's Retry-After has passed.
    clock.advance(Duration::seconds(100));
    let early = outbox::deliver(&context).await.unwrap();
    assert_eq!((early.retried, early.delivered), (0, 0), "{early:?}");
    clock.advance(Duration::seconds(30));
    let second = outbox::deliver(&context).await.unwrap();
    assert_eq!((second.retried, second.delivered), (0, 1), "{second:?}");
    let heard = heard.0.lock().unwrap().clone();
    assert_eq!(heard.len(), 2);
    assert!(heard[0].starts_with("msg_") && heard[0] == heard[1], "one webhook-id across the retry: {heard:?}");
}
