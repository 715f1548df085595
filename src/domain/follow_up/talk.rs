//! "I want to talk" (話したい): when a press is a new request, and when it is the one already
//! sent. Never a refusal.

use chrono::{DateTime, Duration, Utc};

/// A press of "I want to talk" within this long of the last request is the same request.
pub const TALK_SAME_REQUEST: Duration = Duration::minutes(30);
/// A request nobody has acknowledged yet stays the one request for this long.
pub const TALK_OPEN_FOR: Duration = Duration::hours(24);

/// The person's last request to talk, as it bears on a new press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastTalk {
    pub at: DateTime<Utc>,
    pub acknowledged: bool,
}

/// Whether a press of "I want to talk" now is a new request, or the one already sent (a burst
/// of presses, or a request nobody has answered yet). Never a refusal: the person is told the
/// same either way.
pub fn is_new_talk(last: Option<LastTalk>, now: DateTime<Utc>) -> bool {
    match last {
        None => true,
        Some(last) if now - last.at < TALK_SAME_REQUEST => false,
        Some(last) => last.acknowledged || now - last.at >= TALK_OPEN_FOR,
    }
}
