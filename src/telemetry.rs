use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Logs go to stderr (stdout is for what a command prints, e.g. a token). `RUST_LOG` filters;
/// `TSUNAGU_LOG_FORMAT=json` gives one JSON object per line.
pub fn init(default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let json = std::env::var("TSUNAGU_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    // A second init (as in tests) keeps the first subscriber.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
