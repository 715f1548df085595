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

/// What a caught panic said, for a log line or a failure record.
pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}
