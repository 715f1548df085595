//! The connections the server holds: at most so many in all and so many from one client
//! address (an IPv6 /64), and a deadline for each request's whole head (its line and headers),
//! which a client trickling a byte at a time cannot stretch. A connection over a limit is
//! closed as it arrives; a head not complete in time closes its connection.

use std::{
    collections::HashMap,
    future::Future,
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::Duration,
};

use poem::{
    http::uri::Scheme,
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep},
};

use crate::{config::ConnectionLimits, domain::sign_in::client_key};

/// Open connections, in all and by client.
#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_client: HashMap<String, usize>,
}

/// Counts open connections against the limits.
#[derive(Debug)]
struct Gate {
    limits: ConnectionLimits,
    open: Mutex<Open>,
    refused: AtomicU64,
}

impl Gate {
    /// A ticket for one more connection from `client`, or `None` over a limit.
    fn admit(self: &Arc<Self>, client: Option<String>) -> Option<Ticket> {
        let mut open = self.open.lock().ok()?;
        if open.total >= self.limits.max_connections {
            return None;
        }
        if let Some(client) = &client {
            let from_client = open.by_client.entry(client.clone()).or_default();
            if *from_client >= self.limits.max_per_client {
                return None;
            }
            *from_client += 1;
        }
        open.total += 1;
        Some(Ticket { gate: self.clone(), client })
    }

    fn count_refusal(&self) {
        let refused = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        // Said once, and then every thousandth, with no address: a flood must not flood the log.
        if refused == 1 || refused.is_multiple_of(1000) {
            tracing::warn!(
                refused,
                max_connections = self.limits.max_connections,
                max_per_client = self.limits.max_per_client,
                "connections refused: a connection limit was reached"
            );
        }
    }
}

/// One admitted connection; its place is free again when dropped.
#[derive(Debug)]
struct Ticket {
    gate: Arc<Gate>,
    client: Option<String>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if let Ok(mut open) = self.gate.open.lock() {
            open.total = open.total.saturating_sub(1);
            if let Some(client) = &self.client {
                if let Some(count) = open.by_client.get_mut(client) {
                    *count = count.saturating_sub(1);
                    if *count == 0 {
                        open.by_client.remove(client);
                    }
                }
            }
        }
    }
}

/// An acceptor that admits connections within the limits and gives each a head deadline.
pub struct Bounded<A> {
    inner: A,
    gate: Arc<Gate>,
}

impl<A> Bounded<A> {
    pub fn new(inner: A, limits: ConnectionLimits) -> Self {
        Self { inner, gate: Arc::new(Gate { limits, open: Mutex::default(), refused: AtomicU64::new(0) }) }
    }
}

impl<A: Acceptor> Acceptor for Bounded<A> {
    type Io = HeadDeadline<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        loop {
            let (io, local, remote, scheme) = self.inner.accept().await?;
            let client = remote.as_socket_addr().map(|addr| client_key(addr.ip()));
            match self.gate.admit(client) {
                Some(ticket) => {
                    let io = HeadDeadline::new(io, self.gate.limits.head_timeout, ticket);
                    return Ok((io, local, remote, scheme));
                }
                // Dropped: closed at once, holding nothing.
                None => self.gate.count_refusal(),
            }
        }
    }
}

/// Where a connection is in its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Reading a request's head; `tail` holds its last two bytes, to find where it ends.
    Head { tail: [u8; 2] },
    /// The head is in: the body and the answer have their own limits (the read timeout).
    Rest,
    /// An answer went out; the next byte read begins a new head.
    Between,
}

/// Whether `bytes`, following `tail`, end a request head (an empty line: CRLF CRLF, or the
/// bare LF LF some clients send); `tail` moves on.
fn ends_head(tail: &mut [u8; 2], bytes: &[u8]) -> bool {
    for &byte in bytes {
        if byte == b'\n' && (tail[1] == b'\n' || (tail[1] == b'\r' && tail[0] == b'\n')) {
            return true;
        }
        *tail = [tail[1], byte];
    }
    false
}

/// A connection whose request heads must be complete within `timeout` of their first byte
/// (the first head within `timeout` of the connection).
pub struct HeadDeadline<IO> {
    io: IO,
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
    stage: Stage,
    _ticket: Ticket,
}

impl<IO> HeadDeadline<IO> {
    fn new(io: IO, timeout: Duration, ticket: Ticket) -> Self {
        Self {
            io,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            timeout,
            // A connection's first head starts with the connection: one that says nothing is
            // held no longer than one that says too little.
            stage: Stage::Head { tail: [0, 0] },
            _ticket: ticket,
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for HeadDeadline<IO> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if matches!(this.stage, Stage::Head { .. }) && this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the request head took too long")));
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = read {
            let bytes = &buf.filled()[before..];
            if !bytes.is_empty() {
                if this.stage == Stage::Between {
                    this.stage = Stage::Head { tail: [0, 0] };
                    let at = Instant::now() + this.timeout;
                    this.deadline.as_mut().reset(at);
                }
                if let Stage::Head { tail } = &mut this.stage {
                    if ends_head(tail, bytes) {
                        this.stage = Stage::Rest;
                    }
                }
            }
        }
        read
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for HeadDeadline<IO> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.stage = Stage::Between;
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.stage = Stage::Between;
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(max_connections: usize, max_per_client: usize) -> Arc<Gate> {
        let limits = ConnectionLimits { head_timeout: Duration::from_secs(1), max_connections, max_per_client };
        Arc::new(Gate { limits, open: Mutex::default(), refused: AtomicU64::new(0) })
    }

    #[test]
    fn a_client_holds_no_more_than_its_share_and_all_no_more_than_the_total() {
        let gate = gate(3, 2);
        let a1 = gate.admit(Some("10.0.0.1".into())).expect("first");
        let _a2 = gate.admit(Some("10.0.0.1".into())).expect("second");
        assert!(gate.admit(Some("10.0.0.1".into())).is_none(), "a third from one client");
        let _b1 = gate.admit(Some("10.0.0.2".into())).expect("another client");
        assert!(gate.admit(Some("10.0.0.3".into())).is_none(), "over the total");
        drop(a1);
        assert!(gate.admit(Some("10.0.0.1".into())).is_some(), "a closed connection frees its place");
    }

    #[test]
    fn a_head_ends_at_its_empty_line_however_it_arrives() {
        let mut tail = [0, 0];
        assert!(!ends_head(&mut tail, b"GET / HTTP/1.1\r\nHost: x\r"));
        assert!(!ends_head(&mut tail, b"\n"));
        assert!(!ends_head(&mut tail, b"\r"));
        assert!(ends_head(&mut tail, b"\n"));
        assert!(ends_head(&mut [0, 0], b"GET / HTTP/1.0\n\n"));
        assert!(!ends_head(&mut [0, 0], b"GET /healthz HTT"));
    }
}
