//! Load from a second process: `wrk` (Debian's package), with a Lua script that cycles through
//! the requests of a path (each its own person, token or cookie) and reports its figures as
//! one JSON line. wrk runs beside the server on the same cores, as a client of the service would
//! on this machine, and costs far less per request than a client written in this process.

use std::{process::Command, time::Duration};

/// One request of a path, as wrk sends it.
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Self { method: "GET", path: path.into(), headers: Vec::new(), body: None }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub requests: u64,
    /// Connection errors, timeouts and answers other than 2xx or 3xx.
    pub errors: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// A Lua string literal.
fn lua(text: &str) -> String {
    let mut quoted = String::from("\"");
    for byte in text.bytes() {
        match byte {
            b'"' | b'\\' => quoted.push_str(&format!("\\{}", byte as char)),
            0x20..=0x7e => quoted.push(byte as char),
            _ => quoted.push_str(&format!("\\{byte}")),
        }
    }
    quoted.push('"');
    quoted
}

fn script(requests: &[Request]) -> String {
    let mut lines = vec!["local pending = {".to_owned()];
    for request in requests {
        let headers: Vec<String> =
            request.headers.iter().map(|(name, value)| format!("[{}] = {}", lua(name), lua(value))).collect();
        lines.push(format!(
            "  {{ {}, {}, {{ {} }}, {} }},",
            lua(request.method),
            lua(&request.path),
            headers.join(", "),
            request.body.as_deref().map_or("nil".to_owned(), lua)
        ));
    }
    lines.push("}".to_owned());
    lines.push(
        r#"
local built, n = {}, 0
function init(args)
  -- Each wrk thread starts at its own place in the list.
  n = math.random(#pending)
  for i, r in ipairs(pending) do built[i] = wrk.format(r[1], r[2], r[3], r[4]) end
end
function request()
  n = n % #built + 1
  return built[n]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"micros":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#
        .to_owned(),
    );
    lines.join("\n")
}

/// Drives `base` with `connections` connections for `duration`, cycling through `requests`.
pub fn drive(base: &str, connections: usize, duration: Duration, requests: &[Request]) -> Stats {
    assert!(!requests.is_empty(), "a path needs at least one request");
    let dir = tempfile::tempdir().expect("a folder for the script");
    let path = dir.path().join("requests.lua");
    std::fs::write(&path, script(requests)).expect("write the script");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(connections);
    let output = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{}s", duration.as_secs()), "--timeout", "10s", "-s"])
        .arg(&path)
        .arg(base)
        .output()
        .expect("run wrk: install it with `apt-get install wrk`");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .unwrap_or_else(|| panic!("wrk printed no figures: {stdout}{}", String::from_utf8_lossy(&output.stderr)));
    let figures: serde_json::Value = serde_json::from_str(line).expect("wrk's figures");
    let number = |name: &str| figures[name].as_f64().unwrap_or(f64::NAN);
    Stats {
        requests: number("requests") as u64,
        errors: number("errors") as u64,
        rps: number("requests") / (number("micros") / 1e6),
        p50_ms: number("p50_us") / 1000.0,
        p99_ms: number("p99_us") / 1000.0,
    }
}
