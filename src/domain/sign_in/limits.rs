use chrono::Duration;

/// A door that counts its knocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Asking for a one-time code, per address.
    CodeForAddress,
    /// Asking for a one-time code, per client address.
    CodeFromClient,
    /// Trying a one-time code, per client address.
    VerifyFromClient,
    /// Redeeming an invitation, per client address.
    InvitationFromClient,
}

/// How many knocks a door takes in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub most: u64,
    pub window: Duration,
}

impl Door {
    pub fn limit(self) -> RateLimit {
        let quarter_hour = Duration::minutes(15);
        match self {
            // Three codes a quarter hour is enough for a slow SMS; more is someone else's doing.
            Door::CodeForAddress => RateLimit { most: 3, window: quarter_hour },
            // A facility's shared connection may sign several people in.
            Door::CodeFromClient => RateLimit { most: 20, window: quarter_hour },
            Door::VerifyFromClient => RateLimit { most: 30, window: quarter_hour },
            Door::InvitationFromClient => RateLimit { most: 20, window: quarter_hour },
        }
    }

    /// Part of the bucket's key, so that doors never share a count.
    pub fn name(self) -> &'static str {
        match self {
            Door::CodeForAddress => "code-address",
            Door::CodeFromClient => "code-client",
            Door::VerifyFromClient => "verify-client",
            Door::InvitationFromClient => "invitation-client",
        }
    }
}

impl RateLimit {
    /// With `earliest`, the oldest knock still in the window, and `count` knocks in it: `None`
    /// to let this one in, or how long until one more would be let in.
    pub fn retry_after(
        self,
        count: u64,
        earliest: Option<chrono::DateTime<chrono::Utc>>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Duration> {
        if count < self.most {
            return None;
        }
        let free_at = earliest.map_or(now + self.window, |at| at + self.window);
        Some((free_at - now).max(Duration::seconds(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_door_lets_in_up_to_its_limit_then_says_when_to_come_back() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        let limit = Door::CodeForAddress.limit();
        assert_eq!(limit.retry_after(2, Some(now), now), None);
        let earliest = now - Duration::minutes(10);
        assert_eq!(limit.retry_after(3, Some(earliest), now), Some(Duration::minutes(5)));
        assert_eq!(limit.retry_after(3, Some(now - Duration::minutes(15)), now), Some(Duration::seconds(1)));
    }
}
