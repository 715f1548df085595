//! `Idempotency-Key`: a system that repeats a request gets the first one's answer, never a
//! second change. What a key held decides what a request with it does; the store only keeps
//! the key's row.

use chrono::{DateTime, Duration, Utc};

use super::Invalid;

/// A request left in flight this long is taken to have died, and may be retried.
pub const IN_FLIGHT_LEASE: Duration = Duration::minutes(5);

/// A key as a caller sent it: 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        if raw.is_empty() || raw.chars().count() > 200 {
            return Err(Invalid::new("1 to 200 characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key already held, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldKey {
    pub request_hash: String,
    /// The answer the first request got, once it finished.
    pub response: Option<String>,
    /// When the request holding it last showed it was alive.
    pub updated_at: DateTime<Utc>,
}

/// What a request with a key already held does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// The same request, answered before: answer it again.
    Answer(String),
    /// The same request, whose first try died mid-way (past [`IN_FLIGHT_LEASE`]): take the key
    /// over — if no one else did since `seen` — and do it.
    TakeOver { seen: DateTime<Utc> },
    /// The same request, still being done: try again later.
    InFlight,
    /// Another request under the same key: refused.
    OtherRequest,
}

/// Decides what a request whose body hashes to `request_hash` does with a key held as `held`.
pub fn replay(held: &HeldKey, request_hash: &str, now: DateTime<Utc>) -> Replay {
    if held.request_hash != request_hash {
        return Replay::OtherRequest;
    }
    match &held.response {
        Some(response) => Replay::Answer(response.clone()),
        None if held.updated_at + IN_FLIGHT_LEASE < now => Replay::TakeOver { seen: held.updated_at },
        None => Replay::InFlight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(response: Option<&str>, updated_at: DateTime<Utc>) -> HeldKey {
        HeldKey { request_hash: "h".to_owned(), response: response.map(str::to_owned), updated_at }
    }

    #[test]
    fn a_finished_request_is_answered_again_and_another_under_its_key_refused() {
        let now = Utc::now();
        assert_eq!(replay(&held(Some("{}"), now), "h", now), Replay::Answer("{}".to_owned()));
        assert_eq!(replay(&held(Some("{}"), now), "other", now), Replay::OtherRequest);
        assert_eq!(replay(&held(None, now), "other", now), Replay::OtherRequest);
    }

    #[test]
    fn a_request_in_flight_is_taken_over_only_once_its_lease_is_over() {
        let started = Utc::now();
        assert_eq!(replay(&held(None, started), "h", started + IN_FLIGHT_LEASE), Replay::InFlight);
        let later = started + IN_FLIGHT_LEASE + Duration::seconds(1);
        assert_eq!(replay(&held(None, started), "h", later), Replay::TakeOver { seen: started });
    }

    #[test]
    fn a_key_is_one_to_two_hundred_characters() {
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(201)).is_err());
        assert_eq!(IdempotencyKey::parse("batch-1").unwrap().as_str(), "batch-1");
    }
}
