//! Concurrent clients against a server, with latency percentiles.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub requests: usize,
    pub errors: usize,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// `connections` clients issue requests for `duration`; `request(n)` builds the n-th request.
pub async fn drive<F>(connections: usize, duration: Duration, request: F) -> Stats
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let request = Arc::new(request);
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let request = request.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let began = Instant::now();
                match request(n).send().await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        latencies.push(began.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mut l, e) = task.await.expect("a client task");
        latencies.append(&mut l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1).min(latencies.len() - 1);
        latencies[index] as f64 / 1000.0
    };
    Stats {
        requests: latencies.len(),
        errors,
        rps: latencies.len() as f64 / elapsed,
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
    }
}
