//! The outbox's throughput: alerts delivered with e-mail to a local SMTP server
//! (mailin-embedded), then with webhooks to a local receiver (a poem handler answering 204),
//! each timed from the first claim until the outbox is empty.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Instant,
};

use chrono::{DateTime, Utc};
use mailin_embedded::{response, Handler, Response as SmtpResponse, Server};
use poem::{
    handler,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
    post, EndpointExt, Route,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tsunagu::state::AppState;

use crate::seed::Population;

/// Counts the messages an SMTP server accepts.
#[derive(Clone)]
struct Count(Arc<AtomicUsize>);

impl Handler for Count {
    fn data_end(&mut self) -> SmtpResponse {
        self.0.fetch_add(1, Ordering::Relaxed);
        response::OK
    }
}

/// An SMTP server on a loopback port for the rest of the run; returns its URL and its count.
pub fn smtp_server() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an SMTP port");
    let port = listener.local_addr().expect("a local address").port();
    let received = Arc::new(AtomicUsize::new(0));
    let handler = Count(received.clone());
    std::thread::spawn(move || {
        let mut server = Server::new(handler);
        server.with_name("smtp.bench").with_num_threads(64).with_tcp_listener(listener);
        let _ = server.serve();
    });
    (format!("smtp://127.0.0.1:{port}"), received)
}

#[handler]
fn receive(counter: poem::web::Data<&Arc<AtomicUsize>>) -> StatusCode {
    counter.fetch_add(1, Ordering::Relaxed);
    StatusCode::NO_CONTENT
}

/// A webhook receiver on a loopback port; returns its URL and its count.
pub async fn webhook_receiver() -> (String, Arc<AtomicUsize>) {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.expect("bind a receiver port");
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().expect("a socket address");
    let received = Arc::new(AtomicUsize::new(0));
    tokio::spawn(
        poem::Server::new_with_acceptor(acceptor).run(Route::new().at("/hook", post(receive)).data(received.clone())),
    );
    (format!("http://{addr}/hook"), received)
}

/// Sends what is in the outbox and answers how many messages a second reached `received`.
pub async fn time_sending(state: &AppState, received: &AtomicUsize) -> (usize, f64) {
    let before = received.load(Ordering::Relaxed);
    let began = Instant::now();
    let report = tsunagu::outbox::deliver(&state.outbox).await.expect("send the outbox");
    let seconds = began.elapsed().as_secs_f64();
    let arrived = received.load(Ordering::Relaxed) - before;
    assert_eq!(report.delivered, arrived, "every message settled as delivered arrived");
    (arrived, arrived as f64 / seconds)
}

/// Alerts due now, delivered (which writes their messages to the outbox) but not yet sent.
pub async fn deliver_alerts(
    state: &AppState,
    db: &DatabaseConnection,
    population: &Population,
    due: usize,
    now: DateTime<Utc>,
    team: bool,
) {
    let label = if team { "team" } else { "family" };
    crate::seed::due_alerts(db, population, due, now, label, team).await.expect("due alerts");
    let delivery = tsunagu::workflow::alerts::deliver_due(state).await.expect("deliver the alerts");
    assert_eq!(delivery.delivered, due, "every due alert delivered");
}

/// No more e-mail: every address unsubscribed, so the next alerts go out by webhook only.
pub async fn stop_email(db: &DatabaseConnection) {
    db.execute_unprepared("UPDATE contact_points SET status = 'unsubscribed'").await.expect("unsubscribe");
}
