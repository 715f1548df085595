//! Clients that send a request's head slowly or not at all: each is closed when the head is
//! not complete within the head deadline, however it trickles; a thousand of them from one
//! address hold no more than that address's share, and the service goes on answering others.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

use crate::{
    cases,
    helpers::{spawn_app_configured, TestApp},
};

pub const TESTS: &[crate::helpers::Case] =
    cases![a_partial_head_is_cut_off_and_a_thousand_leave_the_service_answering_others];

const HEAD_TIMEOUT: Duration = Duration::from_secs(1);

/// Waits until the server closes the connection; how long that took.
async fn until_closed(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return started.elapsed(),
            Ok(_) => {}
        }
    }
}

fn server_addr(app: &TestApp) -> SocketAddr {
    app.address.trim_start_matches("http://").parse().unwrap()
}

/// A client on another loopback address than the flood's.
async fn other_client_healthz(app: &TestApp) -> StatusCode {
    let client = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client.get(format!("{}/healthz", app.address)).send().await.map(|r| r.status()).unwrap_or(StatusCode::BAD_GATEWAY)
}

async fn a_partial_head_is_cut_off_and_a_thousand_leave_the_service_answering_others(plain: TestApp) {
    if !plain.database_url.starts_with("sqlite:") {
        return; // Connections, not the database: once is enough.
    }
    // A thousand sockets here and their server ends: more than a default soft limit of 1024.
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    let app = spawn_app_configured(&plain.database_url, |config| {
        config.connections.head_timeout = HEAD_TIMEOUT;
        config.connections.max_per_client = 64;
        config.connections.max_connections = 300;
    })
    .await;
    let addr = server_addr(&app);

    // A request line cut short is closed at the deadline, not held for the read timeout (30 s).
    let mut partial = TcpStream::connect(addr).await.unwrap();
    partial.write_all(b"GET /healthz HTT").await.unwrap();
    let closed_after = until_closed(&mut partial).await;
    assert!(closed_after < HEAD_TIMEOUT + Duration::from_secs(2), "closed after {closed_after:?}");

    // Headers trickled a byte every 200 ms never go quiet for long, yet the whole head has its
    // deadline.
    let mut trickle = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let head = b"GET /healthz HTTP/1.1\r\nHost: tsunagu.test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
    for byte in head {
        if trickle.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cut = started.elapsed();
    assert!(cut < HEAD_TIMEOUT + Duration::from_secs(2), "the trickle went on for {cut:?}");

    // A complete request on a kept-alive connection is answered, and its next head has its
    // own deadline.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: tsunagu.test\r\n\r\n").await.unwrap();
    let mut answer = [0u8; 64];
    let read = kept.read(&mut answer).await.unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..read]));

    // A thousand partial heads from one address.
    let mut flood = Vec::new();
    for _ in 0..1000 {
        let socket = TcpSocket::new_v4().unwrap();
        let Ok(mut stream) = socket.connect(addr).await else { continue };
        let _ = stream.write_all(b"GET /healthz HTT").await;
        flood.push(stream);
    }
    // Others are answered meanwhile, from another address.
    for _ in 0..3 {
        assert_eq!(other_client_healthz(&app).await, StatusCode::OK, "the service answers others");
    }
    // Every one of the thousand is closed: at once over the address's share, the rest at the
    // deadline.
    let started = Instant::now();
    for stream in &mut flood {
        until_closed(stream).await;
    }
    assert!(started.elapsed() < HEAD_TIMEOUT + Duration::from_secs(3), "took {:?}", started.elapsed());
    assert_eq!(other_client_healthz(&app).await, StatusCode::OK);
}
